package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.env.Env;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.MemorySegment;

/**
 * Asynchronous one-step Sarsa (Mnih et al. 2016, section 4): one-step Q-learning with the target
 * taken at the action actually taken next.
 *
 * <pre>
 *   y = r                             if s' is terminal
 *     = r + γ Q(s', a'; θ⁻)           otherwise, a' the action taken in s' (ε-greedy w.r.t. θ)
 * </pre>
 *
 * At the end of a segment a' is chosen before the update and is then the first action of the
 * next segment. After a truncation a' is chosen the same way, used for the bootstrap, and not
 * taken (the episode restarts).
 */
public final class OneStepSarsa extends ValueBasedWorker {

    public OneStepSarsa(TrainingContext ctx, Mlp net, Hyperparameters hp, Env env, long seed) {
        super(ctx, net, hp, env, seed);
    }

    @Override
    protected boolean needsNextAction() {
        return true;
    }

    @Override
    protected void targets(Learner l, int t, boolean terminal) {
        MemorySegment qTarget = null;
        for (int i = 1; i <= t; i++) {
            if (i == t && terminal) break;
            qTarget = l.targetQ(i);
        }
        targets(l.targets(), l.rewards(), t, terminal, qTarget, l.actions(), l.actionCount(), l.gamma());
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
