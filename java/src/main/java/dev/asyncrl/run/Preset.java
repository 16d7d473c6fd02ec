package dev.asyncrl.run;

import dev.asyncrl.algo.Algorithm;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.ValueNet;
import java.util.List;

/**
 * Defaults a user gets without flags: one preset per environment, plus "paper", the values the
 * paper used for Atari. Each is {@link Hyperparameters#PAPER} with the named withers for what it
 * changes; every flag of {@code asyncrl train} (and every setter of the Java API's builder) then
 * overrides one field, and config.json records what was used.
 *
 * @param hp        the values for A3C
 * @param qLr       the initial learning rate of the three value-based methods
 * @param nStepTMax t_max of n-step Q (A3C's is hp.tMax(); the one-step methods' I_AsyncUpdate is hp.tMax())
 * @param qEnvs     environments per thread of the three value-based methods (A3C's is hp.envsPerThread())
 */
public record Preset(String name, Hyperparameters hp, double qLr, int nStepTMax, int qEnvs) {

    /** A preset whose Q methods step one environment per thread, the paper's form. */
    public Preset(String name, Hyperparameters hp, double qLr, int nStepTMax) {
        this(name, hp, qLr, nStepTMax, 1);
    }

    /**
     * The values {@code algo} starts from: the Q methods' learning rate and environments per
     * thread, n-step Q's t_max; a Q network's value head is shared.
     */
    public Hyperparameters forAlgorithm(Algorithm algo) {
        Hyperparameters h = hp;
        if (algo.valueBased()) h = h.withLr(qLr).withValueNet(ValueNet.SHARED).withEnvsPerThread(qEnvs);
        if (algo == Algorithm.NSTEP_Q) h = h.withTMax(nStepTMax);
        return h;
    }

    private static final Hyperparameters PAPER_HP = Hyperparameters.PAPER;

    /** The MinAtar network's convolution: 16 filters of 3×3, stride 1 (recorded, unused, for vector observations). */
    private static final int[] MINATAR_CONV = {16, 3, 1};

    /** The small torso of the classic-control presets, with the MinAtar convolution recorded. */
    private static final Hyperparameters CLASSIC = PAPER_HP.withHidden(64, 64).withConv(MINATAR_CONV);

    /**
     * The paper's values (Atari): t_max = I_AsyncUpdate = 5, γ 0.99, β 0.01, Shared RMSProp η 7e-4
     * annealed to 0, α 0.99, ε 0.1 inside the root, clip 40, I_target 40,000, ε annealed over 4M
     * steps; value loss 0.25·(R−V)²; rewards as they come.
     */
    public static final Preset PAPER = new Preset("paper", PAPER_HP, 7e-4, 5);

    /**
     * CartPole-v1: the paper's values, but for these. The paper's ε = 0.1 inside the root suits
     * Atari's clipped rewards; with CartPole's returns of up to ~100 every update becomes a
     * sign-like step of about η on every weight, and learning climbs then collapses. Rewards are
     * scaled by 0.1 for learning (returns are reported unscaled), which keeps advantages and TD
     * errors in the range ε was chosen for. A 64,64 ReLU torso; for the Q methods a target
     * network synced every 5,000 steps and ε annealed over 100,000 (CartPole is solved in a few
     * hundred thousand steps, not 80M); n-step Q with t_max = 20, whose longer returns carry the
     * failure signal back faster (at t_max 5 it solved seed 1 within 1M steps in 4 of 7 tries, at
     * 20 in 10 of 10). The final ε values are {0.1, 0.01, 0.05} with the paper's
     * probabilities: with ε = 0.5 no CartPole policy lasts long (five hand-tuned linear controllers
     * averaged 185–202 steps), so a thread that drew 0.5 would cap the training mean_return_100 near
     * 275 whatever was learned. Stops once solved (475) or at 2M steps. Four environments per
     * thread for every method: on a 2-core AMD EPYC VM (2 threads, seeds 1–3, 2026-12-05) A3C reached 475
     * in 0.49–0.59 s of training with K = 4 against 0.77–1.25 s with K = 1 (0.47–0.66 s with K = 8,
     * in more steps); n-step Q in 0.34–0.49 s against 0.38–0.52 s (medians 0.49 and 0.48: a
     * tie, and K = 4 writes θ and g a quarter as often); one-step Q and Sarsa reached 195
     * in 0.51–0.75 s against 0.61–0.87 s.
     */
    public static final Preset CARTPOLE = new Preset("cartpole", CLASSIC.withRewardScale(0.1).withTargetInterval(5_000)
            .withEpsilonSteps(100_000).withEpsilons(new double[] {0.1, 0.01, 0.05}, Hyperparameters.PAPER_EPSILON_PROBS)
            .withSteps(2_000_000).withStopReturn(475.0).withEnvsPerThread(4), 7e-4, 20, 4);

    /** Acrobot-v1 (−1 per step, 500-step limit): CartPole's values, 1M steps; −100 counts as solved. */
    public static final Preset ACROBOT = new Preset("acrobot", CLASSIC.withRewardScale(0.1).withTargetInterval(10_000)
            .withEpsilonSteps(100_000).withSteps(1_000_000), 7e-4, 20);

    /** MountainCar-v0 (−1 per step, 200-step limit, sparse success): Acrobot's values. */
    public static final Preset MOUNTAINCAR = new Preset("mountaincar", CLASSIC.withRewardScale(0.1).withTargetInterval(10_000)
            .withEpsilonSteps(100_000).withSteps(2_000_000), 7e-4, 20);

    /**
     * The T-maze (rewards ±1 already, so no scaling; episodes of 6 to 24 steps): a 64,64 torso,
     * t_max 25 so that one segment holds a whole episode (an LSTM then learns through
     * backpropagation from the turn back to the cue), and 300k steps, the whole budget. A feed-forward policy ends near 50% success, chance, whatever
     * the budget: the task needs memory.
     */
    public static final Preset TMAZE = new Preset("tmaze", CLASSIC.withTMax(25).withTargetInterval(10_000).withEpsilonSteps(100_000)
            .withSteps(300_000), 7e-4, 20);

    /**
     * The five MinAtar games: the MinAtar network (conv 16 3×3 stride 1 → FC 128 → heads), 5M steps,
     * and the paper's values except: RMSProp's ε is 1e-5 inside the root (every method) (the paper's
     * 0.1 is far above these gradients' mean square, which turns RMSProp into plain SGD: Breakout
     * plateaued near 5); and for A3C, tuned on Breakout and Space Invaders (seed 1, 2 threads):
     * - the value coefficient is 1.0 (the value loss (R−V)², so the shared torso learns from the
     *   value as much as from the policy): with 0.25 Breakout crept to a best of about 10 by 5M;
     * - rewards are scaled by 0.1 for learning and the entropy β is 0.003 (0.03 per unscaled reward):
     *   with rewards as they come and β 0.01 the policy settles early on a lazy paddle and Breakout
     *   stalls near 5.5 for a million steps or more; β 0.03 climbed but reached a best of 14.7 and
     *   Space Invaders 52 in 5M steps; scaled by 0.1 with β 0.003, Breakout passed 15 and Space
     *   Invaders 100 within 1.8M (large returns no longer swamp the shared torso's gradient);
     * - 32 environments per thread and an initial learning rate of 3e-3, chosen for the fastest
     *   learning in wall time (2 threads, 5M steps, a 2-core AMD EPYC VM, 2026-12-05): with one environment
     *   per thread (the paper's form) and η 1e-3 a thread writes all of θ and g every 5 steps:
     *   Breakout ran at 37k steps/s on 1 thread and 12k on 2 (the two cores fighting over θ's
     *   cache lines) and had reached a mean_return_100 of 15 after about 1.8M steps; with 32
     *   environments, one update per 160 steps, it ran at 207k–246k steps/s on 2 threads. With
     *   K = 8 and η 1e-3 it reached 15 after 3.26M steps (fewer, larger updates need a larger
     *   step), with η 3e-3 after 0.65M; K = 16, η 3e-3: 1.03M–2.97M steps (10–25 s), best 19.9–22.6;
     *   K = 32, η 3e-3: 0.95M–2.37M (4–12 s), best 20.5–22.0; K = 32, η 6e-3: 0.86M–2.59M (4–13 s),
     *   best 19.0–25.4, but Space Invaders 208 and Asterix 13.9 where 3e-3 reached 302 and 32.5.
     *   {@code --envs-per-thread 1 --lr 1e-3} is the earlier, paper-shaped preset (with one
     *   environment, η 1e-3 had beaten 7e-4 and 2e-3 on Breakout: best 14.7–14.9, 13.2, 12.1).
     * The Q methods keep the paper's 7e-4 (and the same reward scale), and step 32 environments per
     * thread too: n-step Q on Breakout (seed 1, 2M steps) reached a mean_return_100 of 5 after 984k
     * steps in 6.2 s with K = 32 (best 7.6) against 976k steps in 33.4 s with K = 1 (best 6.1);
     * η 3e-3 did no better (best 6.7).
     */
    public static final Preset MINATAR = new Preset("minatar", PAPER_HP.withHidden(128).withConv(MINATAR_CONV).withEntropyBeta(0.003)
            .withValueCoef(1.0).withLr(3e-3).withRmsEps(1e-5).withRewardScale(0.1).withEpsilonSteps(1_000_000)
            .withSteps(5_000_000).withEnvsPerThread(32), 7e-4, 5, 32);

    /**
     * Pendulum-v1 (continuous torque, A3C's Gaussian policy): costs of up to 16 per step scaled by
     * 0.01 for learning; a 64,64 tanh torso whose value head shares it; 2M steps; an entropy cost of
     * 1e-3, ten times the paper's 1e-4. With 1e-4 one run in five collapsed after learning (best
     * −212, final −1544): its μ had drifted to |μ| ≈ 9.6 on average, far outside the torque bounds
     * [−2, 2], with σ ≈ 0.85, so every sampled torque was clipped to the same bound, the return no
     * longer depended on the sample and the policy gradient held no signal to bring μ back. A larger
     * entropy cost keeps σ wide enough (≈ 0.63 where 1e-4 ended near 0.27) that samples straddle the
     * bound; 1e-2 kept it at ≈ 3.2 and scored worse (best −144 to −154 against −126 to −136).
     * The paper's own net is {@link #PAPER_CONTINUOUS}.
     */
    public static final Preset PENDULUM = new Preset("pendulum", CLASSIC.withActivation(Activation.TANH).withEntropyBeta(1e-3)
            .withRewardScale(0.01).withTargetInterval(10_000).withEpsilonSteps(100_000).withSteps(2_000_000), 7e-4, 5);

    /**
     * The paper's continuous-control net (Supplementary Section 9, for state inputs): one hidden
     * layer of 200 ReLU units, then 128 LSTM cells, μ and σ² = softplus(v) from linear heads, the
     * value from a separate network of the same shape with no shared parameters; the entropy cost
     * 1e-4. The rest is the Pendulum preset's (rewards × 0.01, t_max 5, 2M steps) but for η = 2e-4
     * (the paper drew η from LogUniform(1e-5, 1e-1)): on Pendulum, seed 1, 7e-4 reached −426 by
     * 280k steps and then fell back to about −1300; 2e-4 passed −400 at 944k and ended at −147 best.
     * The paper's "each whole episode is one update" is t_max = 200 on Pendulum (its time limit):
     * see java/results/README.md for what that gave. For {@code --env pendulum}; it needs continuous actions.
     */
    public static final Preset PAPER_CONTINUOUS = new Preset("paper-continuous", PAPER_HP.withHidden(200).withConv(MINATAR_CONV).withLstm(128)
            .withValueNet(ValueNet.SEPARATE).withEntropyBeta(1e-4).withLr(2e-4).withRewardScale(0.01)
            .withTargetInterval(10_000).withEpsilonSteps(100_000).withSteps(2_000_000), 7e-4, 5);

    /**
     * The six MuJoCo tasks (continuous actions, A3C's Gaussian policy): the Pendulum preset's 64,64
     * tanh torso with a shared value head and entropy cost 1e-3, rewards scaled by 0.1 for learning,
     * 5M steps. On InvertedPendulum (2 threads, seed 1, 2026-12-05) the Pendulum preset's scale of
     * 0.01 had reached a mean_return_100 of only 241 after 1M steps; 0.1 reached 950 at 190k steps and
     * 1,000 by 1M. The paper's own net ({@link #PAPER_CONTINUOUS}, 200 ReLU + 128 LSTM, separate value
     * net) with the same 0.1 reached 808 by 1M steps, at a tenth of the speed.
     */
    public static final Preset MUJOCO = new Preset("mujoco", CLASSIC.withActivation(Activation.TANH).withEntropyBeta(1e-3)
            .withRewardScale(0.1).withTargetInterval(10_000).withEpsilonSteps(100_000).withSteps(5_000_000), 7e-4, 5);

    /**
     * The 3D maze at 84×84 (Labyrinth's task, {@code env/maze3d}): the paper's A3C LSTM, its Atari
     * net (conv 16 8×8 stride 4 → conv 32 4×4 stride 2 → FC 256) with 256 LSTM cells after the FC
     * layer. Unlike the paper's Atari runs:
     * - γ 0.95, not 0.99: a step spent pressing into a wall then costs 5% of what lies ahead, not
     *   1%, so the policy learns to avoid such steps and its greedy action stops sticking to walls
     *   (with 0.99 and β 0.003 the greedy policies scored below random; see java/results/README.md);
     * - t_max 20: the LSTM learns through the last 20 steps (8 steps are one move between two
     *   cells here);
     * - rewards × 0.1 for learning (a portal is then 1, an apple 0.1) with β 3e-4, RMSProp's ε 1e-5
     *   and a value coefficient of 1;
     * - 8 environments per thread (one 8-row forward per step, one update per 160 steps), for the
     *   convolutions' throughput, with η 7e-4.
     * 5M steps (5,550 episodes of 900 steps): on maze3d-small, 2 threads, four seeds, the LSTM's
     * greedy policy scored 11.9, 14.0 and 15.3 over 100 episodes in three (16–21× the random
     * policy's 0.73) and 0.15 in the fourth, which had not taken off.
     */
    public static final Preset MAZE3D = new Preset("maze3d", PAPER_HP.withConv(16, 8, 4, 32, 4, 2).withHidden(256).withLstm(256)
            .withTMax(20).withGamma(0.95).withRewardScale(0.1).withEntropyBeta(3e-4).withRmsEps(1e-5).withValueCoef(1.0)
            .withEnvsPerThread(8).withSteps(5_000_000).withEpsilonSteps(1_000_000), 7e-4, 5, 8);

    /**
     * The 3D maze at 42×42 ({@code maze3d-small}): {@link #MAZE3D}'s values with convolutions that
     * give the same 32 maps of 9×9 from the smaller picture: conv 16 4×4 stride 2 (20×20), conv 32
     * 4×4 stride 2 (9×9).
     */
    public static final Preset MAZE3D_SMALL = new Preset("maze3d-small", MAZE3D.hp.withConv(16, 4, 2, 32, 4, 2), 7e-4, 5, 8);

    public static final List<Preset> ALL = List.of(CARTPOLE, ACROBOT, MOUNTAINCAR, TMAZE, MINATAR, PENDULUM, MUJOCO, PAPER, PAPER_CONTINUOUS,
            MAZE3D, MAZE3D_SMALL);

    /** The preset named {@code name}. */
    public static Preset named(String name) {
        for (Preset p : ALL) if (p.name.equals(name)) return p;
        throw new IllegalArgumentException("unknown --preset '" + name + "' (known: "
                + String.join(", ", ALL.stream().map(Preset::name).toList()) + ")");
    }

    /** The preset of an environment, or the paper's where it has none of its own. */
    public static Preset forEnv(String env) {
        if (env.startsWith("minatar-")) return MINATAR;
        if (env.startsWith("mujoco-")) return MUJOCO;
        for (Preset p : ALL) if (p.name.equals(env)) return p;
        return PAPER;
    }

    @Override
    public String toString() {
        return name + java.util.Arrays.toString(hp.hidden());
    }
}
