/*
 * Protects "a wrong call is a Java exception, never a native crash": in both kernels, a bad shape
 * or value (segment too small, negative or zero size, size overflow, NULL or heap segment,
 * read-only output, action out of range, bad coefficient, freed memory) is an exception (a
 * KernelException naming the operation, the tensor and the status; IllegalStateException for freed
 * memory), and a refused A3C call writes nothing. And the loader: a missing file, a file that is
 * not a shared library, a library without the contract, one of another contract version and an
 * unknown name each give a KernelLoadException whose message says which; a closed kernel fails
 * cleanly.
 */
package dev.asyncrl.kernel;

import static dev.asyncrl.kernel.KernelTestSupport.floats;
import static dev.asyncrl.kernel.KernelTestSupport.ints;
import static dev.asyncrl.kernel.KernelTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KernelErrorsTest {

    /** A call that must be refused; it gets a fresh confined arena for its segments. */
    @FunctionalInterface
    interface BadCall {
        void run(Kernel kernel, Arena arena);
    }

    private static Object[] row(String label, String op, Status status, String fragment, BadCall call) {
        return new Object[] {label, op, status, fragment, call};
    }

    private static MemorySegment zeros(Arena arena, int n) {
        return floats(arena, new float[n]);
    }

    @SuppressWarnings("restricted")  // MemorySegment.NULL.reinterpret, to make a sized NULL
    static Stream<Arguments> badCalls() {
        return KernelTestSupport.withKernels(
                // segment too small
                row("y one element short", "dense_forward", Status.BAD_SIZE, "y (B,O)",
                        (k, a) -> k.denseForward(zeros(a, 5), zeros(a, 6), zeros(a, 6), zeros(a, 3), 2, 3, 3)),
                row("w too small", "dense_backward", Status.BAD_SIZE, "w (O,I)",
                        (k, a) -> k.denseBackward(zeros(a, 6), zeros(a, 9), zeros(a, 3), zeros(a, 6), zeros(a, 6), zeros(a, 8), 2, 3, 3)),
                row("dx too small", "dense_backward", Status.BAD_SIZE, "dx (B,I)",
                        (k, a) -> k.denseBackward(zeros(a, 5), zeros(a, 9), zeros(a, 3), zeros(a, 6), zeros(a, 6), zeros(a, 9), 2, 3, 3)),
                row("relu y too small", "relu_forward", Status.BAD_SIZE, "y (N)",
                        (k, a) -> k.reluForward(zeros(a, 3), zeros(a, 4), 4)),
                row("tanh_backward y too small", "tanh_backward", Status.BAD_SIZE, "y (N)",
                        (k, a) -> k.tanhBackward(zeros(a, 4), zeros(a, 4), zeros(a, 2), 4)),
                row("actions too small", "a3c_loss_backward", Status.BAD_SIZE, "actions (B)",
                        (k, a) -> k.a3cLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                ints(a, 0), zeros(a, 2), 2, 3, 0.01f, 0.5f)),
                row("stats too small", "a3c_loss_backward", Status.BAD_SIZE, "stats (3)",
                        (k, a) -> k.a3cLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 6), zeros(a, 2),
                                ints(a, 0, 0), zeros(a, 2), 2, 3, 0.01f, 0.5f)),
                row("g too small", "shared_rmsprop", Status.BAD_SIZE, "g (N)",
                        (k, a) -> k.sharedRmsprop(zeros(a, 10), zeros(a, 9), zeros(a, 10), 10, 0.1f, 0.9f, 0.1f)),
                row("norm_out empty", "clip_grad_norm", Status.BAD_SIZE, "norm_out (1)",
                        (k, a) -> k.clipGradNorm(zeros(a, 4), a.allocate(0), 4, 1f)),
                row("copy src too small", "copy", Status.BAD_SIZE, "src (N)",
                        (k, a) -> k.copy(zeros(a, 8), zeros(a, 7), 8)),
                // negative, zero and overflowing sizes
                row("negative batch", "dense_forward", Status.BAD_SIZE, "batch B",
                        (k, a) -> k.denseForward(zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4), -1, 2, 2)),
                row("zero input size", "dense_backward", Status.BAD_SIZE, "input size I",
                        (k, a) -> k.denseBackward(zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4), 1, 0, 2)),
                row("negative output size", "dense_forward", Status.BAD_SIZE, "output size O",
                        (k, a) -> k.denseForward(zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4), 1, 2, -2)),
                row("negative N", "relu_backward", Status.BAD_SIZE, "element count N",
                        (k, a) -> k.reluBackward(zeros(a, 4), zeros(a, 4), zeros(a, 4), -1)),
                row("negative N", "copy", Status.BAD_SIZE, "element count N",
                        (k, a) -> k.copy(zeros(a, 4), zeros(a, 4), Long.MIN_VALUE)),
                row("zero actions", "a3c_loss_backward", Status.BAD_SIZE, "action count A",
                        (k, a) -> k.a3cLossBackward(zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4),
                                ints(a, 0), zeros(a, 4), 1, 0, 0.01f, 0.5f)),
                row("negative batch", "a3c_loss_backward", Status.BAD_SIZE, "batch B",
                        (k, a) -> k.a3cLossBackward(zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4),
                                ints(a, 0), zeros(a, 4), -3, 2, 0.01f, 0.5f)),
                row("B x O overflows", "dense_forward", Status.BAD_SIZE, "overflows",
                        (k, a) -> k.denseForward(zeros(a, 4), zeros(a, 4), zeros(a, 4), zeros(a, 4), Long.MAX_VALUE / 2, 3, 3)),
                row("N x 4 bytes overflows", "tanh_forward", Status.BAD_SIZE, "the call needs",
                        (k, a) -> k.tanhForward(zeros(a, 4), zeros(a, 4), Long.MAX_VALUE / 2)),
                // NULL segments
                row("x NULL", "dense_forward", Status.NULL_POINTER, "x (B,I) is NULL",
                        (k, a) -> k.denseForward(zeros(a, 4), MemorySegment.NULL, zeros(a, 4), zeros(a, 2), 2, 2, 2)),
                row("dw NULL (only dx is optional)", "dense_backward", Status.NULL_POINTER, "dw (O,I) is NULL",
                        (k, a) -> k.denseBackward(zeros(a, 4), MemorySegment.NULL, zeros(a, 2), zeros(a, 4), zeros(a, 4), zeros(a, 4), 2, 2, 2)),
                row("b Java null", "dense_forward", Status.NULL_POINTER, "b (O) is NULL",
                        (k, a) -> k.denseForward(zeros(a, 4), zeros(a, 4), zeros(a, 4), null, 2, 2, 2)),
                row("y Java null", "tanh_backward", Status.NULL_POINTER, "y (N) is NULL",
                        (k, a) -> k.tanhBackward(zeros(a, 2), zeros(a, 2), null, 2)),
                row("address 0 with a size is still NULL", "copy", Status.NULL_POINTER, "src (N) is NULL",
                        (k, a) -> k.copy(zeros(a, 2), MemorySegment.NULL.reinterpret(64), 2)),
                row("returns NULL", "a3c_loss_backward", Status.NULL_POINTER, "returns (B) is NULL",
                        (k, a) -> k.a3cLossBackward(zeros(a, 2), zeros(a, 1), zeros(a, 3), zeros(a, 2), zeros(a, 1),
                                ints(a, 0), MemorySegment.NULL, 1, 2, 0.01f, 0.5f)),
                row("theta NULL", "shared_rmsprop", Status.NULL_POINTER, "theta (N) is NULL",
                        (k, a) -> k.sharedRmsprop(MemorySegment.NULL, zeros(a, 2), zeros(a, 2), 2, 0.1f, 0.9f, 0.1f)),
                row("grad NULL", "clip_grad_norm", Status.NULL_POINTER, "grad (N) is NULL",
                        (k, a) -> k.clipGradNorm(MemorySegment.NULL, zeros(a, 1), 0, 1f)),
                row("NULL with a negative size too: pointers are checked first", "relu_forward", Status.NULL_POINTER, "x (N) is NULL",
                        (k, a) -> k.reluForward(zeros(a, 1), MemorySegment.NULL, -1)),
                // heap segments
                row("heap x", "dense_forward", Status.BAD_ARGUMENT, "heap",
                        (k, a) -> k.denseForward(zeros(a, 4), MemorySegment.ofArray(new float[4]), zeros(a, 4), zeros(a, 2), 2, 2, 2)),
                row("heap dx", "dense_backward", Status.BAD_ARGUMENT, "heap",
                        (k, a) -> k.denseBackward(MemorySegment.ofArray(new float[4]), zeros(a, 4), zeros(a, 2), zeros(a, 4),
                                zeros(a, 4), zeros(a, 4), 2, 2, 2)),
                row("empty heap dx is not NULL", "dense_backward", Status.BAD_ARGUMENT, "heap",
                        (k, a) -> k.denseBackward(MemorySegment.ofArray(new float[0]), zeros(a, 4), zeros(a, 2), zeros(a, 4),
                                zeros(a, 4), zeros(a, 4), 2, 2, 2)),
                row("heap actions", "a3c_loss_backward", Status.BAD_ARGUMENT, "heap",
                        (k, a) -> k.a3cLossBackward(zeros(a, 2), zeros(a, 1), zeros(a, 3), zeros(a, 2), zeros(a, 1),
                                MemorySegment.ofArray(new int[1]), zeros(a, 1), 1, 2, 0.01f, 0.5f)),
                row("heap dst", "copy", Status.BAD_ARGUMENT, "heap",
                        (k, a) -> k.copy(MemorySegment.ofArray(new float[3]), zeros(a, 3), 3)),
                // read-only outputs: a native kernel would write through them
                row("read-only y", "dense_forward", Status.BAD_ARGUMENT, "y (B,O) is read-only",
                        (k, a) -> k.denseForward(zeros(a, 4).asReadOnly(), zeros(a, 4), zeros(a, 4), zeros(a, 2), 2, 2, 2)),
                row("read-only dst", "copy", Status.BAD_ARGUMENT, "dst (N) is read-only",
                        (k, a) -> k.copy(zeros(a, 3).asReadOnly(), zeros(a, 3), 3)),
                row("read-only theta", "shared_rmsprop", Status.BAD_ARGUMENT, "theta (N) is read-only",
                        (k, a) -> k.sharedRmsprop(zeros(a, 2).asReadOnly(), zeros(a, 2), zeros(a, 2), 2, 0.1f, 0.9f, 0.1f)),
                // actions out of range
                row("action = A", "a3c_loss_backward", Status.BAD_ARGUMENT, "action 3 at row 1",
                        (k, a) -> k.a3cLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                ints(a, 0, 3), zeros(a, 2), 2, 3, 0.01f, 0.5f)),
                row("action -1", "a3c_loss_backward", Status.BAD_ARGUMENT, "action -1 at row 0",
                        (k, a) -> k.a3cLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                ints(a, -1, 0), zeros(a, 2), 2, 3, 0.01f, 0.5f)),
                row("action MIN_VALUE", "a3c_loss_backward", Status.BAD_ARGUMENT, "outside [0, 3)",
                        (k, a) -> k.a3cLossBackward(zeros(a, 3), zeros(a, 1), zeros(a, 3), zeros(a, 3), zeros(a, 1),
                                ints(a, Integer.MIN_VALUE), zeros(a, 1), 1, 3, 0.01f, 0.5f)),
                // coefficients outside their domain
                row("negative entropy_beta", "a3c_loss_backward", Status.BAD_ARGUMENT, "entropy_beta",
                        (k, a) -> k.a3cLossBackward(zeros(a, 2), zeros(a, 1), zeros(a, 3), zeros(a, 2), zeros(a, 1),
                                ints(a, 0), zeros(a, 1), 1, 2, -0.01f, 0.5f)),
                row("negative value_coef", "a3c_loss_backward", Status.BAD_ARGUMENT, "value_coef",
                        (k, a) -> k.a3cLossBackward(zeros(a, 2), zeros(a, 1), zeros(a, 3), zeros(a, 2), zeros(a, 1),
                                ints(a, 0), zeros(a, 1), 1, 2, 0.01f, -0.5f)),
                row("infinite entropy_beta", "a3c_loss_backward", Status.BAD_ARGUMENT, "entropy_beta",
                        (k, a) -> k.a3cLossBackward(zeros(a, 2), zeros(a, 1), zeros(a, 3), zeros(a, 2), zeros(a, 1),
                                ints(a, 0), zeros(a, 1), 1, 2, Float.POSITIVE_INFINITY, 0.5f)),
                row("negative lr", "shared_rmsprop", Status.BAD_ARGUMENT, "lr",
                        (k, a) -> k.sharedRmsprop(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, -0.1f, 0.9f, 0.1f)),
                row("alpha above 1", "shared_rmsprop", Status.BAD_ARGUMENT, "alpha",
                        (k, a) -> k.sharedRmsprop(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, 0.1f, 1.5f, 0.1f)),
                row("NaN eps", "shared_rmsprop", Status.BAD_ARGUMENT, "eps",
                        (k, a) -> k.sharedRmsprop(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, 0.1f, 0.9f, Float.NaN)),
                row("NaN max_norm", "clip_grad_norm", Status.BAD_ARGUMENT, "max_norm",
                        (k, a) -> k.clipGradNorm(zeros(a, 2), zeros(a, 1), 2, Float.NaN)));
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource("badCalls")
    void badCallIsAKernelExceptionNamingTheOperation(Kernel kernel, String label, String op, Status status,
                                                      String fragment, BadCall call) {
        try (Arena arena = Arena.ofConfined()) {
            KernelException e = assertThrows(KernelException.class, () -> call.run(kernel, arena), label);
            assertEquals(op, e.operation(), e.getMessage());
            assertEquals(status, e.status(), e.getMessage());
            assertTrue(e.getMessage().startsWith(op + ": "), "message names the operation: " + e.getMessage());
            assertTrue(e.getMessage().contains(fragment), "message should mention '" + fragment + "': " + e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void aRefusedA3cCallWritesNothing(Kernel kernel) {
        // the bad action is in the last row: every row is checked before any output is written
        try (Arena arena = Arena.ofConfined()) {
            float[] sentinel = {42, 42, 42, 42, 42, 42};
            MemorySegment dLogits = floats(arena, sentinel), dValues = floats(arena, 42, 42, 42), stats = floats(arena, 42, 42, 42);
            assertThrows(KernelException.class, () -> kernel.a3cLossBackward(dLogits, dValues, stats,
                    floats(arena, 1, 2, 3, 4, 5, 6), floats(arena, 0, 0, 0), ints(arena, 0, 1, 2), floats(arena, 1, 1, 1),
                    3, 2, 0.01f, 0.5f));
            assertArrayEquals(sentinel, read(dLogits, 6));
            assertArrayEquals(new float[] {42, 42, 42}, read(dValues, 3));
            assertArrayEquals(new float[] {42, 42, 42}, read(stats, 3));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void segmentsOfAClosedArenaFailCleanly(Kernel kernel) {
        MemorySegment stale;
        try (Arena arena = Arena.ofConfined()) {
            stale = arena.allocate(Float.BYTES * 4);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment live = zeros(arena, 4);
            assertThrows(IllegalStateException.class, () -> kernel.copy(live, stale, 4));
            assertThrows(IllegalStateException.class, () -> kernel.reluForward(stale, live, 4));
        }
    }

    // ---- loading ---------------------------------------------------------------------------------

    private static String loadFailure(String spec) {
        KernelLoadException e = assertThrows(KernelLoadException.class, () -> KernelLibraries.load(spec).close(), spec);
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
        return e.getMessage();
    }

    private static void assertMentions(String message, String... fragments) {
        for (String f : fragments) assertTrue(message.contains(f), "expected '" + f + "' in: " + message);
    }

    @Test
    void aPathThatDoesNotExist(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-dir").resolve("libasyncrl_missing.so");
        assertMentions(loadFailure(missing.toString()), "not found", missing.toString());
    }

    @Test
    void aDirectoryIsNotALibrary(@TempDir Path dir) {
        assertMentions(loadFailure(dir + "/"), "not found", dir.toString());
    }

    @Test
    void aFileThatIsNotASharedLibrary(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("libasyncrl_text.so");
        Files.writeString(text, "this is a text file, not an ELF shared object\n");
        assertMentions(loadFailure(text.toString()), "not a shared library", text.toString());
    }

    @Test
    void aSharedLibraryWithoutTheContract() {
        Path libm = Path.of("/lib/x86_64-linux-gnu/libm.so.6");
        assumeTrue(Files.isRegularFile(libm), "no " + libm + " on this machine");
        assertMentions(loadFailure(libm.toString()), "not an asyncrl kernel", "asyncrl_kernel_version", libm.toString());
    }

    @Test
    void aLibraryMissingTheComputeFunctions() {
        Path incomplete = KernelLibraries.nativeDir().resolve("libasyncrl_test_incomplete.so");
        assertTrue(Files.isRegularFile(incomplete), "the build makes " + incomplete);
        String message = loadFailure(incomplete.toString());
        assertMentions(message, "not a complete asyncrl kernel", "missing", "asyncrl_dense_forward", "asyncrl_copy",
                "asyncrl_status_string");
        assertFalse(message.contains("asyncrl_kernel_name"), "asyncrl_kernel_name is present: " + message);
    }

    @Test
    void aLibraryOfAnotherContractVersion() {
        Path wrong = KernelLibraries.nativeDir().resolve("libasyncrl_test_wrong_version.so");
        assertTrue(Files.isRegularFile(wrong), "the build makes " + wrong);
        assertMentions(loadFailure(wrong.toString()), "version 99", "needs version " + Kernel.CONTRACT_VERSION);
        // by name too
        assertMentions(loadFailure("test_wrong_version"), "version 99");
    }

    @Test
    void anUnknownNameListsTheAvailableKernels() {
        String message = loadFailure("nosuchkernel");
        assertMentions(message, "unknown kernel 'nosuchkernel'", "reference");
        assertFalse(message.contains("test_"), "test-only libraries are not offered: " + message);
        assertMentions(loadFailure("Not A Name!"), "unknown kernel 'Not A Name!'", "reference");
        assertTrue(KernelLibraries.available().contains("reference"), "available: " + KernelLibraries.available());
    }

    @Test
    void theReferenceKernelLoadsByNameAndByPath() {
        try (Kernel byName = KernelLibraries.load("reference");
             Kernel byPath = KernelLibraries.load(KernelLibraries.nativeDir().resolve("libasyncrl_reference.so").toString())) {
            assertEquals("reference", byName.name());
            assertEquals("reference", byPath.name());
        }
    }

    @Test
    void aClosedKernelFailsWithAnExceptionNotACrash() {
        Kernel kernel = KernelLibraries.load("reference");
        kernel.close();
        kernel.close();  // twice is safe
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = zeros(arena, 4), b = zeros(arena, 4), one = zeros(arena, 1), three = zeros(arena, 3);
            Consumer<Runnable> fails = call -> assertThrows(IllegalStateException.class, call::run);
            fails.accept(() -> kernel.copy(a, b, 4));
            fails.accept(() -> kernel.denseForward(a, b, a, b, 2, 2, 2));
            fails.accept(() -> kernel.denseBackward(a, a, b, b, a, b, 2, 2, 2));
            fails.accept(() -> kernel.reluForward(a, b, 4));
            fails.accept(() -> kernel.reluBackward(a, b, a, 4));
            fails.accept(() -> kernel.tanhForward(a, b, 4));
            fails.accept(() -> kernel.tanhBackward(a, b, a, 4));
            fails.accept(() -> kernel.a3cLossBackward(one, one, three, one, one, ints(arena, 0), one, 1, 1, 0f, 0f));
            fails.accept(() -> kernel.clipGradNorm(a, one, 4, 1f));
            fails.accept(() -> kernel.sharedRmsprop(a, b, a, 4, 0.1f, 0.9f, 0.1f));
        }
        // and a fresh load still works
        try (Kernel again = KernelLibraries.load("reference"); Arena arena = Arena.ofConfined()) {
            MemorySegment dst = zeros(arena, 2);
            again.copy(dst, floats(arena, 3, 4), 2);
            assertArrayEquals(new float[] {3, 4}, read(dst, 2));
        }
    }
}
