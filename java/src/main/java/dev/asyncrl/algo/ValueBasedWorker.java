package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * The loop the three value-based methods share (one-step Q, one-step Sarsa, n-step Q); each
 * subclass says only how its targets y are computed. One instance per actor-learner thread.
 *
 * <pre>
 * repeat
 *   θ' ← θ ; dθ ← 0
 *   act up to N steps (N = t_max or I_AsyncUpdate) ε-greedily w.r.t. Q(s;θ'), or until the episode ends
 *   y_i ← the method's target, from the shared target network θ⁻
 *   dθ ← Σ_i ∂ c·(y_i − Q(s_i,a_i;θ'))² / ∂θ' ; clip ; θ ← Optimizer(θ, dθ)
 *   if T crossed a multiple of I_target: θ⁻ ← θ
 * until T ≥ T_max
 * </pre>
 *
 * Algorithm 1 of the paper differentiates against the shared θ directly; here every method acts
 * and differentiates with the thread's copy θ', synced at each update (at most N steps old), so
 * that one batched backward serves the whole segment. Terminal states bootstrap 0; truncated
 * episodes bootstrap from θ⁻.
 *
 * <p>Exploration as the paper's: each thread draws its final ε once, from {0.1, 0.01, 0.5} with
 * probabilities {0.4, 0.3, 0.3} unless a preset or flag says otherwise, and anneals linearly from 1
 * to it over the first epsilonSteps global steps.
 */
public abstract class ValueBasedWorker implements ActorLearner {
    protected final TrainingContext ctx;
    protected final Mlp net;
    protected final Hyperparameters hp;
    private final Env env;
    private final long streamSeed;
    private final double finalEpsilon;
    private final MemorySegment optimizerState;  // per-thread optimizers: this thread's statistics, or null

    protected ValueBasedWorker(TrainingContext ctx, Mlp net, Hyperparameters hp, Env env, long seed) {
        this.ctx = ctx;
        this.net = net;
        this.hp = hp;
        this.env = env;
        this.streamSeed = ctx.streamSeed(seed);  // a resumed run draws fresh streams (see Checkpoint)
        this.optimizerState = ctx.claimOptimizerState();
        this.finalEpsilon = finalEpsilon(seed, hp);  // the thread's own seed: a resumed run keeps it
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

    public double finalEpsilon() {
        return finalEpsilon;
    }

    /**
     * Writes the targets y_0..y_{t−1} of a segment of t steps. Row i of {@code l} holds s_i, a_i,
     * r_i; row t holds s_t, the state after the last step ({@code terminal} if the episode ended
     * there) and, for Sarsa, a_t. {@link Learner#targetQ} gives Q(s_i, ·; θ⁻).
     */
    protected abstract void targets(Learner l, int t, boolean terminal);

    /** Whether the target uses the action taken in s_t (Sarsa): it is then chosen before the update. */
    protected boolean needsNextAction() {
        return false;
    }

    /** Max over a of q (A) row r of a (rows, A) segment. */
    public static float maxQ(MemorySegment q, int r, int A) {
        long base = (long) r * A;
        float m = q.getAtIndex(JAVA_FLOAT, base);
        for (int j = 1; j < A; j++) m = Math.max(m, q.getAtIndex(JAVA_FLOAT, base + j));
        return m;
    }

    /** argmax over a of row r; the first on ties. */
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

    @Override
    public void run() {
        // The thread's own arena: θ', dθ, activations and per-thread optimizer state.
        try (Arena arena = Arena.ofConfined()) {
            Learner learner = new Learner(arena);
            while (!ctx.shouldStop()) learner.segment();
        }
    }

    @Override
    public Learner learner(Arena arena) {
        return new Learner(arena);
    }

    public final class Learner implements Segments {
        private final Kernel k = ctx.kernel();
        private final SharedParams shared = ctx.shared();
        private final int N = hp.tMax();
        private final int A = net.actions();
        private final long n = net.layout().size();
        final Mlp.Workspace ws;          // θ', rows 0..N: Q(s_i; θ')
        final Mlp.Workspace target;      // θ⁻ on the same observation rows: Q(s_i; θ⁻)
        private final Optimizer optimizer;
        /** a_i (N) int32, then a_t in row N's slot for Sarsa: (N + 1). */
        final MemorySegment actions;
        /** y_i (N). */
        final MemorySegment y;
        private final MemorySegment stats, norm;
        /** r_i (N), scaled for learning. */
        final float[] rewards;
        private final long obsBytes = (long) net.obsSize() * Float.BYTES;
        private final float rewardScale = (float) hp.rewardScale();
        private final float coef = (float) hp.qLossCoef();
        private final RandomStreams streams = RandomStreams.of(streamSeed);
        private final StepResult step = new StepResult();
        private final Staleness.Recorder staleness = ctx.staleness().register();
        private double episodeReturn;
        private int pendingAction = -1;

        Learner(Arena arena) {
            ws = net.workspace(arena, N + 1);
            target = net.targetWorkspace(arena, shared.target(), ws);
            optimizer = Optimizer.forThread(hp, shared, arena, optimizerState);
            actions = arena.allocate((long) (N + 1) * Integer.BYTES, 64);
            y = arena.allocate((long) N * Float.BYTES, 64);
            stats = arena.allocate(Float.BYTES, 64);
            norm = arena.allocate(Float.BYTES, 64);
            rewards = new float[N];
            env.reset(streams.envSeed(), ws.obsRow(0));
        }

        /** Forwards row r through θ⁻; returns the target outputs (rows, A), row r now holding Q(s_r, ·; θ⁻). */
        public MemorySegment targetQ(int r) {
            target.forward(k, r);
            return target.out(Mlp.Q);
        }

        public MemorySegment targets() {
            return y;
        }

        public MemorySegment actions() {
            return actions;
        }

        public float[] rewards() {
            return rewards;
        }

        public int actionCount() {
            return A;
        }

        public float gamma() {
            return (float) hp.gamma();
        }

        private int act(int r) {
            ws.forward(k, r);
            double eps = epsilon(finalEpsilon, ctx.globalSteps(), hp.epsilonSteps());
            return streams.exploration().nextDouble() < eps ? streams.actions().nextInt(A) : argmaxQ(ws.out(Mlp.Q), r, A);
        }

        /** One segment of up to N steps and its update of θ; returns the steps taken. */
        @Override
        public int segment() {
            staleness.sync();
            k.copy(ws.params, shared.theta(), n);   // θ' ← θ: a Hogwild read
            ws.grads.fill((byte) 0);                // dθ ← 0

            int t = 0;
            boolean done = false, terminal = false;
            while (t < N) {
                int a;
                if (t == 0 && pendingAction >= 0) {  // Sarsa: the action already chosen for s_0
                    ws.forward(k, 0);
                    a = pendingAction;
                } else {
                    a = act(t);
                }
                pendingAction = -1;
                actions.setAtIndex(JAVA_INT, t, a);
                env.step(a, ws.obsRow(t + 1), step);
                rewards[t] = (float) step.reward * rewardScale;
                episodeReturn += step.reward;
                t++;
                if (step.done()) {
                    done = true;
                    terminal = step.terminated;
                    break;
                }
            }
            long T = ctx.addSteps(t);
            if (needsNextAction() && !terminal) {
                int next = act(t);                     // a_t, the action taken in s_t
                actions.setAtIndex(JAVA_INT, t, next);
                if (!done) pendingAction = next;       // after a truncation the episode restarts
            }

            ValueBasedWorker.this.targets(this, t, terminal);
            k.qLossBackward(ws.dOut(Mlp.Q), stats, ws.out(Mlp.Q), actions, y, t, A, coef);
            ws.backward(k, t);
            k.clipGradNorm(ws.grads, norm, n, (float) hp.maxGradNorm());
            optimizer.apply(k, shared.theta(), ws.grads, n, hp.learningRate(T, ctx.totalSteps()));
            staleness.landed();                     // counts the update; its staleness: updates landed since the sync
            long I = hp.targetInterval();
            if (T / I != (T - t) / I) k.copy(shared.target(), shared.theta(), n);  // θ⁻ ← θ (Hogwild read)

            if (done) {
                ctx.episodeFinished(episodeReturn);
                episodeReturn = 0;
                env.reset(ws.obsRow(0));
            } else {
                MemorySegment.copy(ws.obs, t * obsBytes, ws.obs, 0, obsBytes);
            }
            return t;
        }
    }
}
