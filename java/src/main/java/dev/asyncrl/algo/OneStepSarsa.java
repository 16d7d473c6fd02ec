package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

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
final class OneStepSarsa implements ActorLearner.Segments, ThreadState.Policy {
    private final ThreadState s;
    private final QLearning q;
    private int nextAction = -1;          // a' chosen at the end of the last segment, taken first in this one; −1: none

    OneStepSarsa(ThreadState s, QLearning q) {
        this.s = s;
        this.q = q;
    }

    /** I_AsyncUpdate steps (or to the episode's end) and their update of θ; returns the steps taken. */
    @Override
    public int segment() {
        s.sync();                                     // θ' ← θ ; dθ ← 0
        int t = s.act(this);                          // a_i ε-greedy, a_0 the a' chosen last time; T ← T + t
        if (!s.terminal()) {
            int a = q.explore.act(t);                 // a' = a_t, the action taken in s_t
            s.actions.setAtIndex(JAVA_INT, t, a);
            if (!s.ended()) nextAction = a;           // after a truncation the episode restarts
        }
        MemorySegment qTarget = q.targetQ(1, s.terminal() ? t - 1 : t);   // Q(s_{i+1}, ·; θ⁻), s_t if not terminal
        targets(q.y, s.rewards, t, s.terminal(), qTarget, s.actions, q.A, q.gamma);
        q.update(t);                                  // dθ from Σ c·(y_i − Q(s_i, a_i; θ'))², clipped; θ ← Optimizer; θ⁻
        return s.endSegment(t);
    }

    /** a_t: at a segment's start the a' already chosen (row 0 forwarded for the loss), else ε-greedy. */
    @Override
    public int act(int t) {
        int a = nextAction;
        nextAction = -1;
        if (t == 0 && a >= 0) {
            s.ws.forward(s.k, 0);
            return a;
        }
        return q.explore.act(t);
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
