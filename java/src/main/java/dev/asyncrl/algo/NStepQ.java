package dev.asyncrl.algo;

import java.lang.foreign.MemorySegment;

/**
 * Asynchronous n-step Q-learning (Mnih et al. 2016, Algorithm S2, forward view). One per
 * actor-learner thread; all of them update the shared θ, and read the shared target network θ⁻.
 *
 * <pre>
 * repeat
 *   θ' ← θ ; dθ ← 0
 *   act up to t_max steps ε-greedily w.r.t. Q(s; θ') in each of the K environments, or until its episode ends
 *   for each environment:
 *     R = 0                       if s_t is terminal
 *       = max_a Q(s_t, a; θ⁻)     otherwise (bootstrap from the TARGET network; truncation too)
 *     for i = t−1 … 0:  R ← r_i + γR ;  dθ ← dθ + ∂ c·(R − Q(s_i, a_i; θ'))² / ∂θ'
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

    /** One segment of up to t_max steps in each environment and its update of θ; returns the steps taken. */
    @Override
    public int segment() {
        s.sync();                                     // θ' ← θ ; dθ ← 0
        int t = s.act(q.explore);                     // ε-greedy until each s_t is terminal or t = t_max; T ← T + steps
        MemorySegment qTarget = q.targetQAtEnds();    // Q(s_{t_e}, ·; θ⁻) where an environment bootstraps
        for (int e = 0; e < s.K; e++) {
            int te = s.steps(e);
            float R = s.terminal(e) ? 0f : QLearning.maxQ(qTarget, te * s.K + e, q.A);   // max_a Q(s_t, a; θ⁻)
            Returns.nStep(q.y, s.rewards, te, R, q.gamma, e, s.K);  // R ← r_i + γR, i = t_e−1 … 0
        }
        q.update(t);                                  // dθ from Σ c·(R_i − Q(s_i, a_i; θ'))², clipped; θ ← Optimizer; θ⁻
        return s.endSegment(t);
    }
}
