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
 *   act up to t_max steps with a ~ π(·|s; θ') in each of the K environments, or until its episode ends
 *   for each environment:
 *     R ← 0 if terminal, else V(s_t; θ')           (a truncated episode bootstraps)
 *     for i = t−1 … 0:  R ← r_i + γR
 *       dθ += ∇[−log π(a_i|s_i)(R − V(s_i)) − β H(π(s_i))] + ∇ c·(R − V(s_i))²
 *   clip dθ to global norm; θ ← Optimizer(θ, dθ, η_T)     (Shared RMSProp by default)
 * until T ≥ T_max
 * </pre>
 *
 * With K = 1 (--envs-per-thread 1) this is the paper's Algorithm S3; with K &gt; 1 each thread is
 * a synchronous advantage actor-critic over K environments (Clemente et al. 2017) inside the
 * asynchronous method: one forward of K rows per step, one update per K·t_max steps, so each
 * update's writes to the shared θ and g are spread over K times as many steps (see ThreadState).
 * The forward pass done while acting fills the workspace's rows, so the backward over the segment
 * reuses those activations instead of recomputing them.
 */
public final class A3C implements ActorLearner.Segments {
    private final ThreadState s;          // θ', dθ, environments, actions a_i, rewards r_i; sync and update
    private final Kernel k;
    private final Workspace ws;
    private final boolean continuous;
    private final int K;                  // environments, rows per block
    private final int A;                  // actions of a softmax policy
    private final int D;                  // dimensions of a Gaussian policy's action
    private final MemorySegment gaussianActions;   // (rows, D) of a Gaussian policy, else NULL
    private final MemorySegment[] gaussianAction;  // row r of it: a_r (D)
    private final MemorySegment returns;  // R_i (rows)
    private final MemorySegment stats;    // (3) policy loss, value loss, entropy
    private final float gamma, beta, valueCoef;
    private final SplittableRandom rng;   // the policy's draws
    private final ThreadState.Policy softmax;   // a_t ~ π(·|s_t; θ') of a discrete policy

    A3C(ActorLearner.Setup setup, Arena arena) {
        Hyperparameters hp = setup.hp();
        s = new ThreadState(setup, arena);
        k = s.k;
        ws = s.ws;
        K = s.K;
        rng = s.streams.actions();
        D = setup.env().actionDim();
        continuous = D > 0;
        A = setup.net().actions();
        softmax = (t, e) -> sample(ws.outRow(Mlp.POLICY, t * K + e), A, rng);
        int rows = ws.rows;
        gaussianActions = continuous ? arena.allocate((long) rows * D * Float.BYTES, 64) : MemorySegment.NULL;
        gaussianAction = new MemorySegment[continuous ? rows : 0];
        for (int r = 0; r < gaussianAction.length; r++) {
            gaussianAction[r] = gaussianActions.asSlice((long) r * D * Float.BYTES, (long) D * Float.BYTES);
        }
        returns = arena.allocate((long) rows * Float.BYTES, 64);
        stats = arena.allocate(3 * Float.BYTES, 64);
        gamma = (float) hp.gamma();
        beta = (float) hp.entropyBeta();
        valueCoef = (float) hp.valueCoef();
    }

    /** One segment of up to t_max steps in each environment and its update of θ; returns the steps taken. */
    @Override
    public int segment() {
        s.sync();                                        // θ' ← θ ; dθ ← 0
        int t;
        if (continuous) {
            for (t = 0; s.acting(t); t++) {              // until every s_t is terminal or t = t_max
                ws.forward(k, t);                        // π(·|s_t; θ') and V(s_t; θ'), K rows
                for (int e = 0; e < K; e++) {
                    int r = t * K + e;
                    if (s.ended(e)) {
                        s.waitOut(t, e);
                        continue;
                    }
                    sampleGaussian(gaussianAction[r], ws.outRow(Mlp.MU, r), ws.output(Mlp.VAR, r, 0), D, rng);
                    s.step(t, e, gaussianAction[r]);     // the env clips; the loss sees the sample
                }
            }
            s.addSteps(t);                               // T ← T + the steps taken
        } else {
            t = s.act(softmax);
        }

        if (s.bootstrapsAt(t)) ws.forward(k, t);         // V(s_t; θ') where an episode goes on or was truncated
        int valueHead = continuous ? Mlp.GAUSS_VALUE : Mlp.VALUE;
        for (int e = 0; e < K; e++) {
            int te = s.steps(e);                         // an earlier end's V(s_te) was forwarded while acting
            float R = s.terminal(e) ? 0f : ws.output(valueHead, te * K + e, 0);
            Returns.nStep(returns, s.rewards, te, R, gamma, e, K);   // R ← r_i + γR, i = t_e−1 … 0
        }
        int rows = t * K;
        if (continuous) {
            k.gaussianLossBackward(ws.dOut(Mlp.MU), ws.dOut(Mlp.VAR), ws.dOut(Mlp.GAUSS_VALUE), stats, ws.out(Mlp.MU),
                    ws.out(Mlp.VAR), ws.out(Mlp.GAUSS_VALUE), gaussianActions, returns, rows, D, beta, valueCoef);
        } else {
            k.a3cLossBackward(ws.dOut(Mlp.POLICY), ws.dOut(Mlp.VALUE), stats, ws.out(Mlp.POLICY), ws.out(Mlp.VALUE),
                    s.actions, returns, rows, A, beta, valueCoef);
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
