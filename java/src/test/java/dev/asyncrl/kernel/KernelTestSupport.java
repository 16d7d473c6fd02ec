/*
 * What the kernel tests share: the kernels under test (the pure-Java one and the reference C++ one
 * through FFM), off-heap segments from float/int arrays and back, seeded random inputs, and the
 * comparisons with a per-call tolerance. Not a test itself.
 */
package dev.asyncrl.kernel;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.fail;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

final class KernelTestSupport {
    private KernelTestSupport() {}

    /**
     * Both kernels, each a fresh instance per test invocation: "java" and the reference C++ kernel
     * (libasyncrl_reference.so from -Dasyncrl.native.dir). JUnit closes them after each invocation.
     */
    static Stream<Arguments> kernels() {
        return Stream.of("java", "reference").map(k -> Arguments.of(Named.of(k, open(k))));
    }

    /** The kernel named "java" or a native kernel by name, fresh. */
    static Kernel open(String name) {
        return name.equals("java") ? new JavaKernel() : KernelLibraries.load(name);
    }

    /**
     * Every row of parameters once for each kernel: (kernel, row...). Kernels open lazily, one per
     * invocation, and JUnit closes each after its invocation.
     */
    static Stream<Arguments> withKernels(Object[]... rows) {
        return Stream.of("java", "reference").flatMap(k -> Arrays.stream(rows).map(row -> {
            Object[] args = new Object[row.length + 1];
            args[0] = Named.of(k, open(k));
            System.arraycopy(row, 0, args, 1, row.length);
            return Arguments.of(args);
        }));
    }

    static MemorySegment floats(Arena arena, float... values) {
        // at least one element, so even an empty tensor is a real (non-NULL) native segment
        MemorySegment s = arena.allocate(JAVA_FLOAT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, s, JAVA_FLOAT, 0, values.length);
        return s;
    }

    static MemorySegment ints(Arena arena, int... values) {
        MemorySegment s = arena.allocate(JAVA_INT, Math.max(1, values.length));
        MemorySegment.copy(values, 0, s, JAVA_INT, 0, values.length);
        return s;
    }

    static float[] read(MemorySegment s, int n) {
        float[] out = new float[n];
        MemorySegment.copy(s, JAVA_FLOAT, 0, out, 0, n);
        return out;
    }

    static float[] uniform(SplittableRandom rng, int n, double lo, double hi) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) out[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        return out;
    }

    static int[] actions(SplittableRandom rng, int n, int actionCount) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = rng.nextInt(actionCount);
        return out;
    }

    static double[] toDouble(float[] a) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }

    /**
     * Elementwise |actual − expected| ≤ rtol·|expected| + atol·max|expected|: a relative check
     * with a floor set by the tensor's scale, so elements near zero do not demand more precision
     * than float can give. Fails naming the worst element.
     */
    static void assertClose(String what, float[] actual, double[] expected, double rtol, double atol) {
        if (actual.length != expected.length) fail(what + ": length " + actual.length + " != " + expected.length);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            double allowed = rtol * Math.abs(expected[i]) + atol * scale;
            if (!(err <= allowed) && (worst < 0 || !(err - allowed <= worstExcess))) {
                worst = i;
                worstExcess = err - allowed;
            }
        }
        if (worst >= 0) {
            fail(String.format("%s: element %d is %.9g, expected %.9g (|diff| %.3g; rtol %.1g, atol %.1g x scale %.3g)",
                    what, worst, actual[worst], expected[worst], Math.abs(actual[worst] - expected[worst]),
                    rtol, atol, scale));
        }
    }

    /**
     * The agreement measure: max|a − b| / max(max|b|, 1e-30), b being the oracle. NaNs must sit at
     * the same positions in both (and count as equal there); a NaN in only one is infinite error.
     */
    static double relativeError(float[] a, float[] b) {
        if (a.length != b.length) return Double.POSITIVE_INFINITY;
        double maxDiff = 0, maxB = 0;
        for (int i = 0; i < a.length; i++) {
            boolean na = Float.isNaN(a[i]), nb = Float.isNaN(b[i]);
            if (na || nb) {
                if (na != nb) return Double.POSITIVE_INFINITY;
                continue;
            }
            if (Float.isInfinite(a[i]) || Float.isInfinite(b[i])) {
                if (a[i] != b[i]) return Double.POSITIVE_INFINITY;
                continue;
            }
            maxDiff = Math.max(maxDiff, Math.abs((double) a[i] - b[i]));
            maxB = Math.max(maxB, Math.abs((double) b[i]));
        }
        return maxDiff / Math.max(maxB, 1e-30);
    }
}
