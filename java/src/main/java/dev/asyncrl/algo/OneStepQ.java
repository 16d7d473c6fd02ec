package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.Env;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.MemorySegment;

/**
 * Asynchronous one-step Q-learning (Mnih et al. 2016, Algorithm 1).
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
 * The loop, exploration and the update are {@link ValueBasedWorker}'s; {@code --t-max} is I_AsyncUpdate.
 */
public final class OneStepQ extends ValueBasedWorker {

    public OneStepQ(TrainingContext ctx, Mlp net, Hyperparameters hp, Env env, long seed) {
        super(ctx, net, hp, env, seed);
    }

    @Override
    protected void targets(Learner l, int t, boolean terminal) {
        MemorySegment qTarget = null;
        for (int i = 1; i <= t; i++) {
            if (i == t && terminal) break;
            qTarget = l.targetQ(i);
        }
        targets(l.targets(), l.rewards(), t, terminal, qTarget, l.actionCount(), l.gamma());
    }

    /**
     * y_i = r_i + γ max_a qTarget[i+1, a] for i &lt; t, but y_{t−1} = r_{t−1} when s_t is terminal.
     * qTarget (rows, A) holds Q(s_j, ·; θ⁻) in row j.
     */
    public static void targets(MemorySegment y, float[] r, int t, boolean terminal, MemorySegment qTarget,
                               int A, float gamma) {
        for (int i = 0; i < t; i++) {
            boolean last = i == t - 1;
            float bootstrap = last && terminal ? 0f : maxQ(qTarget, i + 1, A);
            y.setAtIndex(JAVA_FLOAT, i, r[i] + gamma * bootstrap);
        }
    }
}
