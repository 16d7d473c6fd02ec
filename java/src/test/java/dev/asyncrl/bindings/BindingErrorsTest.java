/*
 * Protects "a wrong call fails the same way through every binding": a bad size is the same
 * KernelException as FfmKernel's, raised in Java before the native call (the message is the
 * Java check's, and nothing around the outputs is written, even where the kernel itself could
 * not have noticed); a non-OK status from the kernel is the same KernelException (operation,
 * status, message) as FfmKernel's; a closed kernel or a freed segment is an
 * IllegalStateException; and two libraries stay bound at once.
 */
package dev.asyncrl.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelException;
import dev.asyncrl.kernel.Status;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BindingErrorsTest {

    /** NaN bits no kernel writes: every float of the guarded buffer starts as this. */
    private static final int SENTINEL = 0x7fc0_beef;
    /** Floats of guard after the last segment a call gets. */
    private static final int GUARD = 64;

    /**
     * Segments cut one after another from one buffer filled with SENTINEL: a kernel that writes
     * past a segment that is too small writes into the next one or into the guard at the end.
     */
    static final class Guarded {
        private final MemorySegment buffer;
        private long next;

        Guarded(Arena arena, int floats) {
            buffer = arena.allocate(ValueLayout.JAVA_FLOAT, floats + GUARD);
            for (long j = 0; j < floats + GUARD; j++) buffer.setAtIndex(ValueLayout.JAVA_INT, j, SENTINEL);
        }

        MemorySegment f(int n) {
            MemorySegment s = buffer.asSlice(next * 4, n * 4L);
            next += n;
            return s;
        }

        /** n int32 actions, all 0 (a valid action whatever A is). */
        MemorySegment a(int n) {
            MemorySegment s = f(n);
            for (long j = 0; j < n; j++) s.setAtIndex(ValueLayout.JAVA_INT, j, 0);
            return s;
        }

        boolean untouched() {
            for (long j = next; j < buffer.byteSize() / 4; j++) {
                if (buffer.getAtIndex(ValueLayout.JAVA_INT, j) != SENTINEL) return false;
            }
            return true;
        }

        /** True if both buffers hold the same bits (the same writes happened to both). */
        boolean sameAs(Guarded other) {
            return buffer.mismatch(other.buffer) == -1;
        }
    }

    @FunctionalInterface
    interface BadCall {
        void run(Kernel k, Guarded g);
    }

    record Bad(String label, String op, Status status, BadCall call) {
        @Override
        public String toString() {
            return label;
        }
    }

    /**
     * One bad call per contract function. Most are a segment one element short, which no kernel
     * can see: only the Java check stands between it and a write out of bounds.
     */
    static List<Bad> badSizes() {
        return List.of(
                new Bad("y one short", "dense_forward", Status.BAD_SIZE,
                        (k, g) -> k.denseForward(g.f(5), g.f(6), g.f(6), g.f(3), 2, 3, 3)),
                new Bad("dw one short", "dense_backward", Status.BAD_SIZE,
                        (k, g) -> k.denseBackward(g.f(6), g.f(8), g.f(3), g.f(6), g.f(6), g.f(9), 2, 3, 3)),
                new Bad("relu y one short", "relu_forward", Status.BAD_SIZE,
                        (k, g) -> k.reluForward(g.f(3), g.f(4), 4)),
                new Bad("relu dx one short", "relu_backward", Status.BAD_SIZE,
                        (k, g) -> k.reluBackward(g.f(3), g.f(4), g.f(4), 4)),
                new Bad("tanh y one short", "tanh_forward", Status.BAD_SIZE,
                        (k, g) -> k.tanhForward(g.f(3), g.f(4), 4)),
                new Bad("tanh_backward negative N", "tanh_backward", Status.BAD_SIZE,
                        (k, g) -> k.tanhBackward(g.f(4), g.f(4), g.f(4), -1)),
                // B=1, C=1, H=W=4, F=2, K=3, S=1: Ho=Wo=2, y needs 8
                new Bad("conv y one short", "conv2d_forward", Status.BAD_SIZE,
                        (k, g) -> k.conv2dForward(g.f(7), g.f(16), g.f(18), g.f(2), 1, 1, 4, 4, 2, 3, 1)),
                new Bad("conv K larger than H", "conv2d_backward", Status.BAD_SIZE,
                        (k, g) -> k.conv2dBackward(g.f(16), g.f(50), g.f(2), g.f(8), g.f(16), g.f(50), 1, 1, 4, 4, 2, 5, 1)),
                // B=1, I=2, H=2: gates (B,4H) needs 8
                new Bad("lstm gates one short", "lstm_cell_forward", Status.BAD_SIZE,
                        (k, g) -> k.lstmCellForward(g.f(2), g.f(2), g.f(7), g.f(2), g.f(2), g.f(2), g.f(16), g.f(16),
                                g.f(8), 1, 2, 2)),
                new Bad("lstm dw_hh one short", "lstm_cell_backward", Status.BAD_SIZE,
                        (k, g) -> k.lstmCellBackward(g.f(2), g.f(2), g.f(2), g.f(16), g.f(15), g.f(8), g.f(2), g.f(2),
                                g.f(2), g.f(2), g.f(2), g.f(2), g.f(8), g.f(16), g.f(16), 1, 2, 2)),
                new Bad("a3c stats one short", "a3c_loss_backward", Status.BAD_SIZE,
                        (k, g) -> k.a3cLossBackward(g.f(6), g.f(2), g.f(2), g.f(6), g.f(2), g.a(2), g.f(2), 2, 3,
                                0.01f, 0.5f)),
                new Bad("gaussian dmu one short", "gaussian_loss_backward", Status.BAD_SIZE,
                        (k, g) -> k.gaussianLossBackward(g.f(3), g.f(2), g.f(2), g.f(3), g.f(4), g.f(2), g.f(2), g.f(4),
                                g.f(2), 2, 2, 0.01f, 0.5f)),
                new Bad("q dq one short", "q_loss_backward", Status.BAD_SIZE,
                        (k, g) -> k.qLossBackward(g.f(5), g.f(1), g.f(6), g.a(2), g.f(2), 2, 3, 0.5f)),
                new Bad("norm_out empty", "clip_grad_norm", Status.BAD_SIZE,
                        (k, g) -> k.clipGradNorm(g.f(4), g.f(0), 4, 1f)),
                new Bad("g one short", "shared_rmsprop", Status.BAD_SIZE,
                        (k, g) -> k.sharedRmsprop(g.f(10), g.f(9), g.f(10), 10, 0.1f, 0.9f, 0.1f)),
                new Bad("m one short", "momentum_sgd", Status.BAD_SIZE,
                        (k, g) -> k.momentumSgd(g.f(10), g.f(9), g.f(10), 10, 0.1f, 0.9f)),
                new Bad("dst one short", "copy", Status.BAD_SIZE,
                        (k, g) -> k.copy(g.f(7), g.f(8), 8)));
    }

    static Stream<Arguments> bindingsAndBadSizes() {
        return Bindings.OTHERS.stream().flatMap(b -> badSizes().stream().map(c -> Arguments.of(b, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bindingsAndBadSizes")
    void badSizeIsFfmsExceptionBeforeTheCall(String binding, Bad c) {
        try (Arena arena = Arena.ofConfined();
             Kernel ffm = Bindings.open("ffm", "reference");
             Kernel other = Bindings.open(binding, "reference")) {
            Guarded forFfm = new Guarded(arena, 256);
            KernelException expected = assertThrows(KernelException.class, () -> c.call().run(ffm, forFfm));
            Guarded g = new Guarded(arena, 256);
            KernelException e = assertThrows(KernelException.class, () -> c.call().run(other, g));
            assertEquals(c.op(), e.operation());
            assertEquals(c.status(), e.status());
            assertEquals(expected.getMessage(), e.getMessage());
            // the Java check's words, not a status the kernel returned
            assertFalse(e.getMessage().contains("returned status"), e.getMessage());
            assertTrue(g.untouched(), c + ": something was written");
        }
    }

    /**
     * Calls that pass the Java checks or are made without them (reopenUnchecked), which the
     * kernel itself refuses with a status: each code of the contract once.
     */
    static List<Bad> refusedByTheKernel() {
        return List.of(
                new Bad("NaN in grad", "clip_grad_norm", Status.NON_FINITE, (k, g) -> {
                    MemorySegment grad = g.f(4);
                    grad.fill((byte) 0);
                    grad.setAtIndex(ValueLayout.JAVA_FLOAT, 2, Float.NaN);
                    k.clipGradNorm(grad, g.f(1), 4, 1f);
                }),
                new Bad("unchecked: negative batch", "dense_forward", Status.BAD_SIZE,
                        (k, g) -> k.denseForward(g.f(6), g.f(6), g.f(9), g.f(3), -2, 3, 3)),
                new Bad("unchecked: zero action count", "q_loss_backward", Status.BAD_SIZE,
                        (k, g) -> k.qLossBackward(g.f(6), g.f(1), g.f(6), g.a(2), g.f(2), 2, 0, 0.5f)),
                new Bad("unchecked: action out of range", "a3c_loss_backward", Status.BAD_ARGUMENT, (k, g) -> {
                    MemorySegment actions = g.a(2);
                    actions.setAtIndex(ValueLayout.JAVA_INT, 1, 3);
                    k.a3cLossBackward(g.f(6), g.f(2), g.f(3), g.f(6), g.f(2), actions, g.f(2), 2, 3, 0.01f, 0.5f);
                }),
                new Bad("unchecked: negative lr", "shared_rmsprop", Status.BAD_ARGUMENT,
                        (k, g) -> k.sharedRmsprop(g.f(4), g.f(4), g.f(4), 4, -0.1f, 0.9f, 0.1f)),
                new Bad("unchecked: NULL src", "copy", Status.NULL_POINTER,
                        (k, g) -> k.copy(g.f(4), MemorySegment.NULL, 4)));
    }

    static Stream<Arguments> bindingsAndRefusals() {
        return Bindings.OTHERS.stream().flatMap(b -> refusedByTheKernel().stream().map(c -> Arguments.of(b, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bindingsAndRefusals")
    void nonOkStatusIsFfmsException(String binding, Bad c) {
        boolean unchecked = c.label().startsWith("unchecked");
        try (Arena arena = Arena.ofConfined();
             Kernel ffm = unchecked ? Bindings.openUnchecked("ffm", "reference") : Bindings.open("ffm", "reference");
             Kernel other = unchecked ? Bindings.openUnchecked(binding, "reference") : Bindings.open(binding, "reference")) {
            Guarded forFfm = new Guarded(arena, 64);
            KernelException expected = assertThrows(KernelException.class, () -> c.call().run(ffm, forFfm));
            Guarded g = new Guarded(arena, 64);
            KernelException e = assertThrows(KernelException.class, () -> c.call().run(other, g));
            assertEquals(c.op(), e.operation());
            assertEquals(c.status(), e.status());
            assertEquals(expected.getMessage(), e.getMessage());
            assertTrue(e.getMessage().contains("kernel 'reference' returned status " + c.status().code), e.getMessage());
            // the call's own input writes in both, and no output written by either kernel
            assertTrue(g.sameAs(forFfm), c + ": memory differs from FFM's after the refused call");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("others")
    void closedKernelAndFreedSegmentsFailCleanly(String binding) {
        Kernel k = Bindings.open(binding, "reference");
        MemorySegment src, dst;
        try (Arena arena = Arena.ofConfined()) {
            src = arena.allocate(ValueLayout.JAVA_FLOAT, 4);
            dst = arena.allocate(ValueLayout.JAVA_FLOAT, 4);
            k.copy(dst, src, 4);
        }
        assertThrows(IllegalStateException.class, () -> k.copy(dst, src, 4));
        k.close();
        k.close();  // twice is fine
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(ValueLayout.JAVA_FLOAT, 4);
            assertThrows(IllegalStateException.class, () -> k.copy(s, s, 4));
        }
    }

    static Stream<String> others() {
        return Bindings.OTHERS.stream();
    }

    /**
     * Every library open at once through one binding: each call reaches its own library. A
     * 256-long dot product rounds differently in the reference loop and in sgemm, so a binding
     * that called the wrong library would not give its FFM twin's bits.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("others")
    void severalLibrariesAtOnce(String binding) {
        List<String> libs = Bindings.libraries();
        List<Kernel> kernels = libs.stream().map(lib -> Bindings.open(binding, lib)).toList();
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        float[] x = new float[4 * 256], w = new float[8 * 256], b = new float[8];
        for (float[] a : List.of(x, w, b)) for (int j = 0; j < a.length; j++) a[j] = (float) r.nextDouble(-1, 1);
        try (Arena arena = Arena.ofConfined()) {
            List<MemorySegment> fromFfm = new java.util.ArrayList<>();
            for (int j = 0; j < libs.size(); j++) {
                MemorySegment expected = Bindings.segment(arena, new float[32]);
                try (Kernel ffm = Bindings.open("ffm", libs.get(j))) {
                    assertEquals(ffm.name(), kernels.get(j).name());
                    ffm.denseForward(expected, Bindings.segment(arena, x), Bindings.segment(arena, w),
                            Bindings.segment(arena, b), 4, 256, 8);
                }
                MemorySegment y = Bindings.segment(arena, new float[32]);
                kernels.get(j).denseForward(y, Bindings.segment(arena, x), Bindings.segment(arena, w),
                        Bindings.segment(arena, b), 4, 256, 8);
                assertEquals(-1, y.mismatch(expected), libs.get(j) + " through " + binding);
                fromFfm.add(expected);
            }
            if (libs.contains("blas")) {
                MemorySegment ref = fromFfm.get(libs.indexOf("reference")), blas = fromFfm.get(libs.indexOf("blas"));
                assertNotEquals(-1, ref.mismatch(blas), "precondition: reference and blas round differently here");
            }
        } finally {
            kernels.forEach(Kernel::close);
        }
    }
}
