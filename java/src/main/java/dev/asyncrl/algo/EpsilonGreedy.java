package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.Workspace;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * The Q methods' exploration, as the paper's: each thread draws its final ε once, from {0.1, 0.01,
 * 0.5} with probabilities {0.4, 0.3, 0.3} unless a preset or flag says otherwise, and anneals ε
 * linearly from 1 to it over the first epsilonSteps global steps; each step takes a uniformly
 * random action with probability ε, else the greedy one w.r.t. Q(s; θ'). One instance per thread,
 * its final ε shared by the thread's K environments.
 */
public final class EpsilonGreedy implements ThreadState.Policy {
    private final Workspace ws;           // the thread's θ' and rows
    private final int K;                  // environments: rows per block
    private final TrainingContext ctx;        // T
    private final SplittableRandom coin;      // is this step random?
    private final SplittableRandom random;    // the random action
    private final double finalEpsilon;
    private final long epsilonSteps;
    private final int A;

    EpsilonGreedy(ThreadState s, ActorLearner.Setup setup) {
        ws = s.ws;
        K = s.K;
        ctx = setup.ctx();
        coin = s.streams.exploration();
        random = s.streams.actions();
        finalEpsilon = finalEpsilon(setup.seed(), setup.hp());  // the thread's own seed: a resumed run keeps it
        epsilonSteps = setup.hp().epsilonSteps();
        A = setup.net().actions();
    }

    /**
     * a_t in environment e (block t forwarded through θ'): a random action with probability ε(T),
     * else argmax_a Q(s_t, a; θ') from row t·K + e.
     */
    @Override
    public int act(int t, int e) {
        double eps = epsilon(finalEpsilon, ctx.globalSteps(), epsilonSteps);
        return coin.nextDouble() < eps ? random.nextInt(A) : argmaxQ(ws.out(Mlp.Q), t * K + e, A);
    }

    /** The final ε of the thread seeded {@code threadSeed}, drawn once from its own stream. */
    public static double finalEpsilon(long threadSeed, Hyperparameters hp) {
        return drawFinalEpsilon(new SplittableRandom(threadSeed ^ 0x5DEECE66DL), hp.finalEpsilons(), hp.epsilonProbs());
    }

    /**
     * A thread's final ε, drawn once: values[i] with probability probs[i] (the paper's: 0.1, 0.01,
     * 0.5 with 0.4, 0.3, 0.3).
     */
    public static double drawFinalEpsilon(SplittableRandom rng, double[] values, double[] probs) {
        double u = rng.nextDouble();
        for (int i = 0; i < values.length - 1; i++) {
            u -= probs[i];
            if (u < 0) return values[i];
        }
        return values[values.length - 1];
    }

    /** ε at global step T: linear from 1 to the final ε over {@code steps}, then constant. */
    public static double epsilon(double finalEpsilon, long T, long steps) {
        if (steps <= 0 || T >= steps) return finalEpsilon;
        return 1.0 + (finalEpsilon - 1.0) * ((double) T / steps);
    }

    /** The greedy action: argmax over a of row r of q (rows, A); the first on ties. */
    public static int argmaxQ(MemorySegment q, int r, int A) {
        long base = (long) r * A;
        int best = 0;
        float m = q.getAtIndex(JAVA_FLOAT, base);
        for (int j = 1; j < A; j++) {
            float v = q.getAtIndex(JAVA_FLOAT, base + j);
            if (v > m) {
                m = v;
                best = j;
            }
        }
        return best;
    }
}
