package dev.asyncrl.cli;

import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.ValueNet;
import picocli.CommandLine.Option;

/**
 * The flags of {@code asyncrl train} that set a hyperparameter, and the one place they are laid over
 * a preset ({@link #overlay}): each flag given replaces one field of the {@link Hyperparameters}
 * record through its wither, which checks the value; a flag left out keeps the preset's.
 */
final class HyperparameterFlags {

    @Option(names = "--hidden", split = ",", paramLabel = "H1,H2,...", description = "MLP torso sizes, e.g. 64,64.")
    int[] hidden;

    @Option(names = "--conv", split = ",", paramLabel = "F,K,S[,F,K,S...]", description = "Image observations: filters, kernel size and stride of each convolution (MinAtar: 16,3,1; the paper's Atari net: 16,8,4,32,4,2).")
    int[] conv;

    @Option(names = "--lstm", paramLabel = "CELLS", description = "A3C: LSTM cells after the last hidden layer (the paper's A3C LSTM uses 256); 0 for none (default).")
    Integer lstm;

    @Option(names = "--activation", description = "Torso activation: relu or tanh.")
    String activation;

    @Option(names = "--value-net", paramLabel = "shared|separate", description = "A3C: the value head on the policy's torso (shared, the paper's Atari nets) or on a network of its own with the same torso shape and no shared parameters (separate, the paper's MuJoCo nets) (default: the preset's).")
    String valueNet;

    @Option(names = "--t-max", description = "Steps per segment before an update: t_max, or I_AsyncUpdate for the one-step methods (paper: 5).")
    Integer tMax;

    @Option(names = "--envs-per-thread", paramLabel = "K", description = "Environments each actor-learner steps in lock-step: one K-row forward per step, one update per K*t_max steps (1: the paper's form; default: the preset's).")
    Integer envsPerThread;

    @Option(names = "--gamma", description = "Discount (paper: 0.99).")
    Double gamma;

    @Option(names = "--entropy-beta", description = "Entropy bonus beta (paper: 0.01).")
    Double entropyBeta;

    @Option(names = "--value-coef", description = "A3C: c in the value loss c*(R-V)^2 (default 0.25).")
    Double valueCoef;

    @Option(names = "--q-loss-coef", description = "Q methods: c in the loss c*(y-Q)^2 (default 0.5).")
    Double qLossCoef;

    @Option(names = "--target-interval", paramLabel = "STEPS", description = "Q methods: I_target, the target network is synced every this many global steps.")
    Long targetInterval;

    @Option(names = "--epsilon-steps", paramLabel = "STEPS", description = "Q methods: global steps over which each thread's epsilon anneals from 1 to its final value.")
    Long epsilonSteps;

    @Option(names = "--final-epsilons", split = ",", paramLabel = "E1,E2,...", description = "Q methods: the final epsilons a thread draws from (paper: 0.1,0.01,0.5; CartPole preset: 0.1,0.01,0.05).")
    double[] finalEpsilons;

    @Option(names = "--epsilon-probs", split = ",", paramLabel = "P1,P2,...", description = "Q methods: their probabilities (default 0.4,0.3,0.3).")
    double[] epsilonProbs;

    @Option(names = "--optimizer", defaultValue = "shared-rmsprop", description = "shared-rmsprop, rmsprop (per-thread statistics) or momentum (per-thread momentum SGD) (default: ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", description = "Initial learning rate (paper: 7e-4).")
    Double lr;

    @Option(names = "--momentum", description = "Momentum SGD's alpha in m = alpha*m + (1-alpha)*dtheta (default 0.9).")
    Double momentum;

    @Option(names = "--lr-schedule", description = "linear (anneal to 0 over --steps, the paper's) or constant.")
    String lrSchedule;

    @Option(names = "--rms-alpha", description = "RMSProp decay alpha (paper: 0.99).")
    Double rmsAlpha;

    @Option(names = "--rms-eps", description = "RMSProp epsilon, inside the square root (paper: 0.1).")
    Double rmsEps;

    @Option(names = "--max-grad-norm", description = "Global gradient-norm clip; 0 disables (default 40).")
    Double maxGradNorm;

    @Option(names = "--reward-scale", description = "Rewards are multiplied by this for learning; returns are reported unscaled.")
    Double rewardScale;

    /** The preset's values with every flag given on top. {@code --lr-log-uniform} is the caller's (it needs the seed). */
    Hyperparameters overlay(Hyperparameters h) {
        if (hidden != null) h = h.withHidden(hidden);
        if (conv != null) h = h.withConv(conv);
        if (lstm != null) h = h.withLstm(lstm);
        if (activation != null) h = h.withActivation(Activation.parse(activation));
        if (valueNet != null) h = h.withValueNet(ValueNet.parse(valueNet));
        if (tMax != null) h = h.withTMax(tMax);
        if (envsPerThread != null) h = h.withEnvsPerThread(envsPerThread);
        if (gamma != null) h = h.withGamma(gamma);
        if (entropyBeta != null) h = h.withEntropyBeta(entropyBeta);
        if (valueCoef != null) h = h.withValueCoef(valueCoef);
        if (qLossCoef != null) h = h.withQLossCoef(qLossCoef);
        if (targetInterval != null) h = h.withTargetInterval(targetInterval);
        if (epsilonSteps != null) h = h.withEpsilonSteps(epsilonSteps);
        if (finalEpsilons != null || epsilonProbs != null) {
            h = h.withEpsilons(finalEpsilons != null ? finalEpsilons : h.finalEpsilons(),
                    epsilonProbs != null ? epsilonProbs : h.epsilonProbs());
        }
        h = h.withOptimizer(Hyperparameters.OptimizerKind.parse(optimizer));
        if (lr != null) h = h.withLr(lr);
        if (momentum != null) h = h.withMomentum(momentum);
        if (lrSchedule != null) h = h.withLrSchedule(Hyperparameters.LrSchedule.parse(lrSchedule));
        if (rmsAlpha != null) h = h.withRmsAlpha(rmsAlpha);
        if (rmsEps != null) h = h.withRmsEps(rmsEps);
        if (maxGradNorm != null) h = h.withMaxGradNorm(maxGradNorm);
        if (rewardScale != null) h = h.withRewardScale(rewardScale);
        return h;
    }
}
