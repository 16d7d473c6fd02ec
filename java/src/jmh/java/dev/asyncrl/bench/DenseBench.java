/*
 * Question: how fast is one dense layer's forward and backward pass (denseForward, then
 * denseBackward with the input gradient dx) in each kernel, at the layer shapes asyncrl trains?
 * B is 1 (acting: one observation) or 5 (a short t_max segment); IxO covers a CartPole input
 * layer (4x64), a hidden layer (64x64) and a wide layer (256x256).
 *
 * kernel is "java" (JavaKernel) or the name of a native kernel that KernelLibraries loads through
 * FFM ("reference"; later kernels can be added with -p kernel=NAME). Compare kernels at the same
 * shape within one run. Not measured: activations, the loss, the optimizer, several threads.
 */
package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
// The forked JVM finds target/native/lib beside target/classes (KernelLibraries' fallback) and
// also inherits -Dasyncrl.native.dir from the launcher, so no path is written here.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class DenseBench {

    @Param({"java", "reference"})
    public String kernel;

    /** B: rows per call. */
    @Param({"1", "5"})
    public int batch;

    /** IxO: input and output features. */
    @Param({"4x64", "64x64", "256x256"})
    public String shape;

    private long in, out;
    private Kernel k;
    private Arena arena;
    private MemorySegment x, w, b, y;        // (B,I), (O,I), (O), (B,O)
    private MemorySegment dy, dx, dw, db;    // (B,O), (B,I), (O,I), (O)

    @Setup
    public void setup() {
        String[] io = shape.split("x");
        in = Long.parseLong(io[0]);
        out = Long.parseLong(io[1]);
        k = kernel.equals("java") ? new JavaKernel() : KernelLibraries.load(kernel);
        // The thread's own buffers, as a worker's are: a confined arena, closed in tearDown.
        arena = Arena.ofConfined();
        x = arena.allocate(JAVA_FLOAT, batch * in);
        w = arena.allocate(JAVA_FLOAT, out * in);
        b = arena.allocate(JAVA_FLOAT, out);
        y = arena.allocate(JAVA_FLOAT, batch * out);
        dy = arena.allocate(JAVA_FLOAT, batch * out);
        dx = arena.allocate(JAVA_FLOAT, batch * in);
        dw = arena.allocate(JAVA_FLOAT, out * in);
        db = arena.allocate(JAVA_FLOAT, out);
        SplittableRandom rng = new SplittableRandom(42);
        fill(x, rng, 1f);
        fill(w, rng, (float) (1 / Math.sqrt(in)));
        fill(b, rng, 0.1f);
        fill(dy, rng, 1f);
    }

    private static void fill(MemorySegment s, SplittableRandom rng, float scale) {
        for (long i = 0; i < s.byteSize() / Float.BYTES; i++) {
            s.setAtIndex(JAVA_FLOAT, i, scale * (float) rng.nextDouble(-1, 1));
        }
    }

    @TearDown
    public void tearDown() {
        k.close();
        arena.close();
    }

    /*
     * The gradients accumulate across calls without being zeroed: each element grows by the same
     * amount per call, so it stays finite and far from denormal over any run of this length.
     */
    @Benchmark
    public void forwardBackward() {
        k.denseForward(y, x, w, b, batch, in, out);
        k.denseBackward(dx, dw, db, dy, x, w, batch, in, out);
    }
}
