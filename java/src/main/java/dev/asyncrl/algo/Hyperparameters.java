package dev.asyncrl.algo;

import dev.asyncrl.net.Activation;
import dev.asyncrl.net.ValueNet;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Every hyperparameter of a run in one typed place: the network, the four methods' update rules,
 * the optimizer, exploration, and the step budget. {@link #PAPER} holds the paper's values; presets
 * ({@code run.Preset}) are built from it with the named withers, the command line's flags and the
 * Java API's builder are laid on top with the same withers, and config.json is written from it
 * ({@link #toMap}). Each algorithm reads the fields it uses. Every value is checked here, once.
 *
 * @param hidden         the MLP torso's layer sizes (the paper's Atari net: 256)
 * @param activation     the torso's non-linearity
 * @param conv           image observations: {filters, kernel, stride} of each convolution in front of the torso
 * @param lstm           A3C: LSTM cells after the torso, 0 for none
 * @param valueNet       A3C: the value head on the policy's torso (SHARED) or on a network of its own (SEPARATE)
 * @param tMax           A3C and n-step Q: steps per segment (t_max); one-step Q and Sarsa: steps
 *                       between updates (I_AsyncUpdate). Paper: 5
 * @param gamma          discount γ (paper: 0.99)
 * @param entropyBeta    A3C: entropy bonus β (paper: 0.01)
 * @param valueCoef      A3C: c in the value loss c·(R−V)² (0.25, as the faithful re-implementations)
 * @param qLossCoef      Q methods: c in the loss c·(y−Q(s,a))² (0.5: the gradient is Q − y)
 * @param lr             initial learning rate η (paper: 7e-4)
 * @param lrSchedule     LINEAR anneals η to 0 over {@code steps} (the paper's), CONSTANT keeps it
 * @param optimizer      the paper's three: Shared RMSProp (default), RMSProp with per-thread statistics,
 *                       momentum SGD with per-thread momentum
 * @param rmsAlpha       RMSProp decay α (paper: 0.99)
 * @param rmsEps         RMSProp ε, inside the square root (paper: 0.1)
 * @param momentum       momentum SGD's α in m ← αm + (1−α)dθ (0.9)
 * @param maxGradNorm    global-norm clip of dθ before each update; 0 disables (40)
 * @param rewardScale    rewards are multiplied by this for learning only; returns are reported unscaled
 * @param targetInterval Q methods: θ⁻ ← θ every this many global steps (I_target; paper: 40,000)
 * @param epsilonSteps   Q methods: ε anneals linearly from 1 to the thread's final ε over this many
 *                       global steps (paper: 4M frames)
 * @param finalEpsilons  Q methods: the final ε values a thread draws from (paper: 0.1, 0.01, 0.5)
 * @param epsilonProbs   Q methods: their probabilities (paper: 0.4, 0.3, 0.3)
 * @param steps          the step budget T_max over all threads, also the horizon of η's annealing
 * @param stopReturn     stop once mean_return_100 reaches this; NaN runs the whole budget
 * @param envsPerThread  K environments each actor-learner steps in lock-step, one K-row batch per
 *                       forward, one update per segment of K·t_max steps (1: the paper's form)
 */
public record Hyperparameters(int[] hidden, Activation activation, int[] conv, int lstm, ValueNet valueNet,
                              int tMax, double gamma, double entropyBeta, double valueCoef, double qLossCoef,
                              double lr, LrSchedule lrSchedule, OptimizerKind optimizer, double rmsAlpha,
                              double rmsEps, double momentum, double maxGradNorm, double rewardScale,
                              long targetInterval, long epsilonSteps, double[] finalEpsilons,
                              double[] epsilonProbs, long steps, double stopReturn,
                              int envsPerThread) {

    /** The paper's final ε values and their probabilities (supplementary section 8). */
    public static final double[] PAPER_EPSILONS = {0.1, 0.01, 0.5};
    public static final double[] PAPER_EPSILON_PROBS = {0.4, 0.3, 0.3};
    /** The most environments one actor-learner steps (its rows are K·(t_max + 1)). */
    public static final int MAX_ENVS_PER_THREAD = 256;

    /**
     * The paper's values (Atari): a 256-unit ReLU torso behind its two convolutions, t_max =
     * I_AsyncUpdate = 5, γ 0.99, β 0.01, Shared RMSProp η 7e-4 annealed to 0 over 80M steps, α 0.99,
     * ε 0.1 inside the root, clip 40, I_target 40,000, ε annealed over 4M steps; value loss
     * 0.25·(R−V)²; rewards as they come.
     */
    public static final Hyperparameters PAPER = new Hyperparameters(new int[] {256}, Activation.RELU,
            new int[] {16, 8, 4, 32, 4, 2}, 0, ValueNet.SHARED, 5, 0.99, 0.01, 0.25, 0.5, 7e-4, LrSchedule.LINEAR,
            OptimizerKind.SHARED_RMSPROP, 0.99, 0.1, 0.9, 40.0, 1.0, 40_000, 4_000_000, PAPER_EPSILONS,
            PAPER_EPSILON_PROBS, 80_000_000L, Double.NaN, 1);

    public enum LrSchedule {
        LINEAR, CONSTANT;

        public static LrSchedule parse(String s) {
            return switch (s) {
                case "linear" -> LINEAR;
                case "constant" -> CONSTANT;
                default -> throw new IllegalArgumentException("unknown --lr-schedule '" + s + "' (linear or constant)");
            };
        }

        public String flag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum OptimizerKind {
        SHARED_RMSPROP("shared-rmsprop"), RMSPROP("rmsprop"), MOMENTUM("momentum");

        public final String flag;

        OptimizerKind(String flag) {
            this.flag = flag;
        }

        public static OptimizerKind parse(String s) {
            for (OptimizerKind k : values()) if (k.flag.equals(s)) return k;
            throw new IllegalArgumentException("unknown --optimizer '" + s + "' (shared-rmsprop, rmsprop or momentum)");
        }
    }

    public Hyperparameters {
        hidden = hidden.clone();
        conv = conv.clone();
        finalEpsilons = finalEpsilons.clone();
        epsilonProbs = epsilonProbs.clone();
        for (int v : hidden) if (v < 1) throw new IllegalArgumentException("--hidden sizes must be >= 1, got " + v);
        if (conv.length == 0 || conv.length % 3 != 0 || Arrays.stream(conv).anyMatch(v -> v < 1)) {
            throw new IllegalArgumentException("--conv takes filters,kernel,stride (numbers >= 1) for each convolution, e.g. 16,8,4,32,4,2");
        }
        if (lstm < 0) throw new IllegalArgumentException("--lstm must be >= 0, got " + lstm);
        if (steps < 1) throw new IllegalArgumentException("--steps must be >= 1, got " + steps);
        // The kernel takes these coefficients as float: a double past Float.MAX_VALUE reaches it as
        // infinity and fails the run after it started, so such values are refused here like infinity.
        if (tMax < 1) throw new IllegalArgumentException("--t-max must be >= 1, got " + tMax);
        if (!(gamma >= 0 && gamma <= 1)) throw new IllegalArgumentException("--gamma must be in [0, 1], got " + gamma);
        requireFloat("--entropy-beta", entropyBeta, ">= 0", entropyBeta >= 0);
        requireFloat("--value-coef", valueCoef, ">= 0", valueCoef >= 0);
        requireFloat("--q-loss-coef", qLossCoef, "> 0", qLossCoef > 0);
        requireFloat("--lr", lr, "> 0", lr > 0);
        if (!(rmsAlpha >= 0 && rmsAlpha < 1)) throw new IllegalArgumentException("--rms-alpha must be in [0, 1), got " + rmsAlpha);
        requireFloat("--rms-eps", rmsEps, "> 0", rmsEps > 0);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("--momentum must be in [0, 1), got " + momentum);
        // 0 is the documented "no clipping"; a negative bound also clipped nothing, silently
        if (!(maxGradNorm >= 0) || maxGradNorm > Float.MAX_VALUE) {
            throw new IllegalArgumentException("--max-grad-norm must be >= 0 and finite (0 disables clipping), got " + maxGradNorm);
        }
        requireFloat("--reward-scale", rewardScale, "> 0", rewardScale > 0);
        if (targetInterval < 1) throw new IllegalArgumentException("--target-interval (I_target) must be >= 1, got " + targetInterval);
        if (epsilonSteps < 0) throw new IllegalArgumentException("--epsilon-steps must be >= 0, got " + epsilonSteps);
        if (finalEpsilons.length == 0 || finalEpsilons.length != epsilonProbs.length) {
            throw new IllegalArgumentException("--final-epsilons and --epsilon-probs need the same number of values, got "
                    + finalEpsilons.length + " and " + epsilonProbs.length);
        }
        double sum = 0;
        for (int i = 0; i < finalEpsilons.length; i++) {
            if (!(finalEpsilons[i] >= 0 && finalEpsilons[i] <= 1)) throw new IllegalArgumentException("--final-epsilons must lie in [0, 1], got " + finalEpsilons[i]);
            if (!(epsilonProbs[i] >= 0)) throw new IllegalArgumentException("--epsilon-probs must be >= 0, got " + epsilonProbs[i]);
            sum += epsilonProbs[i];
        }
        if (Math.abs(sum - 1) > 1e-6) throw new IllegalArgumentException("--epsilon-probs must sum to 1, got " + sum);
        // NaN is "none"; an infinity would never or always stop
        if (envsPerThread < 1 || envsPerThread > MAX_ENVS_PER_THREAD) {
            throw new IllegalArgumentException("--envs-per-thread must be in [1, " + MAX_ENVS_PER_THREAD + "], got " + envsPerThread);
        }
        if (Double.isInfinite(stopReturn)) throw new IllegalArgumentException("--stop-return takes a finite number or none, got " + stopReturn);
    }

    private static void requireFloat(String flag, double v, String bound, boolean within) {
        if (!within || v > Float.MAX_VALUE) {
            throw new IllegalArgumentException(flag + " must be " + bound + " and at most 3.4e38 (a float), got " + v);
        }
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    @Override
    public int[] conv() {
        return conv.clone();
    }

    @Override
    public double[] finalEpsilons() {
        return finalEpsilons.clone();
    }

    @Override
    public double[] epsilonProbs() {
        return epsilonProbs.clone();
    }

    /** Every component by name, arrays by their values. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", "Hyperparameters[", "]");
        for (RecordComponent c : Hyperparameters.class.getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(this);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            j.add(c.getName() + "=" + (v instanceof int[] a ? Arrays.toString(a) : v instanceof double[] d ? Arrays.toString(d) : v));
        }
        return j.toString();
    }

    /** η at global step T: annealed linearly from lr to 0 over {@code totalSteps}, or fixed. */
    public float learningRate(long T, long totalSteps) {
        if (lrSchedule == LrSchedule.CONSTANT) return (float) lr;
        return (float) (lr * Math.max(0.0, 1.0 - (double) T / totalSteps));
    }

    /**
     * The values config.json records, in its order: every field {@code algo} and the optimizer use
     * (a Q method records no entropy β, A3C no ε schedule, momentum SGD no RMSProp α).
     */
    public Map<String, Object> toMap(Algorithm algo) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("conv", conv.clone());
        m.put("hidden", hidden.clone());
        m.put("lstm", lstm);
        m.put("activation", activation.flag());
        if (!algo.valueBased()) m.put("value_net", valueNet.flag());
        m.put("envs_per_thread", envsPerThread);
        m.put("t_max", tMax);
        m.put("gamma", gamma);
        if (!algo.valueBased()) {
            m.put("entropy_beta", entropyBeta);
            m.put("value_coef", valueCoef);
        } else {
            m.put("q_loss_coef", qLossCoef);
            m.put("target_interval", targetInterval);
            m.put("epsilon_steps", epsilonSteps);
            m.put("final_epsilons", finalEpsilons.clone());
            m.put("epsilon_probs", epsilonProbs.clone());
        }
        m.put("optimizer", optimizer.flag);
        m.put("lr", lr);
        m.put("lr_schedule", lrSchedule.flag());
        if (optimizer == OptimizerKind.MOMENTUM) {
            m.put("momentum", momentum);
        } else {
            m.put("rms_alpha", rmsAlpha);
            m.put("rms_eps", rmsEps);
        }
        m.put("max_grad_norm", maxGradNorm);
        m.put("reward_scale", rewardScale);
        return m;
    }

    // The named withers: each returns a copy with one value changed, checked like the original.

    public Hyperparameters withHidden(int... v) {
        return new Hyperparameters(v, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withActivation(Activation v) {
        return new Hyperparameters(hidden, v, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withConv(int... v) {
        return new Hyperparameters(hidden, activation, v, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withLstm(int v) {
        return new Hyperparameters(hidden, activation, conv, v, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withValueNet(ValueNet v) {
        return new Hyperparameters(hidden, activation, conv, lstm, v, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withTMax(int v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, v, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withGamma(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, v, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withEntropyBeta(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, v, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withValueCoef(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, v, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withQLossCoef(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, v, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withLr(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, v, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withLrSchedule(LrSchedule v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, v, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withOptimizer(OptimizerKind v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, v, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withRmsAlpha(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, v, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withRmsEps(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, v, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withMomentum(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, v, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withMaxGradNorm(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, v, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withRewardScale(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, v, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withTargetInterval(long v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, v, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withEpsilonSteps(long v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, v, finalEpsilons, epsilonProbs, steps, stopReturn, envsPerThread);
    }

    /** The final ε values and their probabilities together: the record checks they pair up. */
    public Hyperparameters withEpsilons(double[] finals, double[] probs) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finals, probs, steps, stopReturn, envsPerThread);
    }

    public Hyperparameters withSteps(long v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, v, stopReturn, envsPerThread);
    }

    public Hyperparameters withEnvsPerThread(int v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, stopReturn, v);
    }

    /** NaN: run the whole budget. */
    public Hyperparameters withStopReturn(double v) {
        return new Hyperparameters(hidden, activation, conv, lstm, valueNet, tMax, gamma, entropyBeta, valueCoef, qLossCoef, lr, lrSchedule, optimizer, rmsAlpha, rmsEps, momentum, maxGradNorm, rewardScale, targetInterval, epsilonSteps, finalEpsilons, epsilonProbs, steps, v, envsPerThread);
    }
}
