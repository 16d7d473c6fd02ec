package dev.asyncrl.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the workers write into the context: T, the stop signal and the shared-memory bytes written,
 * each thread into its own counter plus the rare writes counted through one adder; exact once the
 * threads have joined.
 */
class TrainingContextTest {
    private final Layout layout = Layout.builder().add("w", 4).build();

    @Test
    void sharedWritesAddUpOverThreads() throws Exception {
        try (SharedParams shared = new SharedParams(layout)) {
            TrainingContext ctx = new TrainingContext(new JavaKernel(), shared, 4, 1000, Double.NaN, 1000, null);
            assertEquals(4, ctx.threads());
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int bytes = t + 1;
                threads.add(Thread.ofPlatform().start(() -> {
                    TrainingContext.WriteCounter c = ctx.sharedWriteCounter();
                    for (int i = 0; i < 100_000; i++) {
                        c.add(bytes);
                        if (i % 1000 == 0) ctx.countSharedWrite(7);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            assertEquals(100_000L * (1 + 2 + 3 + 4) + 4 * 100 * 7, ctx.sharedBytesWritten());
        }
    }

    @Test
    void stepsAndTheStopSignal() throws Exception {
        try (SharedParams shared = new SharedParams(layout)) {
            TrainingContext ctx = new TrainingContext(new JavaKernel(), shared, 2, 100, Double.NaN, 1000, null);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) threads.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 10_000; i++) ctx.addSteps(5);
            }));
            for (Thread t : threads) t.join();
            assertEquals(100_000, ctx.globalSteps());
            assertTrue(ctx.shouldStop());
            assertEquals("step budget reached", ctx.stopReason());

            TrainingContext other = new TrainingContext(new JavaKernel(), shared, 1, 100, Double.NaN, 1000, null);
            assertFalse(other.shouldStop());
            other.requestStop("first");
            other.requestStop("second");
            assertTrue(other.shouldStop());
            assertEquals("first", other.stopReason());
            assertThrows(IllegalArgumentException.class, () -> new TrainingContext(new JavaKernel(), shared, 0, 100, Double.NaN, 1000, null));
        }
    }
}
