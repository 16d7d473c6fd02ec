package dev.asyncrl.algo;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

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
 * to t_max for the first. Exploration is {@link EpsilonGreedy}'s (a final ε per thread).
 */
public record NStepQ(ActorLearner.Setup setup) implements ActorLearner {

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
        private final MemorySegment R;        // R_i (t_max): the n-step returns, the loss's targets
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
            R = arena.allocate((long) setup.hp().tMax() * Float.BYTES, 64);
            loss = arena.allocate(Float.BYTES, 64);
        }

        /** One segment of up to t_max steps and its update of θ; returns the steps taken. */
        @Override
        public int segment() {
            s.sync();                                               // θ' ← θ ; dθ ← 0
            int t;
            for (t = 0; s.acting(t); t++) s.step(t, explore.act(t)); // until s_t is terminal or t = t_max
            long T = s.addSteps(t);

            float bootstrap = s.terminal() ? 0f : TargetNetwork.maxQ(target.q(t, t), t, A);
            Returns.nStep(R, s.rewards, t, bootstrap, gamma);       // R ← r_i + γR, i = t−1 … 0
            k.qLossBackward(ws.dOut(Mlp.Q), loss, ws.out(Mlp.Q), s.actions, R, t, A, coef);
            s.update(t, T);                                         // dθ, clipped; θ ← Optimizer(θ, dθ, η_T)
            target.syncIfCrossed(T, t);                             // θ⁻ ← θ every I_target steps
            return s.endSegment(t);
        }
    }
}
