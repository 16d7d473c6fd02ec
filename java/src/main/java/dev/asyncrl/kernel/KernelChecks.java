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
        if (batch < 0) throw bad(op, "batch B must be >= 0, got " + batch);
        if (in < 1) throw bad(op, "input size I must be >= 1, got " + in);
        if (out < 1) throw bad(op, "output size O must be >= 1, got " + out);
    }

    public static void count(String op, long n) {
        if (n < 0) throw bad(op, "element count N must be >= 0, got " + n);
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
        if (batch < 0) throw bad(op, "batch B must be >= 0, got " + batch);
        if (actionCount < 1) throw bad(op, "action count A must be >= 1, got " + actionCount);
        long ba = prod(op, batch, actionCount);
        holds(op, "dlogits (B,A)", dLogits, ba, F);
        holds(op, "dvalues (B)", dValues, batch, F);
        holds(op, "stats (3)", stats, 3, F);
        holds(op, "logits (B,A)", logits, ba, F);
        holds(op, "values (B)", values, batch, F);
        holds(op, "actions (B)", actions, batch, I32);
        holds(op, "returns (B)", returns, batch, F);
        if (!nonNegative(entropyBeta) || !nonNegative(valueCoef)) {
            throw new KernelException(op, Status.BAD_ARGUMENT,
                    "entropy_beta and value_coef must be finite and >= 0, got " + entropyBeta + " and " + valueCoef);
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
        if (batch < 0) throw bad(op, "batch B must be >= 0, got " + batch);
        if (actionCount < 1) throw bad(op, "action count A must be >= 1, got " + actionCount);
        long ba = prod(op, batch, actionCount);
        holds(op, "dq (B,A)", dq, ba, F);
        holds(op, "stats (1)", stats, 1, F);
        holds(op, "q (B,A)", q, ba, F);
        holds(op, "actions (B)", actions, batch, I32);
        holds(op, "targets (B)", targets, batch, F);
        if (!nonNegative(coef)) {
            throw new KernelException(op, Status.BAD_ARGUMENT, "coef must be finite and >= 0, got " + coef);
        }
        for (long r = 0; r < batch; r++) {
            int a = actions.getAtIndex(ValueLayout.JAVA_INT, r);
            if (a < 0 || a >= actionCount) {
                throw new KernelException(op, Status.BAD_ARGUMENT,
                        "action " + a + " at row " + r + " is outside [0, " + actionCount + ")");
            }
        }
    }

    public static void momentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n,
                                   float lr, float alpha) {
        String op = "momentum_sgd";
        writable(op, "theta (N)", theta);
        writable(op, "m (N)", m);
        present(op, "dtheta (N)", dTheta);
        count(op, n);
        holds(op, "theta (N)", theta, n, F);
        holds(op, "m (N)", m, n, F);
        holds(op, "dtheta (N)", dTheta, n, F);
        if (!(alpha >= 0f && alpha <= 1f) || !nonNegative(lr)) {
            throw new KernelException(op, Status.BAD_ARGUMENT, "need finite lr >= 0 and 0 <= alpha <= 1;"
                    + " got lr=" + lr + " alpha=" + alpha);
        }
    }

    public static void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                                     float lr, float alpha, float eps) {
        String op = "shared_rmsprop";
        writable(op, "theta (N)", theta);
        writable(op, "g (N)", g);
        present(op, "dtheta (N)", dTheta);
        count(op, n);
        holds(op, "theta (N)", theta, n, F);
        holds(op, "g (N)", g, n, F);
        holds(op, "dtheta (N)", dTheta, n, F);
        if (!(alpha >= 0f && alpha <= 1f) || !nonNegative(eps) || !nonNegative(lr)) {
            throw new KernelException(op, Status.BAD_ARGUMENT, "need finite lr >= 0, 0 <= alpha <= 1, finite eps >= 0;"
                    + " got lr=" + lr + " alpha=" + alpha + " eps=" + eps);
        }
    }

    public static void copy(MemorySegment dst, MemorySegment src, long n) {
        String op = "copy";
        writable(op, "dst (N)", dst);
        present(op, "src (N)", src);
        count(op, n);
        holds(op, "dst (N)", dst, n, F);
        holds(op, "src (N)", src, n, F);
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
