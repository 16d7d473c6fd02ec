package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.Workspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * A3C, asynchronous advantage actor-critic (Mnih et al. 2016, Algorithm S3), feed-forward. Discrete
 * actions use a softmax policy; continuous actions (an environment with actionDim() &gt; 0) the
 * paper's spherical Gaussian N(μ, σ²I), σ² = softplus(v), with the same entropy bonus and value
 * head ({@link Mlp#gaussianActorCritic}). One per actor-learner thread, built in the thread's own
 * arena; all of them update the shared θ.
 *
 * <pre>
 * repeat
 *   θ' ← θ ; dθ ← 0                                 (sync, zero)
 *   act up to t_max steps with a ~ π(·|s; θ'), or until the episode ends
 *   R ← 0 if terminal, else V(s_t; θ')             (a truncated episode bootstraps)
 *   for i = t−1 … 0:  R ← r_i + γR
 *     dθ += ∇[−log π(a_i|s_i)(R − V(s_i)) − β H(π(s_i))] + ∇ c·(R − V(s_i))²
 *   clip dθ to global norm; θ ← Optimizer(θ, dθ, η_T)     (Shared RMSProp by default)
 * until T ≥ T_max
 * </pre>
 *
 * The forward pass done while acting fills one row per step of the thread's workspace, so the
 * backward over the segment reuses those activations instead of recomputing them.
 */
public final class A3C implements ActorLearner.Segments {
    private final ThreadState s;          // θ', dθ, environment, actions a_i, rewards r_i; sync and update
    private final Kernel k;
    private final Workspace ws;
    private final boolean continuous;
    private final int A;                  // actions of a softmax policy
    private final int D;                  // dimensions of a Gaussian policy's action
    private final MemorySegment gaussianActions;   // (t_max, D) of a Gaussian policy, else NULL
    private final MemorySegment[] gaussianAction;  // row t of it: a_t (D)
    private final MemorySegment returns;  // R_i (t_max)
    private final MemorySegment stats;    // (3) policy loss, value loss, entropy
    private final float gamma, beta, valueCoef;
    private final SplittableRandom rng;   // the policy's draws

    A3C(ActorLearner.Setup setup, Arena arena) {
        Hyperparameters hp = setup.hp();
        int tMax = hp.tMax();
        s = new ThreadState(setup, arena);
        k = s.k;
        ws = s.ws;
        rng = s.streams.actions();
        D = setup.env().actionDim();
        continuous = D > 0;
        A = setup.net().actions();
        gaussianActions = continuous ? arena.allocate((long) tMax * D * Float.BYTES, 64) : MemorySegment.NULL;
        gaussianAction = new MemorySegment[continuous ? tMax : 0];
        for (int r = 0; r < gaussianAction.length; r++) {
            gaussianAction[r] = gaussianActions.asSlice((long) r * D * Float.BYTES, (long) D * Float.BYTES);
        }
        returns = arena.allocate((long) tMax * Float.BYTES, 64);
        stats = arena.allocate(3 * Float.BYTES, 64);
        gamma = (float) hp.gamma();
        beta = (float) hp.entropyBeta();
        valueCoef = (float) hp.valueCoef();
    }

    /** One segment of up to t_max steps and its update of θ; returns the steps taken. */
    @Override
    public int segment() {
        s.sync();                                        // θ' ← θ ; dθ ← 0
        int t;
        for (t = 0; s.acting(t); t++) {                  // until s_t is terminal or t = t_max
            ws.forward(k, t);                            // π(·|s_t; θ') and V(s_t; θ') into row t
            if (continuous) {
                sampleGaussian(gaussianAction[t], ws.outRow(Mlp.MU, t), ws.output(Mlp.VAR, t, 0), D, rng);
                s.step(t, gaussianAction[t]);            // the env clips; the loss sees the sample
            } else {
                s.step(t, sample(ws.outRow(Mlp.POLICY, t), A, rng));
            }
        }
        s.addSteps(t);                                   // T ← T + t

        float R = 0f;                                    // terminal s_t
        if (!s.terminal()) {                             // else bootstrap from V(s_t; θ'), truncation included
            ws.forward(k, t);
            R = ws.output(continuous ? Mlp.GAUSS_VALUE : Mlp.VALUE, t, 0);
        }
        Returns.nStep(returns, s.rewards, t, R, gamma);   // R ← r_i + γR, i = t−1 … 0
        if (continuous) {
            k.gaussianLossBackward(ws.dOut(Mlp.MU), ws.dOut(Mlp.VAR), ws.dOut(Mlp.GAUSS_VALUE), stats, ws.out(Mlp.MU),
                    ws.out(Mlp.VAR), ws.out(Mlp.GAUSS_VALUE), gaussianActions, returns, t, D, beta, valueCoef);
        } else {
            k.a3cLossBackward(ws.dOut(Mlp.POLICY), ws.dOut(Mlp.VALUE), stats, ws.out(Mlp.POLICY), ws.out(Mlp.VALUE),
                    s.actions, returns, t, A, beta, valueCoef);
        }
        s.update(t);                                     // dθ, clipped; θ ← Optimizer(θ, dθ, η_T)
        return s.endSegment(t);
    }

    /**
     * a ~ N(μ, σ²I) with σ² = softplus(v) + the kernel's floor, written into action (D). The
     * softplus is the kernel's stable form, so the loss sees the σ the sample was drawn with.
     */
    public static void sampleGaussian(MemorySegment action, MemorySegment mu, float v, int D, SplittableRandom rng) {
        double softplus = Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0f);
        double sigma = Math.sqrt(softplus + Kernel.GAUSSIAN_VAR_FLOOR);
        for (int d = 0; d < D; d++) {
            action.setAtIndex(JAVA_FLOAT, d, (float) (mu.getAtIndex(JAVA_FLOAT, d) + sigma * rng.nextGaussian()));
        }
    }

    /** a ~ softmax(logits (A)), by inverting the cumulative distribution. */
    public static int sample(MemorySegment logits, int A, SplittableRandom rng) {
        float m = logits.getAtIndex(JAVA_FLOAT, 0);
        for (int j = 1; j < A; j++) m = Math.max(m, logits.getAtIndex(JAVA_FLOAT, j));
        double z = 0;
        for (int j = 0; j < A; j++) z += Math.exp(logits.getAtIndex(JAVA_FLOAT, j) - m);
        double u = rng.nextDouble() * z;
        for (int j = 0; j < A - 1; j++) {
            u -= Math.exp(logits.getAtIndex(JAVA_FLOAT, j) - m);
            if (u < 0) return j;
        }
        return A - 1;
    }
}
