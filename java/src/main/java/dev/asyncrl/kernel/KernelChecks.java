package dev.asyncrl.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The size checks every kernel runs before it computes: each segment must be non-null, native
 * (off-heap) and hold at least the elements the call will touch. Both the Java kernel and the FFM
 * binding call these, so a shape that does not fit fails the same way in either, as a
 * {@link KernelException} naming the operation and the tensor. Nothing allocates unless it fails.
 */
public final class KernelChecks {
    private KernelChecks() {}

    private static final long F = ValueLayout.JAVA_FLOAT.byteSize();
    private static final long I32 = ValueLayout.JAVA_INT.byteSize();

    static void dims(String op, long batch, long in, long out) {
        if (batch < 0) throw bad(op, "batch B must be >= 0, got " + batch);
        if (in < 1) throw bad(op, "input size I must be >= 1, got " + in);
        if (out < 1) throw bad(op, "output size O must be >= 1, got " + out);
    }

    public static void count(String op, long n) {
        if (n < 0) throw bad(op, "element count N must be >= 0, got " + n);
    }

    public static void floats(String op, String tensor, MemorySegment s, long elements) {
        need(op, tensor, s, elements, F);
    }

    public static void ints(String op, String tensor, MemorySegment s, long elements) {
        need(op, tensor, s, elements, I32);
    }

    /** Like {@link #floats}, but {@link MemorySegment#NULL} is allowed (an optional output). */
    public static void optionalFloats(String op, String tensor, MemorySegment s, long elements) {
        if (s != null && s.address() == 0 && s.byteSize() == 0) return;
        need(op, tensor, s, elements, F);
    }

    public static boolean isNull(MemorySegment s) {
        return s == null || (s.address() == 0 && s.byteSize() == 0);
    }

    private static void need(String op, String tensor, MemorySegment s, long elements, long width) {
        if (s == null || (s.address() == 0 && s.byteSize() == 0)) {
            throw new KernelException(op, Status.NULL_POINTER, tensor + " is NULL");
        }
        if (!s.isNative()) {
            throw new KernelException(op, Status.BAD_ARGUMENT, tensor + " is a heap segment; kernels take off-heap memory");
        }
        // elements > MAX / width: the byte count would overflow (possibly into a negative long)
        if (elements < 0 || elements > Long.MAX_VALUE / width || s.byteSize() < elements * width) {
            throw bad(op, tensor + " holds " + s.byteSize() / width + " elements, the call needs " + elements);
        }
    }

    // ---- one check per contract function: every kernel calls these before it computes ----

    public static void denseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                    long batch, long in, long out) {
        String op = "dense_forward";
        dims(op, batch, in, out);
        floats(op, "y (B,O)", y, prod(op, batch, out));
        floats(op, "x (B,I)", x, prod(op, batch, in));
        floats(op, "w (O,I)", w, prod(op, out, in));
        floats(op, "b (O)", b, out);
    }

    public static void denseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                     MemorySegment x, MemorySegment w, long batch, long in, long out) {
        String op = "dense_backward";
        dims(op, batch, in, out);
        optionalFloats(op, "dx (B,I)", dx, prod(op, batch, in));
        floats(op, "dw (O,I)", dw, prod(op, out, in));
        floats(op, "db (O)", db, out);
        floats(op, "dy (B,O)", dy, prod(op, batch, out));
        floats(op, "x (B,I)", x, prod(op, batch, in));
        floats(op, "w (O,I)", w, prod(op, out, in));
    }

    /** relu/tanh forward and backward: three tensors of N floats (b may be the forward output). */
    public static void elementwise(String op, String outName, MemorySegment out, String aName, MemorySegment a,
                                   String bName, MemorySegment b, long n) {
        count(op, n);
        floats(op, outName, out, n);
        floats(op, aName, a, n);
        if (b != null) floats(op, bName, b, n);
    }

    public static void a3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                       MemorySegment logits, MemorySegment values, MemorySegment actions,
                                       MemorySegment returns, long batch, long actionCount,
                                       float entropyBeta, float valueCoef) {
        String op = "a3c_loss_backward";
        if (batch < 0) throw bad(op, "batch B must be >= 0, got " + batch);
        if (actionCount < 1) throw bad(op, "action count A must be >= 1, got " + actionCount);
        long ba = prod(op, batch, actionCount);
        floats(op, "dlogits (B,A)", dLogits, ba);
        floats(op, "dvalues (B)", dValues, batch);
        floats(op, "stats (3)", stats, 3);
        floats(op, "logits (B,A)", logits, ba);
        floats(op, "values (B)", values, batch);
        ints(op, "actions (B)", actions, batch);
        floats(op, "returns (B)", returns, batch);
        if (!(entropyBeta >= 0f) || !(valueCoef >= 0f)) {
            throw new KernelException(op, Status.BAD_ARGUMENT,
                    "entropy_beta and value_coef must be >= 0, got " + entropyBeta + " and " + valueCoef);
        }
        for (long r = 0; r < batch; r++) {
            int a = actions.getAtIndex(ValueLayout.JAVA_INT, r);
            if (a < 0 || a >= actionCount) {
                throw new KernelException(op, Status.BAD_ARGUMENT,
                        "action " + a + " at row " + r + " is outside [0, " + actionCount + ")");
            }
        }
    }

    public static void clipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        String op = "clip_grad_norm";
        count(op, n);
        floats(op, "grad (N)", grad, n);
        floats(op, "norm_out (1)", normOut, 1);
        if (Float.isNaN(maxNorm)) throw new KernelException(op, Status.BAD_ARGUMENT, "max_norm is NaN");
    }

    public static void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                                     float lr, float alpha, float eps) {
        String op = "shared_rmsprop";
        count(op, n);
        floats(op, "theta (N)", theta, n);
        floats(op, "g (N)", g, n);
        floats(op, "dtheta (N)", dTheta, n);
        if (!(alpha >= 0f && alpha <= 1f) || !(eps >= 0f) || !(lr >= 0f)) {
            throw new KernelException(op, Status.BAD_ARGUMENT,
                    "need lr >= 0, 0 <= alpha <= 1, eps >= 0; got lr=" + lr + " alpha=" + alpha + " eps=" + eps);
        }
    }

    public static void copy(MemorySegment dst, MemorySegment src, long n) {
        String op = "copy";
        count(op, n);
        floats(op, "dst (N)", dst, n);
        floats(op, "src (N)", src, n);
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
