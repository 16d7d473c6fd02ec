package dev.asyncrl.run;

import java.util.Arrays;
import java.util.List;

/**
 * Defaults a user gets without flags: one preset per environment, plus "paper", the values the
 * paper used for Atari. Every flag of {@code asyncrl train} overrides its field; config.json
 * records what was used.
 *
 * @param steps      step cap T_max (also the learning-rate annealing horizon)
 * @param stopReturn stop once mean_return_100 reaches this (NaN: run the whole budget)
 */
public record Preset(String name, int[] hidden, String activation, int tMax, double gamma,
                     double entropyBeta, double valueCoef, double lr, boolean annealLr,
                     double rmsAlpha, double rmsEps, double maxGradNorm, double rewardScale,
                     long steps, double stopReturn) {

    public Preset {
        hidden = hidden.clone();
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /**
     * The paper's A3C values (Atari): t_max 5, γ 0.99, β 0.01, Shared RMSProp η 7e-4 annealed to
     * 0, α 0.99, ε 0.1 inside the root, clip 40; value loss 0.25·(R−V)²; rewards as they come.
     */
    public static final Preset PAPER = new Preset("paper", new int[] {256}, "relu", 5, 0.99, 0.01, 0.25,
            7e-4, true, 0.99, 0.1, 40.0, 1.0, 80_000_000L, Double.NaN);

    /**
     * CartPole-v1: the paper's values, but for two changes. The paper's ε = 0.1 inside the root
     * suits Atari's clipped rewards; with CartPole's returns of up to ~100 every update becomes a
     * sign-like step of about η on every weight, and learning climbs then collapses. Rewards are
     * scaled by 0.1 for learning (returns are reported unscaled), which keeps the advantages in
     * the range ε was chosen for. The torso is 64,64 ReLU. Stops once solved (475) or at 2M steps.
     */
    public static final Preset CARTPOLE = new Preset("cartpole", new int[] {64, 64}, "relu", 5, 0.99, 0.01, 0.25,
            7e-4, true, 0.99, 0.1, 40.0, 0.1, 2_000_000L, 475.0);

    public static final List<Preset> ALL = List.of(CARTPOLE, PAPER);

    /** The preset named {@code name}. */
    public static Preset named(String name) {
        for (Preset p : ALL) if (p.name.equals(name)) return p;
        throw new IllegalArgumentException("unknown preset '" + name + "' (known: "
                + String.join(", ", ALL.stream().map(Preset::name).toList()) + ")");
    }

    /** The preset of an environment, or the paper's where it has none of its own. */
    public static Preset forEnv(String env) {
        for (Preset p : ALL) if (p.name.equals(env)) return p;
        return PAPER;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(hidden);
    }
}
