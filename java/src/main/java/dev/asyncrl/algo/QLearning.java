package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.Workspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.BiFunction;

/**
 * What the three Q methods add to an actor-learner thread ({@link ThreadState}): ε-greedy acting
 * ({@link EpsilonGreedy}); the shared target network θ⁻ as this thread sees it, Q(s_i, ·; θ⁻)
 * computed in place on the thread's own observation rows with nothing copied; the targets y_i
 * (t_max); and the update from the loss Σ_i c·(y_i − Q(s_i, a_i; θ'))², with θ⁻ ← θ each time T
 * crosses a multiple of I_target. Each method says only how its targets are computed.
 */
final class QLearning {
    final EpsilonGreedy explore;
    /** y_i (rows, row i·K + e): the targets of the loss, as the method computes them. */
    final MemorySegment y;
    final int A;
    final float gamma;

    private final ThreadState s;
    private final Kernel k;
    private final Workspace target;   // forward-only: θ⁻ itself as parameters, the thread's rows as input
    private final SharedParams shared;
    private final TrainingContext ctx;
    private final MemorySegment loss;     // (1)
    private final float coef;
    private final long n, interval;
    private final boolean[] forwarded;    // targetAtEnds: blocks already forwarded through θ⁻

    private QLearning(ThreadState s, ActorLearner.Setup setup, Arena arena) {
        this.s = s;
        k = s.k;
        ctx = setup.ctx();
        shared = ctx.shared();
        explore = new EpsilonGreedy(s, setup);
        target = setup.net().targetWorkspace(arena, shared.target(), s.ws);
        y = arena.allocate((long) s.ws.rows * Float.BYTES, 64);
        forwarded = new boolean[s.ws.blocks];
        loss = arena.allocate(Float.BYTES, 64);
        A = setup.net().actions();
        gamma = (float) setup.hp().gamma();
        coef = (float) setup.hp().qLossCoef();
        n = setup.net().layout().size();
        interval = setup.hp().targetInterval();
    }

    /** A Q method's learner for one thread: its ThreadState and these parts, given to {@code method}. */
    static ActorLearner.Segments learner(ActorLearner.Setup setup, Arena arena,
                                         BiFunction<ThreadState, QLearning, ActorLearner.Segments> method) {
        ThreadState s = new ThreadState(setup, arena);
        return method.apply(s, new QLearning(s, setup, arena));
    }

    /** Forwards blocks first..last through θ⁻; returns the outputs (rows, A), row r holding Q(s_r, ·; θ⁻). */
    MemorySegment targetQ(int first, int last) {
        for (int b = first; b <= last; b++) target.forward(k, b);
        return target.out(Mlp.Q);
    }

    /**
     * Forwards through θ⁻ the blocks that hold an environment's last state s_{t_e} where it
     * bootstraps (its episode goes on, or was truncated), each once; returns the outputs as
     * {@link #targetQ} does.
     */
    MemorySegment targetQAtEnds() {
        Arrays.fill(forwarded, false);
        for (int e = 0; e < s.K; e++) {
            int b = s.steps(e);
            if (!s.terminal(e) && !forwarded[b]) {
                target.forward(k, b);
                forwarded[b] = true;
            }
        }
        return target.out(Mlp.Q);
    }

    /**
     * The update after a segment of t blocks: dL/dQ(s_i, a_i; θ') of the loss against y, backward
     * into dθ, clipped, θ ← Optimizer(θ, dθ, η_T) (ThreadState's update); then θ⁻ ← θ (a Hogwild
     * read of θ) if T ← T + the steps taken crossed a multiple of I_target.
     */
    void update(int t) {
        k.qLossBackward(s.ws.dOut(Mlp.Q), loss, s.ws.out(Mlp.Q), s.actions, y, (long) t * s.K, A, coef);
        s.update(t);
        long T = s.T();
        if (T / interval != (T - s.taken()) / interval) {
            k.copy(shared.target(), shared.theta(), n);
            ctx.countSharedWrite(n * Float.BYTES);
        }
    }

    /** max over a of row r of q (rows, A). */
    static float maxQ(MemorySegment q, int r, int A) {
        long base = (long) r * A;
        float m = q.getAtIndex(JAVA_FLOAT, base);
        for (int j = 1; j < A; j++) m = Math.max(m, q.getAtIndex(JAVA_FLOAT, base + j));
        return m;
    }
}
