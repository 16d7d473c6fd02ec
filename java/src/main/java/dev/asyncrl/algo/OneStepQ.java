package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;

/**
 * Asynchronous one-step Q-learning (Mnih et al. 2016, Algorithm 1). One per actor-learner thread;
 * all of them update the shared θ, and read the shared target network θ⁻.
 *
 * <pre>
 *   a ← ε-greedy w.r.t. Q(s, ·; θ) ; take a, observe r, s'
 *   y = r                             if s' is terminal
 *     = r + γ max_a' Q(s', a'; θ⁻)    otherwise (a truncated episode bootstraps too)
 *   dθ ← dθ + ∂(y − Q(s, a; θ))² / ∂θ
 *   every I_AsyncUpdate steps or at the end of an episode: apply dθ to θ ; dθ ← 0
 *   every I_target global steps: θ⁻ ← θ
 * </pre>
 *
 * {@code --t-max} is I_AsyncUpdate. Algorithm 1 differentiates against the shared θ directly;
 * here the thread acts and differentiates with its copy θ', synced at each update (at most
 * I_AsyncUpdate steps old), so that one batched backward serves the whole segment. Exploration is
 * {@link EpsilonGreedy}'s (a final ε per thread); the target network, the loss and θ⁻'s schedule
 * are {@link QLearning}'s.
 */
record OneStepQ(ThreadState s, QLearning q) implements ActorLearner.Segments {

    /** I_AsyncUpdate steps (or to the episode's end) and their update of θ; returns the steps taken. */
    @Override
    public int segment() {
        s.sync();                                     // θ' ← θ ; dθ ← 0
        int t = s.act(q.explore);                     // a_i ε-greedy; r_i, s_{i+1} ; T ← T + steps
        MemorySegment qTarget = q.targetQ(1, s.bootstrapsAt(t) ? t : t - 1);   // Q(s_{i+1}, ·; θ⁻), s_t where it bootstraps
        for (int e = 0; e < s.K; e++) targets(q.y, s.rewards, s.steps(e), s.terminal(e), qTarget, q.A, q.gamma, e, s.K);
        q.update(t);                                  // dθ from Σ c·(y_i − Q(s_i, a_i; θ'))², clipped; θ ← Optimizer; θ⁻
        return s.endSegment(t);
    }

    /**
     * y_i = r_i + γ max_a qTarget[i+1, a] for i &lt; t, but y_{t−1} = r_{t−1} when s_t is terminal.
     * qTarget (rows, A) holds Q(s_j, ·; θ⁻) in row j.
     */
    public static void targets(MemorySegment y, float[] r, int t, boolean terminal, MemorySegment qTarget,
                               int A, float gamma) {
        targets(y, r, t, terminal, qTarget, A, gamma, 0, 1);
    }

    /** The same for environment e of K: its step i in row i·K + e of r, qTarget and y. */
    static void targets(MemorySegment y, float[] r, int t, boolean terminal, MemorySegment qTarget,
                        int A, float gamma, int e, int K) {
        for (int i = 0; i < t; i++) {
            boolean last = i == t - 1;
            int row = i * K + e;
            float bootstrap = last && terminal ? 0f : QLearning.maxQ(qTarget, row + K, A);
            y.setAtIndex(JAVA_FLOAT, row, r[row] + gamma * bootstrap);
        }
    }
}
