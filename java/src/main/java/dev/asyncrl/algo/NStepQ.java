package dev.asyncrl.algo;

/**
 * Asynchronous n-step Q-learning (Mnih et al. 2016, Algorithm S2, forward view). One per
 * actor-learner thread; all of them update the shared θ, and read the shared target network θ⁻.
 *
 * <pre>
 * repeat
 *   θ' ← θ ; dθ ← 0
 *   act up to t_max steps ε-greedily w.r.t. Q(s; θ'), or until the episode ends
 *   R = 0                       if s_t is terminal
 *     = max_a Q(s_t, a; θ⁻)     otherwise (bootstrap from the TARGET network; truncation too)
 *   for i = t−1 … 0:  R ← r_i + γR ;  dθ ← dθ + ∂ c·(R − Q(s_i, a_i; θ'))² / ∂θ'
 *   clip dθ ; θ ← Optimizer(θ, dθ) in one step
 *   if T crossed a multiple of I_target: θ⁻ ← θ
 * until T ≥ T_max
 * </pre>
 *
 * Each update uses the longest n-step return available to each state: one step for the last, up
 * to t_max for the first. Exploration is {@link EpsilonGreedy}'s (a final ε per thread); the
 * target network, the loss and θ⁻'s schedule are {@link QLearning}'s.
 */
record NStepQ(ThreadState s, QLearning q) implements ActorLearner.Segments {

    /** One segment of up to t_max steps and its update of θ; returns the steps taken. */
    @Override
    public int segment() {
        s.sync();                                     // θ' ← θ ; dθ ← 0
        int t = s.act(q.explore);                     // ε-greedy until s_t is terminal or t = t_max; T ← T + t
        float R = s.terminal() ? 0f : QLearning.maxQ(q.targetQ(t, t), t, q.A);   // max_a Q(s_t, a; θ⁻)
        Returns.nStep(q.y, s.rewards, t, R, q.gamma);  // R ← r_i + γR, i = t−1 … 0
        q.update(t);                                  // dθ from Σ c·(R_i − Q(s_i, a_i; θ'))², clipped; θ ← Optimizer; θ⁻
        return s.endSegment(t);
    }
}
