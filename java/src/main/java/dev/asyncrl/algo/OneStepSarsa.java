package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Asynchronous one-step Sarsa (Mnih et al. 2016, section 4): one-step Q-learning ({@link OneStepQ})
 * with the target taken at the action actually taken next. One per actor-learner thread.
 *
 * <pre>
 *   a ← ε-greedy w.r.t. Q(s, ·; θ) ; take a, observe r, s' ; a' ← ε-greedy w.r.t. Q(s', ·; θ)
 *   y = r                             if s' is terminal
 *     = r + γ Q(s', a'; θ⁻)           otherwise
 *   dθ ← dθ + ∂(y − Q(s, a; θ))² / ∂θ
 *   every I_AsyncUpdate steps or at the end of an episode: apply dθ to θ ; dθ ← 0
 *   every I_target global steps: θ⁻ ← θ
 * </pre>
 *
 * At the end of a segment a' is chosen before the update and is then the first action of the
 * next segment. After a truncation a' is chosen the same way, used for the bootstrap, and not
 * taken (the episode restarts).
 */
public record OneStepSarsa(ActorLearner.Setup setup) implements ActorLearner {

    @Override
    public Learner learner(Arena arena) {
        return new Learner(arena);
    }

    /** One thread's buffers, and its segments. */
    public final class Learner implements Segments {
        private final ThreadState s;          // θ', dθ, environment, actions a_i (a_t in slot t), rewards r_i
        private final Kernel k;
        private final Mlp.Workspace ws;
        private final EpsilonGreedy explore;
        private final TargetNetwork target;
        private final MemorySegment y;        // y_i (I_AsyncUpdate)
        private final MemorySegment loss;     // (1)
        private final int A = setup.net().actions();
        private final float gamma = (float) setup.hp().gamma();
        private final float coef = (float) setup.hp().qLossCoef();
        private int nextAction = -1;          // a' chosen at the end of the last segment, taken first in this one; −1: none

        Learner(Arena arena) {
            s = new ThreadState(setup, arena);
            k = s.k;
            ws = s.ws;
            explore = new EpsilonGreedy(s, setup);
            target = new TargetNetwork(s, setup, arena);
            y = arena.allocate((long) setup.hp().tMax() * Float.BYTES, 64);
            loss = arena.allocate(Float.BYTES, 64);
        }

        /** I_AsyncUpdate steps (or to the episode's end) and their update of θ; returns the steps taken. */
        @Override
        public int segment() {
            s.sync();                                     // θ' ← θ ; dθ ← 0
            int t;
            for (t = 0; s.acting(t); t++) {               // until s_t is terminal or t = I_AsyncUpdate
                int a;
                if (t == 0 && nextAction >= 0) {
                    ws.forward(k, 0);                     // Q(s_0; θ') for the loss; a_0 is already chosen
                    a = nextAction;
                } else {
                    a = explore.act(t);
                }
                nextAction = -1;
                s.step(t, a);
            }
            long T = s.addSteps(t);
            if (!s.terminal()) {
                int a = explore.act(t);                   // a_t, the action taken in s_t
                s.actions.setAtIndex(JAVA_INT, t, a);
                if (!s.ended()) nextAction = a;           // after a truncation the episode restarts
            }

            MemorySegment qTarget = target.q(1, s.terminal() ? t - 1 : t);   // Q(s_{i+1}, ·; θ⁻), s_t if not terminal
            targets(y, s.rewards, t, s.terminal(), qTarget, s.actions, A, gamma);
            k.qLossBackward(ws.dOut(Mlp.Q), loss, ws.out(Mlp.Q), s.actions, y, t, A, coef);
            s.update(t, T);                               // dθ, clipped; θ ← Optimizer(θ, dθ, η_T)
            target.syncIfCrossed(T, t);                   // θ⁻ ← θ every I_target steps
            return s.endSegment(t);
        }
    }

    /**
     * y_i = r_i + γ qTarget[i+1, a_{i+1}] for i &lt; t, but y_{t−1} = r_{t−1} when s_t is terminal.
     * actions (t + 1) int32 holds a_0..a_t; qTarget (rows, A) holds Q(s_j, ·; θ⁻) in row j.
     */
    public static void targets(MemorySegment y, float[] r, int t, boolean terminal, MemorySegment qTarget,
                               MemorySegment actions, int A, float gamma) {
        for (int i = 0; i < t; i++) {
            boolean last = i == t - 1;
            float bootstrap = 0f;
            if (!(last && terminal)) {
                int next = actions.getAtIndex(JAVA_INT, i + 1);
                bootstrap = qTarget.getAtIndex(JAVA_FLOAT, (long) (i + 1) * A + next);
            }
            y.setAtIndex(JAVA_FLOAT, i, r[i] + gamma * bootstrap);
        }
    }
}
