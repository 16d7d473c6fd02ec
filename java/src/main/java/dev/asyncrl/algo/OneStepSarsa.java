package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

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
    private final int[] nextAction;       // of each environment: a' chosen at the end of the last segment, taken first in this one; −1: none

    OneStepSarsa(ThreadState s, QLearning q) {
        this.s = s;
        this.q = q;
        nextAction = new int[s.K];
        Arrays.fill(nextAction, -1);
    }

    /** I_AsyncUpdate steps (or to the episode's end) and their update of θ; returns the steps taken. */
    @Override
    public int segment() {
        s.sync();                                     // θ' ← θ ; dθ ← 0
        int t = s.act(this);                          // a_i ε-greedy, a_0 the a' chosen last time; T ← T + steps
        boolean bootstraps = s.bootstrapsAt(t);
        if (bootstraps) s.ws.forward(s.k, t);         // Q(s_t, ·; θ') for a'
        for (int e = 0; e < s.K; e++) {
            if (s.terminal(e)) continue;
            int te = s.steps(e);                      // an earlier end's block was forwarded while acting
            int a = q.explore.act(te, e);             // a' = a_t, the action taken in s_t
            s.actions.setAtIndex(JAVA_INT, te * s.K + e, a);
            if (!s.ended(e)) nextAction[e] = a;       // after a truncation the episode restarts
        }
        MemorySegment qTarget = q.targetQ(1, bootstraps ? t : t - 1);   // Q(s_{i+1}, ·; θ⁻), s_t where it bootstraps
        for (int e = 0; e < s.K; e++) {
            targets(q.y, s.rewards, s.steps(e), s.terminal(e), qTarget, s.actions, q.A, q.gamma, e, s.K);
        }
        q.update(t);                                  // dθ from Σ c·(y_i − Q(s_i, a_i; θ'))², clipped; θ ← Optimizer; θ⁻
        return s.endSegment(t);
    }

    /** a_t in environment e: at a segment's start the a' already chosen, else ε-greedy. */
    @Override
    public int act(int t, int e) {
        int a = nextAction[e];
        nextAction[e] = -1;
        if (t == 0 && a >= 0) return a;
        return q.explore.act(t, e);
    }

    /**
     * y_i = r_i + γ qTarget[i+1, a_{i+1}] for i &lt; t, but y_{t−1} = r_{t−1} when s_t is terminal.
     * actions (t + 1) int32 holds a_0..a_t; qTarget (rows, A) holds Q(s_j, ·; θ⁻) in row j.
     */
    public static void targets(MemorySegment y, float[] r, int t, boolean terminal, MemorySegment qTarget,
                               MemorySegment actions, int A, float gamma) {
        targets(y, r, t, terminal, qTarget, actions, A, gamma, 0, 1);
    }

    /** The same for environment e of K: its step i in row i·K + e of r, qTarget, actions and y. */
    static void targets(MemorySegment y, float[] r, int t, boolean terminal, MemorySegment qTarget,
                        MemorySegment actions, int A, float gamma, int e, int K) {
        for (int i = 0; i < t; i++) {
            boolean last = i == t - 1;
            int row = i * K + e;
            float bootstrap = 0f;
            if (!(last && terminal)) {
                int next = actions.getAtIndex(JAVA_INT, row + K);
                bootstrap = qTarget.getAtIndex(JAVA_FLOAT, (long) (row + K) * A + next);
            }
            y.setAtIndex(JAVA_FLOAT, row, r[row] + gamma * bootstrap);
        }
    }
}
