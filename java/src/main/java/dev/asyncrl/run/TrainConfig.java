package dev.asyncrl.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asyncrl.algo.Algorithm;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.env.Env;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every setting of a training run, resolved: what to train ({@code algo} on {@code env}), how
 * ({@link Hyperparameters}: the preset with the user's flags on top), and the run's plumbing
 * (threads, seed, kernel, run directory, reports, checkpoints). This is what config.json records.
 *
 * @param preset                  the preset the hyperparameters started from (config.json names it)
 * @param reportEvery             a metrics.csv row (and a progress update) every this many global steps
 * @param lrRange                 the LogUniform range the learning rate was drawn from, or null
 * @param checkpointEverySeconds  a checkpoint at least this often in wall time; 0: none on time
 * @param checkpointEverySteps    a checkpoint each time T advances by this many steps; 0: none on steps
 * @param pinThreads              actor-learner i pins itself to the i-th CPU the process may use ({@link ThreadAffinity})
 */
public record TrainConfig(Algorithm algo, String env, String preset, int threads, long seed, String kernel, Path out,
                          Hyperparameters hp, double[] lrRange, long reportEvery, double checkpointEverySeconds,
                          long checkpointEverySteps, boolean pinThreads) {

    /**
     * The most actor-learner threads a run may ask for: far beyond any machine's cores (the paper
     * used 16), and low enough that a typo (100000) is refused at once instead of starting that
     * many platform threads, each with its own copy of θ.
     */
    public static final int MAX_THREADS = 1024;

    /** Checkpoints by default: every 60 s of training, and at the end. */
    public static final double DEFAULT_CHECKPOINT_SECONDS = 60;

    public TrainConfig {
        if (!(checkpointEverySeconds >= 0) || Double.isInfinite(checkpointEverySeconds)) {
            throw new IllegalArgumentException("--checkpoint-every-seconds must be >= 0, got " + checkpointEverySeconds);
        }
        if (checkpointEverySteps < 0) throw new IllegalArgumentException("--checkpoint-every-steps must be >= 0, got " + checkpointEverySteps);
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (hp.lstm() > 0 && algo.valueBased()) throw new IllegalArgumentException("--lstm is for --algo a3c (the paper's A3C LSTM)");
        if (hp.valueNet() != ValueNet.SHARED && algo.valueBased()) {
            throw new IllegalArgumentException("--value-net " + hp.valueNet().flag() + " is for --algo a3c (the Q methods have no value head)");
        }
        if (reportEvery < 1) throw new IllegalArgumentException("--report-every must be >= 1, got " + reportEvery);
        lrRange = lrRange == null ? null : lrRange.clone();
    }

    /** A copy with other hyperparameters. */
    public TrainConfig withHp(Hyperparameters h) {
        return new TrainConfig(algo, env, preset, threads, seed, kernel, out, h, lrRange, reportEvery, checkpointEverySeconds, checkpointEverySteps,
                pinThreads);
    }

    /** A copy with another kernel, run directory and report and checkpoint schedule (what a resumed run may change). */
    public TrainConfig withRun(String k, Path dir, long every, double ckptSeconds, long ckptSteps) {
        return new TrainConfig(algo, env, preset, threads, seed, k, dir, hp, lrRange, every, ckptSeconds, ckptSteps, pinThreads);
    }

    /** A copy that pins its threads or not (placement, which a resumed run may change). */
    public TrainConfig withPinThreads(boolean pin) {
        return new TrainConfig(algo, env, preset, threads, seed, kernel, out, hp, lrRange, reportEvery, checkpointEverySeconds,
                checkpointEverySteps, pin);
    }

    /** True for the three value-based methods, which use a Q network and a target network. */
    public boolean valueBased() {
        return algo.valueBased();
    }

    /** T_max, the step budget. */
    public long steps() {
        return hp.steps();
    }

    /** Stop once mean_return_100 reaches it; NaN runs the whole budget. */
    public double stopReturn() {
        return hp.stopReturn();
    }

    /** {filters, kernel, stride} of the convolution used for image observations. */
    public int[] conv() {
        return hp.conv();
    }

    public int[] hidden() {
        return hp.hidden();
    }

    public int lstm() {
        return hp.lstm();
    }

    /** The torso's activation as config.json records it. */
    public String activation() {
        return hp.activation().flag();
    }

    /** A3C: "shared" or "separate", as config.json records it. */
    public String valueNet() {
        return hp.valueNet().flag();
    }

    /** The network this run trains on {@code env}: {@link Trainer#network} with the record's architecture. */
    public Mlp network(Env env) {
        return Trainer.network(algo, env, hp.conv(), hp.hidden(), hp.lstm(), hp.activation(), hp.valueNet());
    }

    /** Seed of thread i's random streams, distinct per thread and run seed; {@link dev.asyncrl.algo.RandomStreams} derives one stream per purpose from it. */
    public long threadSeed(int i) {
        long z = seed * 0x9E3779B97F4A7C15L + (i + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Ordered for config.json: the run's settings, then the hyperparameters ({@link Hyperparameters#toMap}). */
    public Map<String, Object> toMap(String kernelName) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algo", algo.flag());
        m.put("env", env);
        m.put("preset", preset);
        m.put("threads", threads);
        m.put("pin_threads", pinThreads);
        m.put("steps", hp.steps());
        m.put("seed", seed);
        m.put("kernel", kernel);
        m.put("kernel_name", kernelName);
        m.put("out", out.toString());
        m.putAll(hp.toMap(algo));
        m.put("lr_log_uniform", lrRange);
        m.put("stop_return", Double.isNaN(hp.stopReturn()) ? null : hp.stopReturn());
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
        Algorithm algo = Algorithm.parse(r.text("algo"));
        Hyperparameters h = p.forAlgorithm(algo)
                .withConv(r.ints("conv")).withHidden(r.ints("hidden")).withLstm((int) r.number("lstm"))
                .withActivation(Activation.parse(r.text("activation")))
                // runs from before --value-net recorded none: shared
                .withValueNet(c.hasNonNull("value_net") ? ValueNet.parse(r.text("value_net")) : ValueNet.SHARED)
                // runs from before --envs-per-thread stepped one environment per thread
                .withEnvsPerThread(c.hasNonNull("envs_per_thread") ? (int) r.number("envs_per_thread") : 1)
                .withTMax((int) r.number("t_max")).withGamma(r.number("gamma"))
                .withLr(r.number("lr")).withLrSchedule(Hyperparameters.LrSchedule.parse(r.text("lr_schedule")))
                .withOptimizer(Hyperparameters.OptimizerKind.parse(r.text("optimizer")))
                .withMaxGradNorm(r.number("max_grad_norm")).withRewardScale(r.number("reward_scale"))
                .withSteps((long) r.number("steps"))
                .withStopReturn(c.hasNonNull("stop_return") ? r.number("stop_return") : Double.NaN);
        if (algo.valueBased()) {
            h = h.withQLossCoef(r.number("q_loss_coef")).withTargetInterval((long) r.number("target_interval"))
                    .withEpsilonSteps((long) r.number("epsilon_steps"))
                    .withEpsilons(r.doubles("final_epsilons"), r.doubles("epsilon_probs"));
        } else {
            h = h.withEntropyBeta(r.number("entropy_beta")).withValueCoef(r.number("value_coef"));
        }
        h = h.optimizer() == Hyperparameters.OptimizerKind.MOMENTUM ? h.withMomentum(r.number("momentum"))
                : h.withRmsAlpha(r.number("rms_alpha")).withRmsEps(r.number("rms_eps"));
        return new TrainConfig(algo, r.text("env"), p.name(), (int) r.number("threads"), (long) r.number("seed"),
                r.text("kernel"), out, h, c.hasNonNull("lr_log_uniform") ? r.doubles("lr_log_uniform") : null,
                (long) r.number("report_every"),
                c.has("checkpoint_every_seconds") ? r.number("checkpoint_every_seconds") : DEFAULT_CHECKPOINT_SECONDS,
                c.has("checkpoint_every_steps") ? (long) r.number("checkpoint_every_steps") : 0,
                // runs from before --pin-threads recorded none: unpinned
                c.hasNonNull("pin_threads") && r.bool("pin_threads"));
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

        boolean bool(String key) {
            JsonNode n = c.get(key);
            if (n == null || !n.isBoolean()) throw new IllegalArgumentException("the recorded configuration lacks the boolean '" + key + "'");
            return n.booleanValue();
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
