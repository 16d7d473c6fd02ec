/*
 * Question: what memory bandwidth does the Shared RMSProp update reach (GB/s: the bytes one call
 * reads and writes ÷ its time), on one thread, and on two threads that update the SAME θ and g (the
 * Hogwild! case of asynchronous training: each cache line the one core writes, the other must fetch
 * back), against two threads each updating its own θ and g (the same work without the sharing)?
 * And does staggering the update help: each thread applying it in 16 KB shards (Optimizer), thread
 * i of P starting at shard ⌊i·S/P⌋ and wrapping, so two threads never start on the same lines?
 *
 * One call, asyncrl_shared_rmsprop over N floats: g ← αg + (1−α)dθ²; θ ← θ − η·dθ/√(g+ε). It reads
 * θ, g and dθ and writes θ and g: 20·N bytes. Each thread has its own dθ, as each actor-learner
 * has. N is the parameter count of the CartPole network (64,64 MLP, A3C: 4,675 floats, 94 KB per
 * call, in L2) and of the MinAtar network (conv 16 3×3 → 128, A3C: 132,695 floats, 2.7 MB per call).
 *
 *   shared1    1 thread on the shared θ, g: one whole-vector kernel call
 *   sharded1   1 thread on the shared θ, g: Optimizer.apply, shard by shard (the cost of the shards)
 *   shared2    2 threads on the same shared θ, g: whole-vector calls, both starting at index 0
 *   sharded2   2 threads on the same shared θ, g: Optimizer.apply, thread 1 starting halfway round
 *   separate2  2 threads, each on its own θ, g
 *
 * The primary score is calls per second over all threads; the gigabytes counter adds 20·N / 1e9 per
 * call, so its score is GB/s over all threads. Not measured: the kernel's arithmetic on its own
 * (DenseBench measures compute), NUMA (one socket here).
 *
 * This machine has 2 cores: the two-thread benchmarks take both, with the JMH harness and the OS
 * beside them, and say nothing about 16 cores, where the cache-line traffic this question is about
 * grows with every core that writes θ and g. Run them on a many-core machine to answer it there.
 */
package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.algo.Optimizer;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.run.Kernels;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class RmsPropBench {

    private static final float LR = 1e-7f, ALPHA = 0.99f, EPS = 0.1f;

    static MemorySegment filled(Arena arena, long n, long seed, double lo, double hi) {
        return fill(arena.allocate(n * Float.BYTES, 64), n, seed, lo, hi);
    }

    static MemorySegment fill(MemorySegment s, long n, long seed, double lo, double hi) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) s.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(lo, hi));
        return s;
    }

    /** The kernel and the shared θ, g (N), those of a SharedParams: one per benchmark, every thread updates them. */
    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"reference", "blas", "simd", "java"})
        public String kernel;

        @Param({"4675", "132695"})
        public long n;

        Kernel k;
        SharedParams params;
        MemorySegment theta, g;   // (N) each, of params
        double gigabytesPerCall;

        @Setup(Level.Trial)
        public void setup() {
            k = Kernels.open(kernel);
            params = new SharedParams(Layout.builder().add("w", n).build());
            theta = fill(params.theta(), n, 1, -0.1, 0.1);
            g = fill(params.g(), n, 2, 0, 1e-3);
            gigabytesPerCall = 20.0 * n / 1e9;   // reads θ, g, dθ; writes θ, g
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            params.close();
            k.close();
        }
    }

    /** A thread's Shared RMSProp optimizer over the shared θ, g: thread i of the benchmark's threads, staggered. */
    @State(Scope.Thread)
    public static class Staggered {
        Optimizer optimizer;

        @Setup(Level.Trial)
        public void setup(Shared s, ThreadParams tp) {
            Hyperparameters hp = Hyperparameters.PAPER.withOptimizer(Hyperparameters.OptimizerKind.SHARED_RMSPROP)
                    .withRmsAlpha(ALPHA).withRmsEps(EPS);
            optimizer = Optimizer.forThread(hp, s.params, tp.getThreadIndex(), tp.getThreadCount(), null);
        }
    }

    /** A thread's own dθ (N), and its own θ, g (N) for separate2. */
    @State(Scope.Thread)
    public static class Own {
        Arena arena;
        MemorySegment theta, g, dTheta;

        @Setup(Level.Trial)
        public void setup(Shared s) {
            arena = Arena.ofShared();
            long seed = Thread.currentThread().threadId();
            theta = filled(arena, s.n, 10 + seed, -0.1, 0.1);
            g = filled(arena, s.n, 20 + seed, 0, 1e-3);
            dTheta = filled(arena, s.n, 30 + seed, -1, 1);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** Bytes moved, in GB; JMH reports the count as a rate, GB/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Traffic {
        public double gigabytes;

        @Setup(Level.Iteration)
        public void reset() {
            gigabytes = 0;
        }
    }

    @Benchmark
    @Threads(1)
    public void shared1(Shared s, Own o, Traffic t) {
        s.k.sharedRmsprop(s.theta, s.g, o.dTheta, s.n, LR, ALPHA, EPS);
        t.gigabytes += s.gigabytesPerCall;
    }

    @Benchmark
    @Threads(1)
    public void sharded1(Shared s, Own o, Staggered z, Traffic t) {
        z.optimizer.apply(s.k, s.theta, o.dTheta, s.n, LR);
        t.gigabytes += s.gigabytesPerCall;
    }

    @Benchmark
    @Threads(2)
    public void shared2(Shared s, Own o, Traffic t) {
        s.k.sharedRmsprop(s.theta, s.g, o.dTheta, s.n, LR, ALPHA, EPS);  // Hogwild!: both threads, one θ and g
        t.gigabytes += s.gigabytesPerCall;
    }

    @Benchmark
    @Threads(2)
    public void sharded2(Shared s, Own o, Staggered z, Traffic t) {
        z.optimizer.apply(s.k, s.theta, o.dTheta, s.n, LR);   // Hogwild! as shared2, thread 1 starting halfway round
        t.gigabytes += s.gigabytesPerCall;
    }

    @Benchmark
    @Threads(2)
    public void separate2(Shared s, Own o, Traffic t) {
        s.k.sharedRmsprop(o.theta, o.g, o.dTheta, s.n, LR, ALPHA, EPS);
        t.gigabytes += s.gigabytesPerCall;
    }
}
