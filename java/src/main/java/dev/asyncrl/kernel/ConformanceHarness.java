package dev.asyncrl.kernel;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The machinery of {@link Conformance}: how one row is decided (an oracle comparison, a gradient
 * check or a status check), the random inputs, and the conversions between arrays and off-heap
 * segments. The rows themselves, op by op, are in {@link Conformance}.
 *
 * <p>Tolerances. An oracle row passes when max|kernel − java| ≤ (2L + T)·u·M over each output
 * tensor: u = 2⁻²⁴ (float's unit roundoff), L the length of the sums behind an element (a dot
 * product of length L in any order, with or without fused multiply-add, is within about L·u·Σ|terms|
 * of the exact value, and so is the Java kernel's: hence 2L), T a budget of 64 roundings for the
 * elementwise functions (exp, log, tanh, sqrt, which a SIMD kernel may approximate), and M the
 * tensor's magnitude: for the bilinear functions (dense, conv2d) the largest element of the same
 * function on the absolute values of the inputs (Σ|terms|, which also covers cancellation), for the
 * others the largest |java| element. The table's "max error" is max|kernel − java| / M, its
 * "bound" (2L + T)·u. A gradient row passes when max|backward − finite difference| ≤ 1% of the
 * largest |finite difference| or |backward| (h = 0.01 on inputs of order 1: rounding and truncation stay below
 * 0.1%, while a wrong term is an error of order 100%).
 */
abstract class ConformanceHarness {

    static final double U = 0x1p-24;
    static final double T = 64;
    static final double FD_H = 1e-2;
    static final double FD_TOL = 1e-2;

    final Kernel kernel;
    final Kernel raw;
    final Kernel oracle = new JavaKernel();
    final SplittableRandom rng;
    final Consumer<Conformance.Row> sink;
    final List<Conformance.Row> rows = new ArrayList<>();

    ConformanceHarness(Kernel kernel, Kernel raw, long seed, Consumer<Conformance.Row> sink) {
        this.kernel = kernel;
        this.raw = raw;
        this.rng = new SplittableRandom(seed);
        this.sink = sink;
    }

    // ---- the rows ----------------------------------------------------------------------------------

    void add(Conformance.Row r) {
        rows.add(r);
        sink.accept(r);
    }

    /** Outputs of one call: named float tensors. */
    record Out(String[] names, float[][] values) {}

    @FunctionalInterface
    interface Call {
        Out run(Kernel k, Arena arena);
    }

    /** Oracle row: runs {@code call} on the kernel and on Java, compares each output tensor. */
    void oracle(String op, String shape, Call call, double[] sumLengths, float[][] magnitudes) {
        Out got, want;
        try (Arena a = Arena.ofConfined()) {
            want = call.run(oracle, a);
        }
        try (Arena a = Arena.ofConfined()) {
            got = call.run(kernel, a);
        } catch (KernelException e) {
            add(new Conformance.Row(op, "oracle " + shape, false, Double.NaN, Double.NaN, "threw: " + e.getMessage()));
            return;
        }
        double worstRatio = -1, worstErr = 0, worstBound = 0;
        String worstName = "";
        for (int t = 0; t < want.values.length; t++) {
            float[] e = want.values[t], g = got.values[t];
            double m = magnitudes != null && magnitudes[t] != null ? maxAbs(magnitudes[t]) : maxAbs(e);
            double bound = (2 * sumLengths[t] + T) * U;
            double err = error(g, e, m);
            double ratio = err / bound;
            if (!(ratio <= worstRatio)) {
                worstRatio = ratio;
                worstErr = err;
                worstBound = bound;
                worstName = want.names[t];
            }
        }
        add(new Conformance.Row(op, "oracle " + shape, worstRatio <= 1, worstErr, worstBound,
                worstRatio <= 1 ? "" : "worst: " + worstName));
    }

    /**
     * max|g − e| / M, with NaN and infinities required at the same places with the same values
     * (a mismatch there is an infinite error). M is floored at the smallest normal float.
     */
    static double error(float[] g, float[] e, double m) {
        double worst = 0;
        for (int i = 0; i < e.length; i++) {
            boolean gn = Float.isNaN(g[i]), en = Float.isNaN(e[i]);
            if (gn || en) {
                if (gn != en) return Double.POSITIVE_INFINITY;
                continue;
            }
            if (Float.isInfinite(g[i]) || Float.isInfinite(e[i])) {
                if (g[i] != e[i]) return Double.POSITIVE_INFINITY;
                continue;
            }
            worst = Math.max(worst, Math.abs((double) g[i] - e[i]));
        }
        return worst / Math.max(m, Float.MIN_NORMAL);
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) if (Float.isFinite(v)) m = Math.max(m, Math.abs(v));
        return m;
    }

    /** Gradient row: the kernel's backward {@code analytic} against central differences of {@code loss} in {@code v}. */
    void gradient(String op, String what, float[] v, float[] analytic, ToDoubleFunction<float[]> loss) {
        float[] p = v.clone();
        double worst = 0, scale = 0;
        for (int i = 0; i < v.length; i++) {
            p[i] = (float) (v[i] + FD_H);
            double plus = loss.applyAsDouble(p);
            p[i] = (float) (v[i] - FD_H);
            double minus = loss.applyAsDouble(p);
            p[i] = v[i];
            double fd = (plus - minus) / ((double) (float) (v[i] + FD_H) - (float) (v[i] - FD_H));
            scale = Math.max(scale, Math.max(Math.abs(fd), Math.abs(analytic[i])));
            worst = Math.max(worst, Double.isNaN(analytic[i]) ? Double.POSITIVE_INFINITY : Math.abs(analytic[i] - fd));
        }
        double err = worst / Math.max(scale, 1e-6);
        add(new Conformance.Row(op, "gradient " + what, err <= FD_TOL, err, FD_TOL, ""));
    }

    /** Status row: {@code call} on the unchecked kernel must give {@code expected} and leave {@code outputs} alone. */
    void status(String op, String what, Status expected, MemorySegment[] outputs, Consumer<Kernel> call) {
        List<float[]> before = new ArrayList<>();
        for (MemorySegment s : outputs) before.add(s.toArray(JAVA_FLOAT));
        Status got = Status.OK;
        try {
            call.accept(raw);
        } catch (KernelException e) {
            got = e.status();
        }
        boolean untouched = true;
        for (int i = 0; i < outputs.length; i++) untouched &= Arrays.equals(before.get(i), outputs[i].toArray(JAVA_FLOAT));
        boolean pass = got == expected && (expected == Status.OK || untouched);
        String detail = "got " + got + (got == expected && !untouched && expected != Status.OK ? " but wrote its outputs" : "");
        add(new Conformance.Row(op, "status " + what + " -> " + expected, pass, Double.NaN, Double.NaN, pass ? "" : detail));
    }

    // ---- inputs ---------------------------------------------------------------------------------

    float[] uniform(int n, double lo, double hi) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return out;
    }

    /** Uniform in ±[0.05, 1]: at least five steps h away from ReLU's kink. */
    float[] awayFromZero(int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) ((0.05 + 0.95 * rng.nextDouble()) * (rng.nextBoolean() ? 1 : -1));
        return out;
    }

    static float[] abs(float[] a) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) out[i] = Math.abs(a[i]);
        return out;
    }

    static MemorySegment seg(Arena a, float[] v) {
        MemorySegment s = a.allocate(JAVA_FLOAT, Math.max(1, v.length));
        MemorySegment.copy(v, 0, s, JAVA_FLOAT, 0, v.length);
        return s;
    }

    static MemorySegment ints(Arena a, int[] v) {
        MemorySegment s = a.allocate(JAVA_INT, Math.max(1, v.length));
        MemorySegment.copy(v, 0, s, JAVA_INT, 0, v.length);
        return s;
    }

    static float[] read(MemorySegment s, int n) {
        float[] out = new float[n];
        MemorySegment.copy(s, JAVA_FLOAT, 0, out, 0, n);
        return out;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    static Out out(Object... namesAndValues) {
        String[] names = new String[namesAndValues.length / 2];
        float[][] values = new float[names.length][];
        for (int i = 0; i < names.length; i++) {
            names[i] = (String) namesAndValues[2 * i];
            values[i] = (float[]) namesAndValues[2 * i + 1];
        }
        return new Out(names, values);
    }
}
