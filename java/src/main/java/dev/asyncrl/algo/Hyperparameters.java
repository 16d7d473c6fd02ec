package dev.asyncrl.algo;

import java.util.Locale;

/**
 * Every hyperparameter of the four methods, in one typed place, resolved (a preset with the user's
 * flags on top). Each algorithm reads the fields it uses.
 *
 * @param tMax           A3C and n-step Q: steps per segment (t_max); one-step Q and Sarsa: steps
 *                       between updates (I_AsyncUpdate). Paper: 5
 * @param gamma          discount γ (paper: 0.99)
 * @param entropyBeta    A3C: entropy bonus β (paper: 0.01)
 * @param valueCoef      A3C: c in the value loss c·(R−V)² (0.25, as the faithful re-implementations)
 * @param qLossCoef      Q methods: c in the loss c·(y−Q(s,a))² (0.5: the gradient is Q − y)
 * @param lr             initial learning rate η (paper: 7e-4; drawn from LogUniform when a range is given)
 * @param lrSchedule     LINEAR anneals η to 0 over the step budget (the paper's), CONSTANT keeps it
 * @param optimizer      the paper's three: Shared RMSProp (default), RMSProp with per-thread statistics,
 *                       momentum SGD with per-thread momentum
 * @param rmsAlpha       RMSProp decay α (paper: 0.99)
 * @param rmsEps         RMSProp ε, inside the square root (paper: 0.1)
 * @param momentum       momentum SGD's α in m ← αm + (1−α)dθ (0.9)
 * @param maxGradNorm    global-norm clip of dθ before each update; ≤ 0 disables (40)
 * @param rewardScale    rewards are multiplied by this for learning only; returns are reported unscaled
 * @param targetInterval Q methods: θ⁻ ← θ every this many global steps (I_target; paper: 40,000)
 * @param epsilonSteps   Q methods: ε anneals linearly from 1 to the thread's final ε over this many
 *                       global steps (paper: 4M frames)
 * @param finalEpsilons  Q methods: the final ε values a thread draws from (paper: 0.1, 0.01, 0.5)
 * @param epsilonProbs   Q methods: their probabilities (paper: 0.4, 0.3, 0.3)
 */
public record Hyperparameters(int tMax, double gamma, double entropyBeta, double valueCoef, double qLossCoef,
                              double lr, LrSchedule lrSchedule, OptimizerKind optimizer, double rmsAlpha,
                              double rmsEps, double momentum, double maxGradNorm, double rewardScale,
                              long targetInterval, long epsilonSteps, double[] finalEpsilons,
                              double[] epsilonProbs) {

    /** The paper's final ε values and their probabilities (supplementary section 8). */
    public static final double[] PAPER_EPSILONS = {0.1, 0.01, 0.5};
    public static final double[] PAPER_EPSILON_PROBS = {0.4, 0.3, 0.3};

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
        // The kernel takes these coefficients as float: a double past Float.MAX_VALUE reaches it as
        // infinity and fails the run after it started, so such values are refused here like infinity.
        if (tMax < 1) throw new IllegalArgumentException("--t-max must be >= 1, got " + tMax);
        if (!(gamma >= 0 && gamma <= 1)) throw new IllegalArgumentException("--gamma must be in [0, 1], got " + gamma);
        if (!(entropyBeta >= 0) || entropyBeta > Float.MAX_VALUE) throw new IllegalArgumentException("--entropy-beta must be >= 0 and at most 3.4e38 (a float), got " + entropyBeta);
        if (!(valueCoef >= 0) || valueCoef > Float.MAX_VALUE) throw new IllegalArgumentException("--value-coef must be >= 0 and at most 3.4e38 (a float), got " + valueCoef);
        if (!(qLossCoef > 0) || qLossCoef > Float.MAX_VALUE) throw new IllegalArgumentException("--q-loss-coef must be > 0 and at most 3.4e38 (a float), got " + qLossCoef);
        if (!(lr > 0) || lr > Float.MAX_VALUE) throw new IllegalArgumentException("--lr must be > 0 and at most 3.4e38 (a float), got " + lr);
        if (!(rmsAlpha >= 0 && rmsAlpha < 1)) throw new IllegalArgumentException("--rms-alpha must be in [0, 1), got " + rmsAlpha);
        if (!(rmsEps > 0) || rmsEps > Float.MAX_VALUE) throw new IllegalArgumentException("--rms-eps must be > 0 and at most 3.4e38 (a float), got " + rmsEps);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("--momentum must be in [0, 1), got " + momentum);
        // 0 is the documented "no clipping"; a negative bound also clipped nothing, silently
        if (!(maxGradNorm >= 0) || maxGradNorm > Float.MAX_VALUE) {
            throw new IllegalArgumentException("--max-grad-norm must be >= 0 and finite (0 disables clipping), got " + maxGradNorm);
        }
        if (!(rewardScale > 0) || rewardScale > Float.MAX_VALUE) throw new IllegalArgumentException("--reward-scale must be > 0 and at most 3.4e38 (a float), got " + rewardScale);
        if (targetInterval < 1) throw new IllegalArgumentException("--target-interval (I_target) must be >= 1, got " + targetInterval);
        if (epsilonSteps < 0) throw new IllegalArgumentException("--epsilon-steps must be >= 0, got " + epsilonSteps);
        finalEpsilons = finalEpsilons.clone();
        epsilonProbs = epsilonProbs.clone();
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
    }

    @Override
    public double[] finalEpsilons() {
        return finalEpsilons.clone();
    }

    @Override
    public double[] epsilonProbs() {
        return epsilonProbs.clone();
    }

    /** η at global step T: annealed linearly from lr to 0 over {@code totalSteps}, or fixed. */
    public float learningRate(long T, long totalSteps) {
        if (lrSchedule == LrSchedule.CONSTANT) return (float) lr;
        return (float) (lr * Math.max(0.0, 1.0 - (double) T / totalSteps));
    }
}
