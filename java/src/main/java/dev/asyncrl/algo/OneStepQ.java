package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;
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
 * {@link EpsilonGreedy}'s (a final ε per thread).
 */
public record OneStepQ(ActorLearner.Setup setup) implements ActorLearner {

    @Override
    public Learner learner(Arena arena) {
        return new Learner(arena);
    }

    /** One thread's buffers, and its segments. */
    public final class Learner implements Segments {
        private final ThreadState s;          // θ', dθ, environment, actions a_i, rewards r_i; sync and update
        private final Kernel k;
        private final Mlp.Workspace ws;
        private final EpsilonGreedy explore;
        private final TargetNetwork target;
        private final MemorySegment y;        // y_i (I_AsyncUpdate)
        private final MemorySegment loss;     // (1)
        private final int A = setup.net().actions();
        private final float gamma = (float) setup.hp().gamma();
        private final float coef = (float) setup.hp().qLossCoef();

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
            s.sync();                                               // θ' ← θ ; dθ ← 0
            int t;
            for (t = 0; s.acting(t); t++) s.step(t, explore.act(t)); // a_t ε-greedy; r_t, s_{t+1}
            long T = s.addSteps(t);

            MemorySegment qTarget = target.q(1, s.terminal() ? t - 1 : t);   // Q(s_{i+1}, ·; θ⁻), s_t if not terminal
            targets(y, s.rewards, t, s.terminal(), qTarget, A, gamma);
            k.qLossBackward(ws.dOut(Mlp.Q), loss, ws.out(Mlp.Q), s.actions, y, t, A, coef);
            s.update(t, T);                                         // dθ, clipped; θ ← Optimizer(θ, dθ, η_T)
            target.syncIfCrossed(T, t);                             // θ⁻ ← θ every I_target steps
            return s.endSegment(t);
        }
    }

    /**
     * y_i = r_i + γ max_a qTarget[i+1, a] for i &lt; t, but y_{t−1} = r_{t−1} when s_t is terminal.
     * qTarget (rows, A) holds Q(s_j, ·; θ⁻) in row j.
     */
    public static void targets(MemorySegment y, float[] r, int t, boolean terminal, MemorySegment qTarget,
                               int A, float gamma) {
        for (int i = 0; i < t; i++) {
            boolean last = i == t - 1;
            float bootstrap = last && terminal ? 0f : TargetNetwork.maxQ(qTarget, i + 1, A);
            y.setAtIndex(JAVA_FLOAT, i, r[i] + gamma * bootstrap);
        }
    }
}
