package dev.asyncrl.run;

import dev.asyncrl.algo.A3C;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a training run, resolved: the preset with the user's flags on top. This is what
 * config.json records.
 *
 * @param reportEvery a metrics.csv row (and a progress update) every this many global steps
 */
public record TrainConfig(String algo, String env, String preset, int threads, long steps, long seed,
                          String kernel, Path out, int[] hidden, String activation,
                          A3C.Hyperparameters a3c, double stopReturn, long reportEvery) {

    public TrainConfig {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (reportEvery < 1) throw new IllegalArgumentException("--report-every must be >= 1, got " + reportEvery);
        hidden = hidden.clone();
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** Seed of thread i's random stream (actions) and environment; distinct per thread and run seed. */
    public long threadSeed(int i) {
        long z = seed * 0x9E3779B97F4A7C15L + (i + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Ordered for config.json. */
    public Map<String, Object> toMap(String kernelName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algo", algo);
        m.put("env", env);
        m.put("preset", preset);
        m.put("threads", threads);
        m.put("steps", steps);
        m.put("seed", seed);
        m.put("kernel", kernel);
        m.put("kernel_name", kernelName);
        m.put("out", out.toString());
        m.put("hidden", hidden);
        m.put("activation", activation);
        m.put("t_max", a3c.tMax());
        m.put("gamma", a3c.gamma());
        m.put("entropy_beta", a3c.entropyBeta());
        m.put("value_coef", a3c.valueCoef());
        m.put("optimizer", "shared-rmsprop");
        m.put("lr", a3c.lr());
        m.put("lr_schedule", a3c.annealLr() ? "linear" : "constant");
        m.put("rms_alpha", a3c.rmsAlpha());
        m.put("rms_eps", a3c.rmsEps());
        m.put("max_grad_norm", a3c.maxGradNorm());
        m.put("reward_scale", a3c.rewardScale());
        m.put("stop_return", Double.isNaN(stopReturn) ? null : stopReturn);
        m.put("report_every", reportEvery);
        return m;
    }
}
