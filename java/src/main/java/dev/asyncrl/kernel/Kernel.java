package dev.asyncrl.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The Java face of the kernel contract (native/include/asyncrl/kernel.h, version 3): one method per
 * contract function, same names, same argument order (outputs first), same semantics. Every
 * segment is off-heap float32 (actions int32), row-major; a segment may be larger than the call
 * needs. Implementations check every size with {@link KernelChecks} before computing, so a wrong
 * shape is a {@link KernelException}, never a native crash.
 *
 * <p>Implementations are stateless and thread-safe: all actor-learner threads share one instance.
 * What is not here: choosing an implementation (the command line does that, by name or by path).
 */
public interface Kernel extends AutoCloseable {

    /** The contract version this Java interface speaks; a native library must report the same. */
    int CONTRACT_VERSION = 3;

    /** ASYNCRL_GAUSSIAN_VAR_FLOOR of kernel.h: σ² = softplus(v) + this, in {@link #gaussianLossBackward}. */
    float GAUSSIAN_VAR_FLOOR = 1e-6f;

    /** A short name: "java", "reference", or what a native library reports. */
    String name();

    /** y (B,O) = x (B,I) · w (O,I)ᵀ + b (O). */
    void denseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                      long batch, long in, long out);

    /**
     * Accumulates dx (B,I) += dy·w (skipped when dx is {@link MemorySegment#NULL}),
     * dw (O,I) += dyᵀ·x, db (O) += Σ_rows dy.
     */
    void denseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                       MemorySegment x, MemorySegment w, long batch, long in, long out);

    /** y (N) = max(x, 0); y may be x. */
    void reluForward(MemorySegment y, MemorySegment x, long n);

    /** dx (N) = dy where y &gt; 0 else 0; dx may be dy. */
    void reluBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n);

    /** y (N) = tanh(x); y may be x. */
    void tanhForward(MemorySegment y, MemorySegment x, long n);

    /** dx (N) = dy·(1 − y²); dx may be dy. */
    void tanhBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n);

    /**
     * y (B,F,Ho,Wo) = conv(x (B,C,H,W), w (F,C,K,K)) + b (F): NCHW, stride S, no padding,
     * Ho = (H−K)/S+1, Wo = (W−K)/S+1 (ONNX Conv's layout). Needs K ≤ H and K ≤ W.
     */
    void conv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                       long batch, long channels, long height, long width, long filters,
                       long kernelSize, long stride);

    /**
     * Accumulates dx (B,C,H,W) (skipped when {@link MemorySegment#NULL}), dw (F,C,K,K) and db (F)
     * from dy (B,F,Ho,Wo); x and w are the forward's inputs.
     */
    void conv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                        MemorySegment x, MemorySegment w, long batch, long channels, long height,
                        long width, long filters, long kernelSize, long stride);

    /**
     * One LSTM step, gates i, f, g, o: writes h (B,H), c (B,H) and gates (B,4H), the activated
     * gates that {@link #lstmCellBackward} reads, from x (B,I), hPrev (B,H), cPrev (B,H),
     * wIh (4H,I), wHh (4H,H), b (4H). See kernel.h for the formulas.
     */
    void lstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                         MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh,
                         MemorySegment b, long batch, long in, long hidden);

    /**
     * One step of backpropagation through time: from dh (B,H) and dc (B,H), overwrites dhPrev and
     * dcPrev (B,H) (dcPrev may be dc) and accumulates dx (B,I) (skipped when NULL), dwIh (4H,I),
     * dwHh (4H,H), db (4H). The caller loops from the last step to the first.
     */
    void lstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx, MemorySegment dwIh,
                          MemorySegment dwHh, MemorySegment db, MemorySegment dh, MemorySegment dc,
                          MemorySegment x, MemorySegment hPrev, MemorySegment cPrev, MemorySegment c,
                          MemorySegment gates, MemorySegment wIh, MemorySegment wHh,
                          long batch, long in, long hidden);

    /**
     * The A3C loss gradient (softmax policy with entropy bonus, value head), overwriting
     * dLogits (B,A) and dValues (B) and writing stats (3) = [Σ −log π(a)·adv, Σ c·(R−V)², Σ H].
     * See kernel.h for the formulas.
     */
    void a3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                         MemorySegment logits, MemorySegment values, MemorySegment actions,
                         MemorySegment returns, long batch, long actionCount,
                         float entropyBeta, float valueCoef);

    /**
     * The A3C loss gradient for continuous actions (spherical Gaussian N(μ, σ²I) with
     * σ² = softplus(v) + {@link #GAUSSIAN_VAR_FLOOR}, entropy bonus, value head), overwriting
     * dMu (B,D), dV (B) and dValues (B) and writing stats (3) = [Σ −log N(a)·adv, Σ c·(R−V)², Σ H].
     * actions (B,D) are float. See kernel.h for the formulas.
     */
    void gaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues, MemorySegment stats,
                              MemorySegment mu, MemorySegment v, MemorySegment values, MemorySegment actions,
                              MemorySegment returns, long batch, long actionDim,
                              float entropyBeta, float valueCoef);

    /**
     * The Q-learning loss gradient on the taken actions: overwrites dq (B,A) with
     * 2·coef·(q[i,aᵢ] − yᵢ) at column aᵢ and 0 elsewhere, and writes stats (1) = Σ coef·(yᵢ − q[i,aᵢ])².
     */
    void qLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                       MemorySegment targets, long batch, long actionCount, float coef);

    /** m ← αm + (1−α)dθ; θ ← θ − lr·m, elementwise over N (m per thread, θ may be shared). */
    void momentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n, float lr, float alpha);

    /**
     * Writes ‖grad‖₂ (N) into normOut (1); scales grad in place to maxNorm if the norm exceeds it
     * (maxNorm ≤ 0 only measures). A non-finite norm throws and leaves grad untouched.
     */
    void clipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm);

    /** g ← αg + (1−α)dθ²; θ ← θ − lr·dθ/√(g+ε), elementwise over N, lock-free. */
    void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                       float lr, float alpha, float eps);

    /** dst (N) = src (N). */
    void copy(MemorySegment dst, MemorySegment src, long n);

    /** Releases the native library, if any. Safe to call twice. */
    @Override
    default void close() {}
}
