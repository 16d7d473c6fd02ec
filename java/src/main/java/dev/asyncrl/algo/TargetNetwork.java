package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The Q methods' target network θ⁻ (shared by all threads, in SharedParams) as one thread uses it:
 * Q(s_i, ·; θ⁻) computed in place on the thread's own observation rows, with nothing copied, and
 * the schedule θ⁻ ← θ each time T crosses a multiple of I_target.
 */
final class TargetNetwork {
    private final Kernel k;
    private final Mlp.Workspace ws;   // forward-only: θ⁻ itself as parameters, the thread's rows as input
    private final SharedParams shared;
    private final long n, interval;

    TargetNetwork(ThreadState s, ActorLearner.Setup setup, Arena arena) {
        k = s.k;
        shared = setup.ctx().shared();
        ws = setup.net().targetWorkspace(arena, shared.target(), s.ws);
        n = setup.net().layout().size();
        interval = setup.hp().targetInterval();
    }

    /** Forwards rows first..last through θ⁻; returns the outputs (rows, A), row i holding Q(s_i, ·; θ⁻). */
    MemorySegment q(int first, int last) {
        for (int i = first; i <= last; i++) ws.forward(k, i);
        return ws.out(Mlp.Q);
    }

    /** θ⁻ ← θ if T ← T + t crossed a multiple of I_target (a Hogwild read of θ). */
    void syncIfCrossed(long T, int t) {
        if (T / interval != (T - t) / interval) k.copy(shared.target(), shared.theta(), n);
    }

    /** max over a of row r of q (rows, A). */
    static float maxQ(MemorySegment q, int r, int A) {
        long base = (long) r * A;
        float m = q.getAtIndex(JAVA_FLOAT, base);
        for (int j = 1; j < A; j++) m = Math.max(m, q.getAtIndex(JAVA_FLOAT, base + j));
        return m;
    }
}
