package dev.asyncrl.run;

import dev.asyncrl.algo.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.net.ValueNet;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a training run, resolved: the preset with the user's flags on top. This is what
 * config.json records.
 *
 * @param reportEvery             a metrics.csv row (and a progress update) every this many global steps
 * @param lrRange                 the LogUniform range the learning rate was drawn from, or null
 * @param checkpointEverySeconds  a checkpoint at least this often in wall time; 0: none on time
 * @param checkpointEverySteps    a checkpoint each time T advances by this many steps; 0: none on steps
 * @param valueNet                A3C: "shared" (the value head on the policy's torso) or "separate"
 *                                (a value network of its own, no shared parameters)
 */
public record TrainConfig(String algo, String env, String preset, int threads, long steps, long seed,
                          String kernel, Path out, int[] conv, int[] hidden, int lstm, String activation,
                          Hyperparameters hp, double[] lrRange, double stopReturn, long reportEvery,
                          double checkpointEverySeconds, long checkpointEverySteps, String valueNet) {

    /** Checkpoints by default: every 60 s of training, and at the end. */
    public static final double DEFAULT_CHECKPOINT_SECONDS = 60;

    public TrainConfig {
        if (!(checkpointEverySeconds >= 0) || Double.isInfinite(checkpointEverySeconds)) {
            throw new IllegalArgumentException("--checkpoint-every-seconds must be >= 0, got " + checkpointEverySeconds);
        }
        if (checkpointEverySteps < 0) throw new IllegalArgumentException("--checkpoint-every-steps must be >= 0, got " + checkpointEverySteps);
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        if (lstm < 0) throw new IllegalArgumentException("--lstm must be >= 0, got " + lstm);
        if (lstm > 0 && Algorithm.parse(algo).valueBased()) throw new IllegalArgumentException("--lstm is for --algo a3c (the paper's A3C LSTM)");
        ValueNet.parse(valueNet);
        if (!valueNet.equals(ValueNet.SHARED.flag()) && Algorithm.parse(algo).valueBased()) {
            throw new IllegalArgumentException("--value-net " + valueNet + " is for --algo a3c (the Q methods have no value head)");
        }
        if (reportEvery < 1) throw new IllegalArgumentException("--report-every must be >= 1, got " + reportEvery);
        hidden = hidden.clone();
        conv = conv.clone();
        lrRange = lrRange == null ? null : lrRange.clone();
    }

    /** True for the three value-based methods, which use a Q network and a target network. */
    public boolean valueBased() {
        return Algorithm.parse(algo).valueBased();
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

    /** Seed of thread i's random streams, distinct per thread and run seed; {@link dev.asyncrl.algo.RandomStreams} derives one stream per purpose from it. */
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
        if (!valueBased()) m.put("value_net", valueNet);
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
        m.put("checkpoint_every_seconds", checkpointEverySeconds);
        m.put("checkpoint_every_steps", checkpointEverySteps);
        return m;
    }

    /**
     * The configuration a run recorded ({@link #toMap}'s keys, as in config.json or a checkpoint),
     * writing into {@code out}. Hyperparameters the algorithm does not use, and so did not record,
     * come from the recorded preset. Throws IllegalArgumentException naming a missing or bad value.
     */
    public static TrainConfig fromJson(JsonNode c, Path out) {
        Recorded r = new Recorded(c);
        Preset p = Preset.named(r.text("preset"));
        String algo = r.text("algo");
        boolean valueBased = Algorithm.parse(algo).valueBased();
        Hyperparameters.OptimizerKind optimizer = Hyperparameters.OptimizerKind.parse(r.text("optimizer"));
        double[] range = c.hasNonNull("lr_log_uniform") ? r.doubles("lr_log_uniform") : null;
        Hyperparameters hp = new Hyperparameters(
                (int) r.number("t_max"), r.number("gamma"),
                valueBased ? p.entropyBeta() : r.number("entropy_beta"),
                valueBased ? p.valueCoef() : r.number("value_coef"),
                valueBased ? r.number("q_loss_coef") : p.qLossCoef(),
                r.number("lr"), Hyperparameters.LrSchedule.parse(r.text("lr_schedule")), optimizer,
                optimizer == Hyperparameters.OptimizerKind.MOMENTUM ? p.rmsAlpha() : r.number("rms_alpha"),
                optimizer == Hyperparameters.OptimizerKind.MOMENTUM ? p.rmsEps() : r.number("rms_eps"),
                optimizer == Hyperparameters.OptimizerKind.MOMENTUM ? r.number("momentum") : p.momentum(),
                r.number("max_grad_norm"), r.number("reward_scale"),
                valueBased ? (long) r.number("target_interval") : p.targetInterval(),
                valueBased ? (long) r.number("epsilon_steps") : p.epsilonSteps(),
                valueBased ? r.doubles("final_epsilons") : p.finalEpsilons(),
                valueBased ? r.doubles("epsilon_probs") : Hyperparameters.PAPER_EPSILON_PROBS);
        return new TrainConfig(algo, r.text("env"), p.name(), (int) r.number("threads"), (long) r.number("steps"),
                (long) r.number("seed"), r.text("kernel"), out, r.ints("conv"), r.ints("hidden"), (int) r.number("lstm"),
                r.text("activation"), hp, range, c.hasNonNull("stop_return") ? r.number("stop_return") : Double.NaN,
                (long) r.number("report_every"),
                c.has("checkpoint_every_seconds") ? r.number("checkpoint_every_seconds") : DEFAULT_CHECKPOINT_SECONDS,
                c.has("checkpoint_every_steps") ? (long) r.number("checkpoint_every_steps") : 0,
                c.hasNonNull("value_net") ? r.text("value_net") : ValueNet.SHARED.flag());  // runs from before the flag: shared
    }

    /** Typed reads of a recorded configuration; a missing or mistyped key is an IllegalArgumentException. */
    private record Recorded(JsonNode c) {
        JsonNode field(String key, boolean number) {
            JsonNode n = c.get(key);
            if (n == null || n.isNull() || (number ? !n.isNumber() : !n.isTextual())) {
                throw new IllegalArgumentException("the recorded configuration lacks " + (number ? "the number " : "the text ") + "'" + key + "'");
            }
            return n;
        }

        String text(String key) {
            return field(key, false).textValue();
        }

        double number(String key) {
            return field(key, true).doubleValue();
        }

        JsonNode array(String key) {
            JsonNode n = c.get(key);
            if (n == null || !n.isArray()) throw new IllegalArgumentException("the recorded configuration lacks the list '" + key + "'");
            for (JsonNode v : n) {
                if (!v.isNumber()) throw new IllegalArgumentException("the recorded configuration's '" + key + "' holds " + v);
            }
            return n;
        }

        double[] doubles(String key) {
            JsonNode n = array(key);
            double[] v = new double[n.size()];
            for (int i = 0; i < v.length; i++) v[i] = n.get(i).doubleValue();
            return v;
        }

        int[] ints(String key) {
            JsonNode n = array(key);
            int[] v = new int[n.size()];
            for (int i = 0; i < v.length; i++) v[i] = n.get(i).intValue();
            return v;
        }
    }
}
