package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.bindings.ffm.OpenBlas;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Question: how fast is OpenBLAS's own cblas_sgemm on this machine, on one thread? The yardstick
 * for other benchmarks' GFLOP/s in the same run: C (n,n) = A (n,n) · B (n,n), row-major, called
 * through FFM on the one OpenBLAS the blas kernel uses (bytedeco's, its pool set to 1 thread).
 * The primary score is calls per second; the {@code flop} counter adds 2n³ per call, so its
 * score is FLOP/s (÷ 1e9 for GFLOP/s).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class SgemmBench {

    @Param({"64", "256"})
    public int n;

    private static final int ROW_MAJOR = 101, NO_TRANS = 111;
    // cblas_sgemm(order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc), 32-bit ints
    private static final MethodHandle SGEMM = Linker.nativeLinker().downcallHandle(FunctionDescriptor.ofVoid(
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT, ADDRESS,
            JAVA_INT, JAVA_FLOAT, ADDRESS, JAVA_INT));

    private Arena arena;
    private MemorySegment fn, a, b, c;

    /** Counts floating-point operations; JMH reports the count as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flop;

        @Setup(Level.Iteration)
        public void reset() {
            flop = 0;
        }
    }

    @Setup
    public void setup() {
        fn = OpenBlas.sgemm();
        arena = Arena.ofShared();
        long count = (long) n * n;
        a = arena.allocate(JAVA_FLOAT, count);
        b = arena.allocate(JAVA_FLOAT, count);
        c = arena.allocate(JAVA_FLOAT, count);
        SplittableRandom rng = new SplittableRandom(1);
        for (long i = 0; i < count; i++) {
            a.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(-1, 1));
            b.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(-1, 1));
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public void sgemm(Flops flops) throws Throwable {
        SGEMM.invokeExact(fn, ROW_MAJOR, NO_TRANS, NO_TRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        flops.flop += 2L * n * n * n;
    }
}
