package dev.asyncrl.algo;

import dev.asyncrl.env.Env;
import dev.asyncrl.net.Mlp;

/**
 * Asynchronous n-step Q-learning (Mnih et al. 2016, Algorithm S2, forward view).
 *
 * <pre>
 *   act up to t_max steps ε-greedily w.r.t. Q(s; θ'), or until the episode ends
 *   R = 0                       if s_t is terminal
 *     = max_a Q(s_t, a; θ⁻)     otherwise (bootstrap from the TARGET network; truncation too)
 *   for i = t−1 … 0:  R ← r_i + γR ;  dθ ← dθ + ∂(R − Q(s_i, a_i; θ'))² / ∂θ'
 *   apply dθ to θ in one step
 * </pre>
 *
 * Each update uses the longest n-step return available to each state: one step for the last,
 * up to t_max for the first.
 */
public final class NStepQ extends ValueBasedWorker {

    public NStepQ(TrainingContext ctx, Mlp net, Hyperparameters hp, Env env, long seed) {
        super(ctx, net, hp, env, seed);
    }

    @Override
    protected void targets(Learner l, int t, boolean terminal) {
        float bootstrap = terminal ? 0f : maxQ(l.targetQ(t), t, l.actionCount());
        Returns.nStep(l.targets(), l.rewards(), t, bootstrap, l.gamma());
    }
}
