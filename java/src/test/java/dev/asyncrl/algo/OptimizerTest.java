package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Where each of the paper's three optimizers keeps its state: Shared RMSProp in the shared g that
 * every thread updates, RMSProp in a g of the thread's own, momentum SGD in an m of the thread's
 * own; and that each applies its own formula to the shared θ.
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
}
