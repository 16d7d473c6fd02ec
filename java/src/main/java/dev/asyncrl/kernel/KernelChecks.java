package dev.asyncrl.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The size checks every kernel runs before it computes: each segment must be non-null, native
 * (off-heap) and hold at least the elements the call will touch. Both the Java kernel and the FFM
 * binding call these, so a shape that does not fit fails the same way in either, as a
 * {@link KernelException} naming the operation and the tensor. Nothing allocates unless it fails.
 *
 * <p>Outputs must also be writable (not {@link MemorySegment#isReadOnly()}).
 *
 * <p>The order and the domains are those of the reference C++ kernel (native/src/reference/
 * kernel.cpp): pointers first (NULL, or here also a heap segment), then sizes, then values; a
 * coefficient that must be >= 0 must also be finite. So a call that is wrong in several ways gets
 * the same status from a Java check as from the native kernel behind it.
 */
public final class KernelChecks {
    private KernelChecks() {}

    private static final long F = ValueLayout.JAVA_FLOAT.byteSize();
    private static final long I32 = ValueLayout.JAVA_INT.byteSize();

    static void dims(String op, long batch, long in, long out) {
        batch(op, batch);
        atLeastOne(op, "input size I", in);
        atLeastOne(op, "output size O", out);
    }

    public static void count(String op, long n) {
        if (n < 0) throw bad(op, "element count N must be >= 0, got " + n);
    }

    /** The batch size B of every batched op: >= 0 (an empty batch is a no-op). */
    private static void batch(String op, long batch) {
        if (batch < 0) throw bad(op, "batch B must be >= 0, got " + batch);
    }

    /** A size that must be positive; {@code what} names it as kernel.h does, e.g. "input size I". */
    private static void atLeastOne(String op, String what, long size) {
        if (size < 1) throw bad(op, what + " must be >= 1, got " + size);
    }

    public static void floats(String op, String tensor, MemorySegment s, long elements) {
        present(op, tensor, s);
        holds(op, tensor, s, elements, F);
    }

    public static void ints(String op, String tensor, MemorySegment s, long elements) {
        present(op, tensor, s);
        holds(op, tensor, s, elements, I32);
    }

    /** Like {@link #floats}, but {@link MemorySegment#NULL} is allowed (an optional output). */
    public static void optionalFloats(String op, String tensor, MemorySegment s, long elements) {
        if (s != null && isNull(s)) return;
        floats(op, tensor, s, elements);
    }

    /**
     * A NULL pointer: Java null, or a native segment at address 0 such as {@link MemorySegment#NULL}.
     * A heap segment is never NULL, even an empty one (its address() is an offset into its array).
     */
    public static boolean isNull(MemorySegment s) {
        return s == null || (s.isNative() && s.address() == 0);
    }

    /** The pointer checks, which come first: not NULL, and off-heap. */
    private static void present(String op, String tensor, MemorySegment s) {
        if (isNull(s)) {
            throw new KernelException(op, Status.NULL_POINTER, tensor + " is NULL");
        }
        if (!s.isNative()) {
            throw new KernelException(op, Status.BAD_ARGUMENT, tensor + " is a heap segment; kernels take off-heap memory");
        }
    }

    /**
     * An output's pointer checks: also writable. A native kernel writes through any address, so a
     * read-only segment (say a read-only file mapping) would be written, or crash the JVM.
     */
    private static void writable(String op, String tensor, MemorySegment s) {
        present(op, tensor, s);
        if (s.isReadOnly()) {
            throw new KernelException(op, Status.BAD_ARGUMENT, tensor + " is read-only, and it is an output");
        }
    }

    private static void writableUnlessNull(String op, String tensor, MemorySegment s) {
        if (s != null && isNull(s)) return;
        writable(op, tensor, s);
    }

    /** The size check of a segment that passed {@link #present}. */
    private static void holds(String op, String tensor, MemorySegment s, long elements, long width) {
        // elements > MAX / width: the byte count would overflow (possibly into a negative long)
        if (elements < 0 || elements > Long.MAX_VALUE / width || s.byteSize() < elements * width) {
            throw bad(op, tensor + " holds " + s.byteSize() / width + " elements, the call needs " + elements);
        }
    }

    /** The domain of every coefficient except alpha and max_norm: finite and >= 0 (false for NaN). */
    private static boolean nonNegative(float v) {
        return v >= 0f && v <= Float.MAX_VALUE;
    }

    // ---- one check per contract function: every kernel calls these before it computes ----

    public static void denseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                    long batch, long in, long out) {
        String op = "dense_forward";
        writable(op, "y (B,O)", y);
        present(op, "x (B,I)", x);
        present(op, "w (O,I)", w);
        present(op, "b (O)", b);
        dims(op, batch, in, out);
        holds(op, "y (B,O)", y, prod(op, batch, out), F);
        holds(op, "x (B,I)", x, prod(op, batch, in), F);
        holds(op, "w (O,I)", w, prod(op, out, in), F);
        holds(op, "b (O)", b, out, F);
    }

    public static void denseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                     MemorySegment x, MemorySegment w, long batch, long in, long out) {
        String op = "dense_backward";
        writableUnlessNull(op, "dx (B,I)", dx);
        writable(op, "dw (O,I)", dw);
        writable(op, "db (O)", db);
        present(op, "dy (B,O)", dy);
        present(op, "x (B,I)", x);
        present(op, "w (O,I)", w);
        dims(op, batch, in, out);
        if (!isNull(dx)) holds(op, "dx (B,I)", dx, prod(op, batch, in), F);
        holds(op, "dw (O,I)", dw, prod(op, out, in), F);
        holds(op, "db (O)", db, out, F);
        holds(op, "dy (B,O)", dy, prod(op, batch, out), F);
        holds(op, "x (B,I)", x, prod(op, batch, in), F);
        holds(op, "w (O,I)", w, prod(op, out, in), F);
    }

    /** relu/tanh forward and backward: three tensors of N floats (b may be the forward output). */
    public static void elementwise(String op, String outName, MemorySegment out, String aName, MemorySegment a,
                                   String bName, MemorySegment b, long n) {
        writable(op, outName, out);
        present(op, aName, a);
        if (bName != null) present(op, bName, b);
        count(op, n);
        holds(op, outName, out, n, F);
        holds(op, aName, a, n, F);
        if (bName != null) holds(op, bName, b, n, F);
    }

    /** The size rules of conv2d: B >= 0; C, H, W, F, K, S >= 1; K <= H and K <= W. */
    private static void convDims(String op, long batch, long channels, long height, long width, long filters,
                                 long kernelSize, long stride) {
        batch(op, batch);
        atLeastOne(op, "channels C", channels);
        atLeastOne(op, "height H", height);
        atLeastOne(op, "width W", width);
        atLeastOne(op, "filters F", filters);
        atLeastOne(op, "kernel size K", kernelSize);
        atLeastOne(op, "stride S", stride);
        if (kernelSize > height || kernelSize > width) {
            throw bad(op, "kernel size K=" + kernelSize + " must be <= height H=" + height + " and width W=" + width);
        }
    }

    private static long prod4(String op, long a, long b, long c, long d) {
        return prod(op, prod(op, prod(op, a, b), c), d);
    }

    public static void conv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                     long batch, long channels, long height, long width, long filters,
                                     long kernelSize, long stride) {
        String op = "conv2d_forward";
        writable(op, "y (B,F,Ho,Wo)", y);
        present(op, "x (B,C,H,W)", x);
        present(op, "w (F,C,K,K)", w);
        present(op, "b (F)", b);
        convDims(op, batch, channels, height, width, filters, kernelSize, stride);
        long ho = (height - kernelSize) / stride + 1, wo = (width - kernelSize) / stride + 1;
        long xn = prod4(op, batch, channels, height, width);
        long wn = prod4(op, filters, channels, kernelSize, kernelSize);
        long yn = prod4(op, batch, filters, ho, wo);
        holds(op, "y (B,F,Ho,Wo)", y, yn, F);
        holds(op, "x (B,C,H,W)", x, xn, F);
        holds(op, "w (F,C,K,K)", w, wn, F);
        holds(op, "b (F)", b, filters, F);
    }

    public static void conv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                      MemorySegment x, MemorySegment w, long batch, long channels, long height,
                                      long width, long filters, long kernelSize, long stride) {
        String op = "conv2d_backward";
        writableUnlessNull(op, "dx (B,C,H,W)", dx);
        writable(op, "dw (F,C,K,K)", dw);
        writable(op, "db (F)", db);
        present(op, "dy (B,F,Ho,Wo)", dy);
        present(op, "x (B,C,H,W)", x);
        present(op, "w (F,C,K,K)", w);
        convDims(op, batch, channels, height, width, filters, kernelSize, stride);
        long ho = (height - kernelSize) / stride + 1, wo = (width - kernelSize) / stride + 1;
        long xn = prod4(op, batch, channels, height, width);
        long wn = prod4(op, filters, channels, kernelSize, kernelSize);
        long yn = prod4(op, batch, filters, ho, wo);
        if (!isNull(dx)) holds(op, "dx (B,C,H,W)", dx, xn, F);
        holds(op, "dw (F,C,K,K)", dw, wn, F);
        holds(op, "db (F)", db, filters, F);
        holds(op, "dy (B,F,Ho,Wo)", dy, yn, F);
        holds(op, "x (B,C,H,W)", x, xn, F);
        holds(op, "w (F,C,K,K)", w, wn, F);
    }

    /** The size rules of lstm_cell: B >= 0, I >= 1, H >= 1. */
    private static void lstmDims(String op, long batch, long in, long hidden) {
        batch(op, batch);
        atLeastOne(op, "input size I", in);
        atLeastOne(op, "hidden size H", hidden);
    }

    public static void lstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                                       MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh,
                                       MemorySegment b, long batch, long in, long hidden) {
        String op = "lstm_cell_forward";
        writable(op, "h (B,H)", h);
        writable(op, "c (B,H)", c);
        writable(op, "gates (B,4H)", gates);
        present(op, "x (B,I)", x);
        present(op, "h_prev (B,H)", hPrev);
        present(op, "c_prev (B,H)", cPrev);
        present(op, "w_ih (4H,I)", wIh);
        present(op, "w_hh (4H,H)", wHh);
        present(op, "b (4H)", b);
        lstmDims(op, batch, in, hidden);
        long g = prod(op, 4, hidden), bh = prod(op, batch, hidden), bg = prod(op, batch, g);
        long bi = prod(op, batch, in), gi = prod(op, g, in), gh = prod(op, g, hidden);
        holds(op, "h (B,H)", h, bh, F);
        holds(op, "c (B,H)", c, bh, F);
        holds(op, "gates (B,4H)", gates, bg, F);
        holds(op, "x (B,I)", x, bi, F);
        holds(op, "h_prev (B,H)", hPrev, bh, F);
        holds(op, "c_prev (B,H)", cPrev, bh, F);
        holds(op, "w_ih (4H,I)", wIh, gi, F);
        holds(op, "w_hh (4H,H)", wHh, gh, F);
        holds(op, "b (4H)", b, g, F);
    }

    public static void lstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx,
                                        MemorySegment dwIh, MemorySegment dwHh, MemorySegment db,
                                        MemorySegment dh, MemorySegment dc, MemorySegment x, MemorySegment hPrev,
                                        MemorySegment cPrev, MemorySegment c, MemorySegment gates,
                                        MemorySegment wIh, MemorySegment wHh, long batch, long in, long hidden) {
        String op = "lstm_cell_backward";
        writable(op, "dh_prev (B,H)", dhPrev);
        writable(op, "dc_prev (B,H)", dcPrev);
        writableUnlessNull(op, "dx (B,I)", dx);
        writable(op, "dw_ih (4H,I)", dwIh);
        writable(op, "dw_hh (4H,H)", dwHh);
        writable(op, "db (4H)", db);
        present(op, "dh (B,H)", dh);
        present(op, "dc (B,H)", dc);
        present(op, "x (B,I)", x);
        present(op, "h_prev (B,H)", hPrev);
        present(op, "c_prev (B,H)", cPrev);
        present(op, "c (B,H)", c);
        present(op, "gates (B,4H)", gates);
        present(op, "w_ih (4H,I)", wIh);
        present(op, "w_hh (4H,H)", wHh);
        lstmDims(op, batch, in, hidden);
        long g = prod(op, 4, hidden), bh = prod(op, batch, hidden), bg = prod(op, batch, g);
        long bi = prod(op, batch, in), gi = prod(op, g, in), gh = prod(op, g, hidden);
        holds(op, "dh_prev (B,H)", dhPrev, bh, F);
        holds(op, "dc_prev (B,H)", dcPrev, bh, F);
        if (!isNull(dx)) holds(op, "dx (B,I)", dx, bi, F);
        holds(op, "dw_ih (4H,I)", dwIh, gi, F);
        holds(op, "dw_hh (4H,H)", dwHh, gh, F);
        holds(op, "db (4H)", db, g, F);
        holds(op, "dh (B,H)", dh, bh, F);
        holds(op, "dc (B,H)", dc, bh, F);
        holds(op, "x (B,I)", x, bi, F);
        holds(op, "h_prev (B,H)", hPrev, bh, F);
        holds(op, "c_prev (B,H)", cPrev, bh, F);
        holds(op, "c (B,H)", c, bh, F);
        holds(op, "gates (B,4H)", gates, bg, F);
        holds(op, "w_ih (4H,I)", wIh, gi, F);
        holds(op, "w_hh (4H,H)", wHh, gh, F);
    }

    public static void a3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                       MemorySegment logits, MemorySegment values, MemorySegment actions,
                                       MemorySegment returns, long batch, long actionCount,
                                       float entropyBeta, float valueCoef) {
        String op = "a3c_loss_backward";
        writable(op, "dlogits (B,A)", dLogits);
        writable(op, "dvalues (B)", dValues);
        writable(op, "stats (3)", stats);
        present(op, "logits (B,A)", logits);
        present(op, "values (B)", values);
        present(op, "actions (B)", actions);
        present(op, "returns (B)", returns);
        batch(op, batch);
        atLeastOne(op, "action count A", actionCount);
        long ba = prod(op, batch, actionCount);
        holds(op, "dlogits (B,A)", dLogits, ba, F);
        holds(op, "dvalues (B)", dValues, batch, F);
        holds(op, "stats (3)", stats, 3, F);
        holds(op, "logits (B,A)", logits, ba, F);
        holds(op, "values (B)", values, batch, F);
        holds(op, "actions (B)", actions, batch, I32);
        holds(op, "returns (B)", returns, batch, F);
        lossCoefficients(op, entropyBeta, valueCoef);
        actionsInRange(op, actions, batch, actionCount);
    }

    public static void gaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues,
                                            MemorySegment stats, MemorySegment mu, MemorySegment v,
                                            MemorySegment values, MemorySegment actions, MemorySegment returns,
                                            long batch, long actionDim, float entropyBeta, float valueCoef) {
        String op = "gaussian_loss_backward";
        writable(op, "dmu (B,D)", dMu);
        writable(op, "dv (B)", dV);
        writable(op, "dvalues (B)", dValues);
        writable(op, "stats (3)", stats);
        present(op, "mu (B,D)", mu);
        present(op, "v (B)", v);
        present(op, "values (B)", values);
        present(op, "actions (B,D)", actions);
        present(op, "returns (B)", returns);
        batch(op, batch);
        atLeastOne(op, "action dimension D", actionDim);
        long bd = prod(op, batch, actionDim);
        holds(op, "dmu (B,D)", dMu, bd, F);
        holds(op, "dv (B)", dV, batch, F);
        holds(op, "dvalues (B)", dValues, batch, F);
        holds(op, "stats (3)", stats, 3, F);
        holds(op, "mu (B,D)", mu, bd, F);
        holds(op, "v (B)", v, batch, F);
        holds(op, "values (B)", values, batch, F);
        holds(op, "actions (B,D)", actions, bd, F);
        holds(op, "returns (B)", returns, batch, F);
        lossCoefficients(op, entropyBeta, valueCoef);
    }

    public static void clipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        String op = "clip_grad_norm";
        writable(op, "grad (N)", grad);
        writable(op, "norm_out (1)", normOut);
        count(op, n);
        holds(op, "grad (N)", grad, n, F);
        holds(op, "norm_out (1)", normOut, 1, F);
        if (Float.isNaN(maxNorm)) throw new KernelException(op, Status.BAD_ARGUMENT, "max_norm is NaN");
    }

    public static void qLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                                     MemorySegment targets, long batch, long actionCount, float coef) {
        String op = "q_loss_backward";
        writable(op, "dq (B,A)", dq);
        writable(op, "stats (1)", stats);
        present(op, "q (B,A)", q);
        present(op, "actions (B)", actions);
        present(op, "targets (B)", targets);
        batch(op, batch);
        atLeastOne(op, "action count A", actionCount);
        long ba = prod(op, batch, actionCount);
        holds(op, "dq (B,A)", dq, ba, F);
        holds(op, "stats (1)", stats, 1, F);
        holds(op, "q (B,A)", q, ba, F);
        holds(op, "actions (B)", actions, batch, I32);
        holds(op, "targets (B)", targets, batch, F);
        if (!nonNegative(coef)) {
            throw new KernelException(op, Status.BAD_ARGUMENT, "coef must be finite and >= 0, got " + coef);
        }
        actionsInRange(op, actions, batch, actionCount);
    }

    public static void momentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n,
                                   float lr, float alpha) {
        String op = "momentum_sgd";
        update(op, theta, "m (N)", m, dTheta, n);
        if (!(alpha >= 0f && alpha <= 1f) || !nonNegative(lr)) {
            throw new KernelException(op, Status.BAD_ARGUMENT, "need finite lr >= 0 and 0 <= alpha <= 1;"
                    + " got lr=" + lr + " alpha=" + alpha);
        }
    }

    public static void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                                     float lr, float alpha, float eps) {
        String op = "shared_rmsprop";
        update(op, theta, "g (N)", g, dTheta, n);
        if (!(alpha >= 0f && alpha <= 1f) || !nonNegative(eps) || !nonNegative(lr)) {
            throw new KernelException(op, Status.BAD_ARGUMENT, "need finite lr >= 0, 0 <= alpha <= 1, finite eps >= 0;"
                    + " got lr=" + lr + " alpha=" + alpha + " eps=" + eps);
        }
    }

    public static void copy(MemorySegment dst, MemorySegment src, long n) {
        elementwise("copy", "dst (N)", dst, "src (N)", src, null, null, n);
    }

    /** The optimisers' tensors, all (N): theta and its optimiser state written, dtheta read. */
    private static void update(String op, MemorySegment theta, String stateName, MemorySegment state,
                               MemorySegment dTheta, long n) {
        writable(op, "theta (N)", theta);
        writable(op, stateName, state);
        present(op, "dtheta (N)", dTheta);
        count(op, n);
        holds(op, "theta (N)", theta, n, F);
        holds(op, stateName, state, n, F);
        holds(op, "dtheta (N)", dTheta, n, F);
    }

    /** Every action index of a discrete loss in [0, A): read from actions (B) int32, as the kernel reads them. */
    private static void actionsInRange(String op, MemorySegment actions, long batch, long actionCount) {
        for (long r = 0; r < batch; r++) {
            int a = actions.getAtIndex(ValueLayout.JAVA_INT, r);
            if (a < 0 || a >= actionCount) {
                throw new KernelException(op, Status.BAD_ARGUMENT,
                        "action " + a + " at row " + r + " is outside [0, " + actionCount + ")");
            }
        }
    }

    /** The actor-critic losses' coefficients: entropy_beta and value_coef finite and >= 0. */
    private static void lossCoefficients(String op, float entropyBeta, float valueCoef) {
        if (!nonNegative(entropyBeta) || !nonNegative(valueCoef)) {
            throw new KernelException(op, Status.BAD_ARGUMENT,
                    "entropy_beta and value_coef must be finite and >= 0, got " + entropyBeta + " and " + valueCoef);
        }
    }

    static long prod(String op, long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if (hi != 0 || lo < 0) throw bad(op, "size " + a + " x " + b + " overflows");
        return lo;
    }

    private static KernelException bad(String op, String detail) {
        return new KernelException(op, Status.BAD_SIZE, detail);
    }
}
