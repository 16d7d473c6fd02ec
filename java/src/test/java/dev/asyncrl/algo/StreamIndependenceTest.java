package dev.asyncrl.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import dev.asyncrl.run.Trainer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The policy's random draws are independent of the environment's. Every environment seeds its own
 * SplittableRandom from the seed it is reset with (Env's contract), so the environment's first
 * uniform is {@code new SplittableRandom(seed).nextDouble()} whatever the environment does with it
 * (initial state, the T-maze's cue, a MinAtar game's first draw). With θ = 0 an A3C policy is
 * exactly uniform, so its first action is ⌊u·A⌋ of its own first uniform u (and a Q method's is the
 * uniform random action, ε being 1 at T = 0). Over many threads, P(a_0 = 0 | u_env < 0.1) must be
 * near P(a_0 = 0) = 1/A; with one shared seed it was 1 for A3C (its first draw replays the
 * environment's). The sticky-action form of the same measure is MinAtarStickyIndependenceTest.
 */
public class StreamIndependenceTest {
    static final int THREADS = 3000;

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"a3c,cartpole", "a3c,acrobot", "a3c,mountaincar", "a3c,tmaze", "a3c,minatar-breakout",
            "a3c,minatar-asterix", "a3c,minatar-freeway", "a3c,minatar-seaquest", "a3c,minatar-space-invaders",
            "nstep-q,cartpole", "onestep-q,acrobot", "onestep-sarsa,minatar-breakout"})
    void firstActionIsIndependentOfTheEnvironmentsFirstDraw(String algo, String envName) {
        int hits = 0, zeroGivenHit = 0, zero = 0, A = 0;
        for (int i = 0; i < THREADS; i++) {
            FirstDraw d = firstAction(algo, envName, 1000L + i * 7919L);
            A = d.actionCount;
            if (d.action == 0) zero++;
            if (d.envUniform < 0.1) {
                hits++;
                if (d.action == 0) zeroGivenHit++;
            }
        }
        double p = (double) zeroGivenHit / hits;
        double base = 1.0 / A;
        // hits ≈ 300: the conditional frequency's standard error is ≤ 0.029; 0.12 is four of them
        assertEquals(base, p, 0.12, algo + " on " + envName + ": P(a0 = 0 | env's first uniform < 0.1) = " + p
                + " over " + hits + " threads; P(a0 = 0) = " + (double) zero / THREADS);
        assertEquals(base, (double) zero / THREADS, 0.05, "the uniform policy's first action");
    }

    /**
     * The continuous case: with θ = 0 the Gaussian policy's first action is σ·g, g its first
     * normal draw. P(g < −1.2816 | u_env < 0.1) must be near 0.1.
     */
    @ParameterizedTest
    @CsvSource({"pendulum"})
    void gaussianNoiseIsIndependentOfTheEnvironmentsFirstDraw(String envName) {
        int hits = 0, lowGivenHit = 0;
        for (int i = 0; i < THREADS; i++) {
            FirstDraw d = firstAction("a3c", envName, 1000L + i * 7919L);
            if (d.envUniform < 0.1) {
                hits++;
                if (d.continuousAction < -1.2816 * d.sigma) lowGivenHit++;
            }
        }
        double p = (double) lowGivenHit / hits;
        assertEquals(0.1, p, 0.07, "P(noise below its 10% quantile | env's first uniform < 0.1) over " + hits + " threads");
    }

    record FirstDraw(int action, float continuousAction, double sigma, double envUniform, int actionCount) {}

    /** Builds one worker of {@code algo} with θ = 0, takes its first step, reports it. */
    static FirstDraw firstAction(String algo, String envName, long threadSeed) {
        Recording env = new Recording(Envs.create(envName));
        Mlp net = smallNet(algo, env);
        JavaKernel k = new JavaKernel();
        try (SharedParams shared = new SharedParams(net.layout(), !algo.equals("a3c")); Arena arena = Arena.ofConfined()) {
            shared.theta().fill((byte) 0);  // θ = 0: a uniform softmax, Q ≡ 0, μ = 0
            if (!algo.equals("a3c")) shared.target().fill((byte) 0);
            TrainingContext ctx = new TrainingContext(k, shared, Long.MAX_VALUE, Double.NaN, Long.MAX_VALUE);
            ActorLearner w = Algorithm.parse(algo).worker(ctx, net, hyperparameters(1, 1e-3), env, threadSeed, 0);
            w.learner(arena).segment();
        }
        double sigma = Math.sqrt(Math.log(2) + Kernel.GAUSSIAN_VAR_FLOOR);  // σ² = softplus(0) + floor
        return new FirstDraw(env.firstAction, env.firstContinuous, sigma, new SplittableRandom(env.seed).nextDouble(),
                env.actionCount());
    }

    /** The smallest network of the right kind: one 1-unit layer (after one 1×1 convolution on images). */
    public static Mlp smallNet(String algo, Env env) {
        int[] conv = env.observationShape().length == 3 ? new int[] {1, env.observationShape()[1], 1} : new int[0];
        return Trainer.network(algo, env, conv, new int[] {1}, 0, Activation.RELU, ValueNet.SHARED);
    }

    /** Near-paper values with this t_max and learning rate; ε anneals over a long horizon (1 at T = 0). */
    public static Hyperparameters hyperparameters(int tMax, double lr) {
        return Hyperparameters.PAPER.withTMax(tMax).withValueCoef(0.5).withLr(lr).withLrSchedule(Hyperparameters.LrSchedule.CONSTANT)
                .withTargetInterval(1000).withEpsilonSteps(1_000_000).withEpsilons(new double[] {0.1}, new double[] {1.0});
    }

    /** Passes everything through; remembers the seed and the first action taken. */
    public static class Recording implements Env {
        final Env inner;
        long seed;
        int firstAction = -1;
        float firstContinuous = Float.NaN;

        public Recording(Env inner) {
            this.inner = inner;
        }

        public String id() { return inner.id(); }
        public int observationSize() { return inner.observationSize(); }
        public int[] observationShape() { return inner.observationShape(); }
        public int actionCount() { return inner.actionCount(); }
        public int actionDim() { return inner.actionDim(); }
        public float actionLow() { return inner.actionLow(); }
        public float actionHigh() { return inner.actionHigh(); }
        public int maxEpisodeSteps() { return inner.maxEpisodeSteps(); }

        public void reset(long seed, MemorySegment obs) {
            this.seed = seed;
            inner.reset(seed, obs);
        }

        public void reset(MemorySegment obs) {
            inner.reset(obs);
        }

        public void step(int action, MemorySegment obs, StepResult result) {
            if (firstAction < 0) firstAction = action;
            inner.step(action, obs, result);
        }

        public void step(MemorySegment action, MemorySegment obs, StepResult result) {
            if (Float.isNaN(firstContinuous)) firstContinuous = action.getAtIndex(JAVA_FLOAT, 0);
            inner.step(action, obs, result);
        }
    }
}
