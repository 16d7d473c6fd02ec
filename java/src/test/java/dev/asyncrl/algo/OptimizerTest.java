package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.kernel.KernelException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Where each of the paper's three optimizers keeps its state: Shared RMSProp in the shared g that
 * every thread updates, RMSProp in a g of the thread's own, momentum SGD in an m of the thread's
 * own; and that each applies its own formula to the shared θ. The staggered, sharded update gives
 * what one whole-vector call gives, and the bytes it writes into shared memory are counted.
 */
class OptimizerTest {
    private final Kernel k = new JavaKernel();
    private final Layout layout = Layout.builder().add("w", 4).build();

    private static Hyperparameters hp(Hyperparameters.OptimizerKind kind) {
        return Hyperparameters.PAPER.withLr(0.1).withLrSchedule(Hyperparameters.LrSchedule.CONSTANT).withOptimizer(kind)
                .withRmsAlpha(0.5).withMomentum(0.5).withTargetInterval(100).withEpsilonSteps(100);
    }

    private static MemorySegment grad(Arena arena, float v) {
        MemorySegment g = arena.allocate(16 * Float.BYTES);
        for (int i = 0; i < 4; i++) g.setAtIndex(JAVA_FLOAT, i, v);
        return g;
    }

    @Test
    void sharedRmspropUpdatesTheSharedStatistics() {
        try (SharedParams shared = new SharedParams(layout); Arena a = Arena.ofConfined()) {
            Optimizer t1 = Optimizer.forThread(hp(Hyperparameters.OptimizerKind.SHARED_RMSPROP), shared, 0);
            Optimizer t2 = Optimizer.forThread(hp(Hyperparameters.OptimizerKind.SHARED_RMSPROP), shared, 1);
            t1.apply(k, shared.theta(), grad(a, 2f), 4, 0.1f);
            assertEquals(0.5f * 4f, shared.g().getAtIndex(JAVA_FLOAT, 0), 1e-6f, "g = (1-α)·dθ²");
            t2.apply(k, shared.theta(), grad(a, 2f), 4, 0.1f);
            assertEquals(0.5f * 2f + 0.5f * 4f, shared.g().getAtIndex(JAVA_FLOAT, 0), 1e-6f, "thread 2 sees thread 1's g");
        }
    }

    @Test
    void rmspropKeepsStatisticsPerThread() {
        try (SharedParams shared = new SharedParams(layout, false, 2); Arena a = Arena.ofConfined()) {
            Optimizer t1 = Optimizer.forThread(hp(Hyperparameters.OptimizerKind.RMSPROP), shared, 0);
            Optimizer t2 = Optimizer.forThread(hp(Hyperparameters.OptimizerKind.RMSPROP), shared, 1);
            t1.apply(k, shared.theta(), grad(a, 2f), 4, 0.1f);
            float afterOne = shared.theta().getAtIndex(JAVA_FLOAT, 0);
            t2.apply(k, shared.theta(), grad(a, 2f), 4, 0.1f);
            // each thread's g is fresh, so both steps have the same size: −lr·2/√(2+0.1)
            float step = (float) (0.1 * 2 / Math.sqrt(2 + 0.1));
            assertEquals(-step, afterOne, 1e-6f);
            assertEquals(-2 * step, shared.theta().getAtIndex(JAVA_FLOAT, 0), 1e-6f);
            assertEquals(0f, shared.g().getAtIndex(JAVA_FLOAT, 0), "the shared g is not used");
        }
    }

    @Test
    void momentumKeepsMomentumPerThread() {
        try (SharedParams shared = new SharedParams(layout, false, 2); Arena a = Arena.ofConfined()) {
            Optimizer t1 = Optimizer.forThread(hp(Hyperparameters.OptimizerKind.MOMENTUM), shared, 0);
            t1.apply(k, shared.theta(), grad(a, 2f), 4, 0.1f);
            assertEquals(-0.1f * 0.5f * 2f, shared.theta().getAtIndex(JAVA_FLOAT, 0), 1e-6f, "θ −= lr·(1−α)·dθ");
            t1.apply(k, shared.theta(), grad(a, 2f), 4, 0.1f);
            // m = 0.5·1 + 0.5·2 = 1.5 → θ = −0.1 − 0.15
            assertEquals(-0.25f, shared.theta().getAtIndex(JAVA_FLOAT, 0), 1e-6f);
            assertEquals(0f, shared.g().getAtIndex(JAVA_FLOAT, 0));
            Optimizer t2 = Optimizer.forThread(hp(Hyperparameters.OptimizerKind.MOMENTUM), shared, 1);
            t2.apply(k, shared.theta(), grad(a, 2f), 4, 0.1f);
            assertNotEquals(-0.4f, shared.theta().getAtIndex(JAVA_FLOAT, 0), "thread 2 starts from m = 0");
            assertEquals(-0.35f, shared.theta().getAtIndex(JAVA_FLOAT, 0), 1e-6f);
        }
    }

    /** n floats of a layout whose padding (to 16 floats) and slack past n must stay untouched. */
    private static Layout layoutOf(long n) {
        return Layout.builder().add("w", n + 40).build();
    }

    private static void fill(MemorySegment s, long n, long seed, double lo, double hi) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) s.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(lo, hi));
    }

    private static float[] floats(MemorySegment s) {
        return s.toArray(JAVA_FLOAT);
    }

    @Test
    void aShardedUpdateEqualsOneWholeCall() {
        int shard = Optimizer.SHARD_FLOATS;
        long[] sizes = {1, 17, 100, shard - 1, shard, shard + 1, 3L * shard + 17, 132_695};
        int[][] threadOf = {{0, 1}, {1, 2}, {3, 4}, {6, 7}};
        for (Hyperparameters.OptimizerKind kind : Hyperparameters.OptimizerKind.values()) {
            Hyperparameters hp = hp(kind);
            for (long n : sizes) {
                for (int[] to : threadOf) {
                    Layout l = layoutOf(n);
                    try (SharedParams sharded = new SharedParams(l, false, to[1]); SharedParams whole = new SharedParams(l, false, to[1]);
                         Arena a = Arena.ofConfined()) {
                        MemorySegment[] dThetas = {a.allocate(l.byteSize(), 64), a.allocate(l.byteSize(), 64)};
                        fill(dThetas[0], l.size(), 3, -1, 1);
                        fill(dThetas[1], l.size(), 4, -1, 1);
                        MemorySegment wholeState = kind == Hyperparameters.OptimizerKind.SHARED_RMSPROP ? whole.g() : whole.optimizerState(to[0]);
                        MemorySegment shardedState = kind == Hyperparameters.OptimizerKind.SHARED_RMSPROP ? sharded.g() : sharded.optimizerState(to[0]);
                        for (SharedParams p : new SharedParams[] {sharded, whole}) {
                            fill(p.theta(), l.size(), 1, -0.1, 0.1);
                            fill(kind == Hyperparameters.OptimizerKind.SHARED_RMSPROP ? p.g() : p.optimizerState(to[0]), l.size(), 2, 0, 1e-2);
                        }
                        float before = whole.theta().getAtIndex(JAVA_FLOAT, n - 1);
                        Optimizer o = Optimizer.forThread(hp, sharded, to[0], to[1], null);
                        String what = kind + ", n=" + n + ", thread " + to[0] + " of " + to[1];
                        for (int call = 0; call < 3; call++) {   // another dθ, then the same again: shards cut anew, then reused
                            MemorySegment dTheta = dThetas[Math.min(call, 1)];
                            o.apply(k, sharded.theta(), dTheta, n, 0.01f);
                            if (kind == Hyperparameters.OptimizerKind.MOMENTUM) {
                                k.momentumSgd(whole.theta(), wholeState, dTheta, n, 0.01f, (float) hp.momentum());
                            } else {
                                k.sharedRmsprop(whole.theta(), wholeState, dTheta, n, 0.01f, (float) hp.rmsAlpha(), (float) hp.rmsEps());
                            }
                            assertArrayEquals(floats(whole.theta()), floats(sharded.theta()), "θ: " + what);
                            assertArrayEquals(floats(wholeState), floats(shardedState), "statistics: " + what);
                        }
                        assertNotEquals(before, whole.theta().getAtIndex(JAVA_FLOAT, n - 1), "the last float moves: " + what);
                    }
                }
            }
        }
    }

    @Test
    void threadsStartOnDifferentShards() {
        long n = 132_695;   // the MinAtar network
        assertEquals(33, Optimizer.shards(n));
        Set<Integer> starts = new HashSet<>();
        for (int i = 0; i < 16; i++) starts.add(Optimizer.firstShard(n, i, 16));
        assertEquals(16, starts.size(), "16 threads, 16 different first shards: " + starts);
        assertEquals(0, Optimizer.firstShard(n, 0, 2));
        assertEquals(16, Optimizer.firstShard(n, 1, 2), "halfway round");
        assertEquals(0, Optimizer.firstShard(100, 1, 2), "one shard: every thread starts on it");
        assertEquals(1, Optimizer.shards(0));
    }

    @Test
    void aBadSizeIsTheKernelsErrorAndAWrongThreadIsRefused() {
        try (SharedParams shared = new SharedParams(layout); Arena a = Arena.ofConfined()) {
            Optimizer o = Optimizer.forThread(hp(Hyperparameters.OptimizerKind.SHARED_RMSPROP), shared, 0);
            assertThrows(KernelException.class, () -> o.apply(k, shared.theta(), grad(a, 1f), 17, 0.1f), "θ holds 16 floats");
            assertThrows(IllegalArgumentException.class,
                    () -> Optimizer.forThread(hp(Hyperparameters.OptimizerKind.SHARED_RMSPROP), shared, 2, 2, null));
        }
    }

    @Test
    void updatesCountTheSharedBytesTheyWrite() {
        Layout l = layoutOf(10_000);
        long n = l.size();
        for (Hyperparameters.OptimizerKind kind : Hyperparameters.OptimizerKind.values()) {
            try (SharedParams shared = new SharedParams(l, false, 2); Arena a = Arena.ofConfined()) {
                TrainingContext ctx = new TrainingContext(k, shared, 2, 1000, Double.NaN, 1000, null);
                Optimizer t0 = Optimizer.forThread(hp(kind), ctx, 0), t1 = Optimizer.forThread(hp(kind), ctx, 1);
                MemorySegment dTheta = a.allocate(l.byteSize(), 64);
                t0.apply(k, shared.theta(), dTheta, n, 0.1f);
                t1.apply(k, shared.theta(), dTheta, n, 0.1f);
                t1.apply(k, shared.theta(), dTheta, n, 0.1f);
                long perUpdate = kind == Hyperparameters.OptimizerKind.SHARED_RMSPROP ? 8 * n : 4 * n;  // θ and the shared g, or θ
                assertEquals(3 * perUpdate, ctx.sharedBytesWritten(), kind.toString());
                ctx.countSharedWrite(4 * n);   // θ⁻ ← θ
                assertEquals(3 * perUpdate + 4 * n, ctx.sharedBytesWritten(), kind.toString());
            }
        }
    }

    @Test
    void theShardedUpdateDoesNotAllocate() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Layout l = layoutOf(3L * Optimizer.SHARD_FLOATS + 17);
        try (SharedParams shared = new SharedParams(l, false, 0); Arena a = Arena.ofConfined()) {
            TrainingContext ctx = new TrainingContext(k, shared, 4, 1000, Double.NaN, 1000, null);
            Optimizer o = Optimizer.forThread(hp(Hyperparameters.OptimizerKind.SHARED_RMSPROP), ctx, 3);
            MemorySegment dTheta = a.allocate(l.byteSize(), 64);
            for (int i = 0; i < 2_000; i++) o.apply(k, shared.theta(), dTheta, l.size(), 0f);   // warm up
            long thread = Thread.currentThread().threadId(), before = mx.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 2_000; i++) o.apply(k, shared.theta(), dTheta, l.size(), 0f);
            long bytes = mx.getThreadAllocatedBytes(thread) - before;
            assertTrue(bytes < 4096, bytes + " bytes over 2,000 updates");
        }
    }
}
