/*
 * Question: what does one t_max = 5 segment's forward and backward pass through each of asyncrl's
 * networks cost in each kernel? One JMH op runs the product's own code (dev.asyncrl.net.Mlp and
 * its Workspace) over one segment of 5 rows:
 *   forward = rows   what an actor-learner does: five single-row forwards (acting sees one
 *                    observation at a time, each the input of the next step), then one backward
 *                    over the five rows from the heads' gradients;
 *   forward = batch  the same rows forwarded in one batch-5 call per layer (Workspace.forwardBatch,
 *                    the same activations), then the same backward: what the kernel reaches when
 *                    the forward is batched too.
 * The loss, the gradient zeroing, the clipping and the optimizer are left out (the loss gradients
 * dOut are fixed random values).
 *
 * net:
 *   cartpole  4 → 64 → 64 → policy 2 + value 1 (the CartPole preset's MLP, ReLU)
 *   minatar   4×10×10 → conv 16 3×3 s1 → FC 128 → policy 6 + value 1
 *   atari     4×84×84 → conv 16 8×8 s4 → conv 32 4×4 s2 → FC 256 → policy 6 + value 1
 *             (the paper's Atari network)
 * The flop counter adds 2·MACs of the products per op (forward of 5 rows; backward dw of every
 * layer and dx of every layer but the first), so its rate is FLOP/s, comparable with SgemmBench's
 * in the same run. kernel: "java" or a native kernel loaded as --kernel does.
 */
package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.run.Kernels;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.run.Preset;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
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

@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class NetBench {

    /** Rows per segment: t_max = 5. */
    static final int ROWS = 5;

    @Param({"java", "reference", "blas", "simd"})
    public String kernel;

    @Param({"cartpole", "minatar", "atari"})
    public String net;

    /** rows: five one-row forwards, as acting does; batch: one five-row forward per layer. */
    @Param({"rows", "batch"})
    public String forward;

    /** Counts floating-point operations; JMH reports the count as a rate (FLOP/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long flop;

        @Setup(Level.Iteration)
        public void reset() {
            flop = 0;
        }
    }

    private Kernel k;
    private Arena arena;
    private Mlp.Workspace ws;
    private long segmentFlop;
    private boolean batch;

    static Mlp network(String name) {
        return switch (name) {
            case "cartpole" -> Mlp.actorCritic(4, 2, Preset.CARTPOLE.hidden(), Activation.parse(Preset.CARTPOLE.activation()));
            case "minatar" -> Mlp.actorCritic(4 * 10 * 10, List.of(new Mlp.Conv(4, 10, 10, 16, 3, 1)), 6, new int[] {128}, 0,
                    Activation.RELU);
            case "atari" -> {
                Mlp.Conv c1 = new Mlp.Conv(4, 84, 84, 16, 8, 4);
                Mlp.Conv c2 = new Mlp.Conv(16, c1.outHeight(), c1.outWidth(), 32, 4, 2);
                yield Mlp.actorCritic(4 * 84 * 84, List.of(c1, c2), 6, new int[] {256}, 0, Activation.RELU);
            }
            default -> throw new IllegalArgumentException("unknown net " + name);
        };
    }

    /** 2·MACs of one segment of {@code rows} rows: the forward of each row, then the backward (see the class comment). */
    static long segmentFlop(Mlp m, int rows) {
        long forward = 0, backward = 0;
        boolean first = true;
        for (Mlp.Conv c : m.convs()) {
            long macs = (long) c.filters() * c.outHeight() * c.outWidth() * c.channels() * c.kernel() * c.kernel();
            forward += macs;
            backward += first ? macs : 2 * macs;
            first = false;
        }
        int in = m.convs().isEmpty() ? m.obsSize() : m.convs().getLast().outputSize();
        for (int h : m.hidden()) {
            long macs = (long) in * h;
            forward += macs;
            backward += first ? macs : 2 * macs;
            first = false;
            in = h;
        }
        for (Mlp.Head head : m.heads()) {
            long macs = (long) in * head.size();
            forward += macs;
            backward += 2 * macs;
        }
        return 2L * rows * (forward + backward);
    }

    @Setup
    public void setup() {
        k = Kernels.open(kernel, new PrintStream(OutputStream.nullOutputStream()));
        Mlp m = network(net);
        arena = Arena.ofConfined();
        ws = m.workspace(arena, ROWS);
        m.initialize(ws.params, 1);
        SplittableRandom rng = new SplittableRandom(7);
        fill(ws.obs, rng);
        for (int j = 0; j < m.heads().size(); j++) fill(ws.dOut(j), rng);
        segmentFlop = segmentFlop(m, ROWS);
        if (!forward.equals("rows") && !forward.equals("batch")) throw new IllegalArgumentException("forward is rows or batch");
        batch = forward.equals("batch");
    }

    private static void fill(MemorySegment s, SplittableRandom rng) {
        for (long i = 0; i < s.byteSize() / Float.BYTES; i++) s.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(-1, 1));
    }

    @TearDown
    public void tearDown() {
        k.close();
        arena.close();
    }

    /* dθ accumulates across ops without being zeroed (as in DenseBench): it grows by the same amount per op. */
    @Benchmark
    public void segment(Flops flops) {
        if (batch) {
            ws.forwardBatch(k, ROWS);
        } else {
            for (int r = 0; r < ROWS; r++) ws.forward(k, r);
        }
        ws.backward(k, ROWS);
        flops.flop += segmentFlop;
    }
}
