package dev.asyncrl.cli;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.algo.Report;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.run.Progress;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainConfig;
import dev.asyncrl.run.Trainer;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A failure of the watcher thread while the workers still run (here a Progress that throws; in
 * life a metrics row or a checkpoint that cannot be written) reaches the caller as that one cause:
 * the workers are stopped and joined before the shared arena closes, so closing it does not fail
 * with "Session is acquired" on top.
 */
class TrainerFailureTest {

    @TempDir
    Path tmp;

    /** libc's poll(fds, 0, ms): a native call that only waits, so it holds its pointer argument's arena for ms. */
    private static final MethodHandle POLL = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("poll").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));

    @Test
    void watcherFailureIsTheOneCauseWhileAWorkerHoldsTheSharedArena() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        AtomicBoolean held = new AtomicBoolean();
        Kernel java = new JavaKernel();
        // The JavaKernel, except that one worker's first θ' ← θ also spends 2 s in a native call
        // given θ, as a native kernel's long call would: θ's shared arena is acquired meanwhile.
        Kernel kernel = (Kernel) Proxy.newProxyInstance(Kernel.class.getClassLoader(), new Class<?>[] {Kernel.class}, (p, m, args) -> {
            if (m.getName().equals("copy") && Thread.currentThread().getName().startsWith("actor-learner")
                    && held.compareAndSet(false, true)) {
                holding.countDown();
                int unused = (int) POLL.invokeExact((MemorySegment) args[1], 0L, 2000);
            }
            try {
                return m.invoke(java, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        RuntimeException boom = new RuntimeException("the watcher failed");
        Progress failing = new Progress() {
            public void start(long totalSteps) {}

            public void update(Report r) {}

            public void finish() {}

            @Override
            public String stopReason() {
                try {
                    holding.await(30, TimeUnit.SECONDS);
                    Thread.sleep(100);  // the worker is inside poll by now
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw boom;
            }
        };
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs("--threads", "2", "--steps", "1000000", "--kernel", "java", "--progress", "none",
                "--out", tmp.resolve("run").toString());
        TrainConfig cfg = cmd.resolve();
        RuntimeException thrown;
        try (RunDirectory dir = RunDirectory.create(cfg.out())) {
            thrown = assertThrows(RuntimeException.class, () -> Trainer.train(cfg, kernel, dir, failing));
        }
        assertTrue(held.get(), "a worker held θ's arena");
        assertSame(boom, thrown);
        assertEquals(List.of(), List.of(thrown.getSuppressed()), "closing the shared arena added nothing");
    }
}
