/*
 * Question: how fast is each heavy op of the kernel contract (dense, conv2d, lstm_cell), forward
 * and backward, in each kernel, at the shapes asyncrl's networks have? One op call per JMH op;
 * the flop counter adds the op's multiply-adds × 2, so its rate is FLOP/s (÷ 1e9 for GFLOP/s),
 * comparable with SgemmBench's in the same run.
 *
 * shape is "dense:B:I:O", "conv:B:C:H:W:F:K:S" or "lstm:B:I:H":
 *   dense:1:4:64 and dense:5:64:64    the CartPole MLP (acting: B = 1; a t_max = 5 segment: B = 5)
 *   dense:1:1024:128, dense:5:1024:128 the MinAtar net's FC layer
 *   dense:1:2592:256, dense:5:2592:256 the Atari net's FC layer
 *   conv:1:4:10:10:16:3:1, conv:5:...  the MinAtar convolution
 *   conv:5:4:84:84:16:8:4              the Atari net's first convolution
 *   conv:5:16:20:20:32:4:2             its second
 *   lstm:5:256:256                     an A3C LSTM cell of 256 after a 256-wide torso
 * Backward computes dx too (dense, lstm), except for conv shapes whose C is the observation's
 * (4 channels: the first layer, where asyncrl passes dx = NULL). Forward FLOPs count the products
 * only (2·MACs); backward counts dw, and dx where computed.
 *
 * kernel: "java" (JavaKernel) or a native kernel loaded as --kernel does (blas bound to OpenBLAS on
 * one thread). Gradients accumulate across calls without being zeroed, as in DenseBench: each
 * element grows by the same amount per call and stays finite over a run of this length.
 */
package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.run.Kernels;
import dev.asyncrl.kernel.Kernel;
import java.io.PrintStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
public class OpBench {

    @Param({"java", "reference", "blas", "simd"})
    public String kernel;

    @Param({"dense:1:4:64", "dense:5:64:64", "dense:1:1024:128", "dense:5:1024:128", "dense:1:2592:256",
            "dense:5:2592:256", "conv:1:4:10:10:16:3:1", "conv:5:4:10:10:16:3:1", "conv:5:4:84:84:16:8:4",
            "conv:5:16:20:20:32:4:2", "lstm:5:256:256"})
    public String shape;

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
    private String op;
    private long[] d;
    private long forwardFlop, backwardFlop;
    private MemorySegment x, w, b, y, dy, dx, dw, db;        // dense and conv
    private MemorySegment hPrev, cPrev, wHh, h, c, gates;    // lstm (x, w = w_ih, b, dx, dw = dw_ih, db as above)
    private MemorySegment dh, dc, dhPrev, dcPrev, dwHh;

    @Setup
    public void setup() {
        String[] p = shape.split(":");
        op = p[0];
        d = new long[p.length - 1];
        for (int i = 1; i < p.length; i++) d[i - 1] = Long.parseLong(p[i]);
        k = Kernels.open(kernel, new PrintStream(OutputStream.nullOutputStream()));
        arena = Arena.ofConfined();
        SplittableRandom rng = new SplittableRandom(42);
        switch (op) {
            case "dense" -> {
                long bs = d[0], in = d[1], out = d[2];
                x = fill(bs * in, rng, 1);
                w = fill(out * in, rng, 1 / Math.sqrt(in));
                b = fill(out, rng, 0.1);
                y = arena.allocate(JAVA_FLOAT, bs * out);
                dy = fill(bs * out, rng, 1);
                dx = arena.allocate(JAVA_FLOAT, bs * in);
                dw = arena.allocate(JAVA_FLOAT, out * in);
                db = arena.allocate(JAVA_FLOAT, out);
                forwardFlop = 2 * bs * in * out;
                backwardFlop = 2 * forwardFlop;
            }
            case "conv" -> {
                long bs = d[0], ch = d[1], hh = d[2], ww = d[3], f = d[4], kk = d[5], s = d[6];
                long ho = (hh - kk) / s + 1, wo = (ww - kk) / s + 1;
                x = fill(bs * ch * hh * ww, rng, 1);
                w = fill(f * ch * kk * kk, rng, 1 / Math.sqrt(ch * kk * kk));
                b = fill(f, rng, 0.1);
                y = arena.allocate(JAVA_FLOAT, bs * f * ho * wo);
                dy = fill(bs * f * ho * wo, rng, 1);
                // the observation's layer (4 channels) gets no input gradient, as in the networks
                dx = ch == 4 ? MemorySegment.NULL : arena.allocate(JAVA_FLOAT, bs * ch * hh * ww);
                dw = arena.allocate(JAVA_FLOAT, f * ch * kk * kk);
                db = arena.allocate(JAVA_FLOAT, f);
                forwardFlop = 2 * bs * f * ho * wo * ch * kk * kk;
                backwardFlop = ch == 4 ? forwardFlop : 2 * forwardFlop;
            }
            case "lstm" -> {
                long bs = d[0], in = d[1], hid = d[2], g4 = 4 * hid;
                x = fill(bs * in, rng, 1);
                hPrev = fill(bs * hid, rng, 1);
                cPrev = fill(bs * hid, rng, 1);
                w = fill(g4 * in, rng, 1 / Math.sqrt(hid));
                wHh = fill(g4 * hid, rng, 1 / Math.sqrt(hid));
                b = fill(g4, rng, 0.1);
                h = arena.allocate(JAVA_FLOAT, bs * hid);
                c = arena.allocate(JAVA_FLOAT, bs * hid);
                gates = arena.allocate(JAVA_FLOAT, bs * g4);
                dh = fill(bs * hid, rng, 1);
                dc = fill(bs * hid, rng, 1);
                dhPrev = arena.allocate(JAVA_FLOAT, bs * hid);
                dcPrev = arena.allocate(JAVA_FLOAT, bs * hid);
                dx = arena.allocate(JAVA_FLOAT, bs * in);
                dw = arena.allocate(JAVA_FLOAT, g4 * in);
                dwHh = arena.allocate(JAVA_FLOAT, g4 * hid);
                db = arena.allocate(JAVA_FLOAT, g4);
                forwardFlop = 2 * bs * g4 * (in + hid);
                backwardFlop = 2 * forwardFlop;
                // the cache the backward reads
                k.lstmCellForward(h, c, gates, x, hPrev, cPrev, w, wHh, b, bs, in, hid);
            }
            default -> throw new IllegalArgumentException("unknown op in shape " + shape);
        }
    }

    private MemorySegment fill(long n, SplittableRandom rng, double scale) {
        MemorySegment s = arena.allocate(JAVA_FLOAT, n);
        for (long i = 0; i < n; i++) s.setAtIndex(JAVA_FLOAT, i, (float) (scale * rng.nextDouble(-1, 1)));
        return s;
    }

    @TearDown
    public void tearDown() {
        k.close();
        arena.close();
    }

    @Benchmark
    public void forward(Flops flops) {
        switch (op) {
            case "dense" -> k.denseForward(y, x, w, b, d[0], d[1], d[2]);
            case "conv" -> k.conv2dForward(y, x, w, b, d[0], d[1], d[2], d[3], d[4], d[5], d[6]);
            default -> k.lstmCellForward(h, c, gates, x, hPrev, cPrev, w, wHh, b, d[0], d[1], d[2]);
        }
        flops.flop += forwardFlop;
    }

    @Benchmark
    public void backward(Flops flops) {
        switch (op) {
            case "dense" -> k.denseBackward(dx, dw, db, dy, x, w, d[0], d[1], d[2]);
            case "conv" -> k.conv2dBackward(dx, dw, db, dy, x, w, d[0], d[1], d[2], d[3], d[4], d[5], d[6]);
            default -> k.lstmCellBackward(dhPrev, dcPrev, dx, dw, dwHh, db, dh, dc, x, hPrev, cPrev, c, gates, w, wHh,
                    d[0], d[1], d[2]);
        }
        flops.flop += backwardFlop;
    }
}
