package dev.asyncrl.run;

import dev.asyncrl.algo.Hyperparameters;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a training run, resolved: the preset with the user's flags on top. This is what
 * config.json records.
 *
 * @param reportEvery a metrics.csv row (and a progress update) every this many global steps
 * @param lrRange     the LogUniform range the learning rate was drawn from, or null
 */
public record TrainConfig(String algo, String env, String preset, int threads, long steps, long seed,
                          String kernel, Path out, int[] conv, int[] hidden, int lstm, String activation,
                          Hyperparameters hp, double[] lrRange, double stopReturn, long reportEvery) {

    public TrainConfig {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (lstm < 0) throw new IllegalArgumentException("--lstm must be >= 0, got " + lstm);
        if (lstm > 0 && !algo.equals("a3c")) throw new IllegalArgumentException("--lstm is for --algo a3c (the paper's A3C LSTM)");
        if (reportEvery < 1) throw new IllegalArgumentException("--report-every must be >= 1, got " + reportEvery);
        hidden = hidden.clone();
        conv = conv.clone();
        lrRange = lrRange == null ? null : lrRange.clone();
    }

    /** True for the three value-based methods, which use a Q network and a target network. */
    public boolean valueBased() {
        return !algo.equals("a3c");
    }

    /** {filters, kernel, stride} of the convolution used for image observations. */
    @Override
    public int[] conv() {
        return conv.clone();
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
        m.put("conv", conv);
        m.put("hidden", hidden);
        m.put("lstm", lstm);
        m.put("activation", activation);
        m.put("t_max", hp.tMax());
        m.put("gamma", hp.gamma());
        if (!valueBased()) {
            m.put("entropy_beta", hp.entropyBeta());
            m.put("value_coef", hp.valueCoef());
        } else {
            m.put("q_loss_coef", hp.qLossCoef());
            m.put("target_interval", hp.targetInterval());
            m.put("epsilon_steps", hp.epsilonSteps());
            m.put("final_epsilons", hp.finalEpsilons());
            m.put("epsilon_probs", hp.epsilonProbs());
        }
        m.put("optimizer", hp.optimizer().flag);
        m.put("lr", hp.lr());
        m.put("lr_log_uniform", lrRange);
        m.put("lr_schedule", hp.lrSchedule().flag());
        if (hp.optimizer() == Hyperparameters.OptimizerKind.MOMENTUM) {
            m.put("momentum", hp.momentum());
        } else {
            m.put("rms_alpha", hp.rmsAlpha());
            m.put("rms_eps", hp.rmsEps());
        }
        m.put("max_grad_norm", hp.maxGradNorm());
        m.put("reward_scale", hp.rewardScale());
        m.put("stop_return", Double.isNaN(stopReturn) ? null : stopReturn);
        m.put("report_every", reportEvery);
        return m;
    }
}
