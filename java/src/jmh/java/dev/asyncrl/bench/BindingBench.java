/*
 * Question: what does one call into a native kernel cost through each of the three ways in, FFM
 * (bindings/ffm, what the product uses), JNA (bindings/jna, direct mapping) and JavaCPP
 * (bindings/javacpp, generated JNI glue)? The library is the same file (the reference kernel),
 * found and checked by KernelLibraries; each call makes the same Java size checks and the same
 * status check, so what differs is the crossing and how each passes a segment.
 *   version  asyncrl_kernel_version(): no arguments, no checks, no work: the bare crossing;
 *   copy     Kernel.copy with N = 1: + KernelChecks, two pointers, one size, the status check;
 *   dense    Kernel.denseForward, B = 1, I = 4, O = 64 (CartPole's first layer): four pointers,
 *            three sizes and 256 multiply-adds, a small call of the kind the hot loop makes.
 * One @Param value per fork, so each call site sees one binding. Not here: the FFM-only variants
 * of the crossing (DowncallBench) and calls that do real work (DenseBench).
 */
package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.bindings.javacpp.JavaCppKernel;
import dev.asyncrl.bindings.jna.JnaKernel;
import dev.asyncrl.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// As DowncallBench: the forked JVM finds target/native/lib beside target/classes.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class BindingBench {

    @Param({"ffm", "jna", "javacpp"})
    public String binding;

    /** The kernel library, by name (any that KernelLibraries finds). */
    @Param({"reference"})
    public String kernel;

    private static final int IN = 4, OUT = 64;

    private Arena arena;
    private MemorySegment src, dst;          // (1)
    private MemorySegment x, w, b, y;        // x (1,I), w (O,I), b (O), y (1,O)
    private Kernel k;
    private IntSupplier version;

    @Setup
    public void setup() {
        // The thread's own buffers, as a worker's are: a confined arena, closed in tearDown.
        arena = Arena.ofConfined();
        src = arena.allocate(JAVA_FLOAT, 1);
        dst = arena.allocate(JAVA_FLOAT, 1);
        src.setAtIndex(JAVA_FLOAT, 0, 1.5f);
        x = random(IN, 1);
        w = random(OUT * IN, 2);
        b = random(OUT, 3);
        y = arena.allocate(JAVA_FLOAT, OUT);
        switch (binding) {
            case "ffm" -> {
                FfmKernel f = KernelLibraries.load(kernel);
                k = f;
                version = f::kernelVersion;
            }
            case "jna" -> {
                JnaKernel j = JnaKernel.load(kernel);
                k = j;
                version = j::kernelVersion;
            }
            case "javacpp" -> {
                JavaCppKernel j = JavaCppKernel.load(kernel);
                k = j;
                version = j::kernelVersion;
            }
            default -> throw new IllegalArgumentException("binding must be ffm, jna or javacpp, not " + binding);
        }
    }

    private MemorySegment random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        MemorySegment s = arena.allocate(JAVA_FLOAT, n);
        for (int i = 0; i < n; i++) s.setAtIndex(JAVA_FLOAT, i, (float) r.nextDouble(-1, 1));
        return s;
    }

    @TearDown
    public void tearDown() {
        k.close();
        arena.close();
    }

    @Benchmark
    public int version() {
        return version.getAsInt();
    }

    @Benchmark
    public void copy() {
        k.copy(dst, src, 1);
    }

    @Benchmark
    public void dense() {
        k.denseForward(y, x, w, b, 1, IN, OUT);
    }
}
