/*
 * Protects "a wrong call is a Java exception, never a native crash": in both kernels, a bad shape
 * or value (segment too small, negative or zero size, size overflow, NULL or heap segment,
 * read-only output, action out of range, bad coefficient, freed memory) is an exception (a
 * KernelException naming the operation, the tensor and the status; IllegalStateException for freed
 * memory), and a refused A3C, Q-loss or momentum call writes nothing. And the loader: a missing file, a file that is
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

    /** q_loss_backward (contract version 2) with B = 2, A = 3 unless a row says otherwise. */
    private static void qLoss(Kernel k, MemorySegment dq, MemorySegment stats, MemorySegment q,
                              MemorySegment actions, MemorySegment targets, float coef) {
        k.qLossBackward(dq, stats, q, actions, targets, 2, 3, coef);
    }

    @SuppressWarnings("restricted")  // MemorySegment.NULL.reinterpret, to make a sized NULL
    static Stream<Arguments> badQLossCalls() {
        return KernelTestSupport.withKernels(
                // segment too small
                row("dq one element short", "q_loss_backward", Status.BAD_SIZE, "dq (B,A)",
                        (k, a) -> qLoss(k, zeros(a, 5), zeros(a, 1), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), 1f)),
                row("stats empty", "q_loss_backward", Status.BAD_SIZE, "stats (1)",
                        (k, a) -> qLoss(k, zeros(a, 6), a.allocate(0), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), 1f)),
                row("q too small", "q_loss_backward", Status.BAD_SIZE, "q (B,A)",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 3), ints(a, 0, 0), zeros(a, 2), 1f)),
                row("actions too small", "q_loss_backward", Status.BAD_SIZE, "actions (B)",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0), zeros(a, 2), 1f)),
                row("targets too small", "q_loss_backward", Status.BAD_SIZE, "targets (B)",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0, 0), zeros(a, 1), 1f)),
                // negative, zero and overflowing sizes
                row("negative batch", "q_loss_backward", Status.BAD_SIZE, "batch B",
                        (k, a) -> k.qLossBackward(zeros(a, 4), zeros(a, 1), zeros(a, 4), ints(a, 0), zeros(a, 4), -1, 2, 1f)),
                row("zero actions", "q_loss_backward", Status.BAD_SIZE, "action count A",
                        (k, a) -> k.qLossBackward(zeros(a, 4), zeros(a, 1), zeros(a, 4), ints(a, 0), zeros(a, 4), 1, 0, 1f)),
                row("B x A overflows", "q_loss_backward", Status.BAD_SIZE, "overflows",
                        (k, a) -> k.qLossBackward(zeros(a, 4), zeros(a, 1), zeros(a, 4), ints(a, 0), zeros(a, 4),
                                Long.MAX_VALUE / 2, 3, 1f)),
                row("sizes before values", "q_loss_backward", Status.BAD_SIZE, "batch B",
                        (k, a) -> k.qLossBackward(zeros(a, 4), zeros(a, 1), zeros(a, 4), ints(a, 7), zeros(a, 4), -1, 2, Float.NaN)),
                // NULL and heap segments
                row("dq NULL", "q_loss_backward", Status.NULL_POINTER, "dq (B,A) is NULL",
                        (k, a) -> qLoss(k, MemorySegment.NULL, zeros(a, 1), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), 1f)),
                row("targets Java null", "q_loss_backward", Status.NULL_POINTER, "targets (B) is NULL",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0, 0), null, 1f)),
                row("actions address 0 with a size", "q_loss_backward", Status.NULL_POINTER, "actions (B) is NULL",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), MemorySegment.NULL.reinterpret(64),
                                zeros(a, 2), 1f)),
                row("NULL q with a bad size and coef: pointers first", "q_loss_backward", Status.NULL_POINTER, "q (B,A) is NULL",
                        (k, a) -> k.qLossBackward(zeros(a, 4), zeros(a, 1), MemorySegment.NULL, ints(a, 0), zeros(a, 4), -1, 0, -1f)),
                row("heap q", "q_loss_backward", Status.BAD_ARGUMENT, "heap",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), MemorySegment.ofArray(new float[6]), ints(a, 0, 0),
                                zeros(a, 2), 1f)),
                // read-only outputs
                row("read-only dq", "q_loss_backward", Status.BAD_ARGUMENT, "dq (B,A) is read-only",
                        (k, a) -> qLoss(k, zeros(a, 6).asReadOnly(), zeros(a, 1), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), 1f)),
                row("read-only stats", "q_loss_backward", Status.BAD_ARGUMENT, "stats (1) is read-only",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1).asReadOnly(), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), 1f)),
                // actions out of range
                row("action = A", "q_loss_backward", Status.BAD_ARGUMENT, "action 3 at row 1",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0, 3), zeros(a, 2), 1f)),
                row("action -1", "q_loss_backward", Status.BAD_ARGUMENT, "action -1 at row 0",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, -1, 0), zeros(a, 2), 1f)),
                row("action MIN_VALUE", "q_loss_backward", Status.BAD_ARGUMENT, "outside [0, 3)",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0, Integer.MIN_VALUE), zeros(a, 2), 1f)),
                // coef: finite and >= 0
                row("negative coef", "q_loss_backward", Status.BAD_ARGUMENT, "coef",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), -0.5f)),
                row("NaN coef", "q_loss_backward", Status.BAD_ARGUMENT, "coef",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), Float.NaN)),
                row("infinite coef", "q_loss_backward", Status.BAD_ARGUMENT, "coef",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), Float.POSITIVE_INFINITY)),
                row("-infinite coef", "q_loss_backward", Status.BAD_ARGUMENT, "coef",
                        (k, a) -> qLoss(k, zeros(a, 6), zeros(a, 1), zeros(a, 6), ints(a, 0, 0), zeros(a, 2), Float.NEGATIVE_INFINITY)));
    }

    @SuppressWarnings("restricted")  // MemorySegment.NULL.reinterpret, to make a sized NULL
    static Stream<Arguments> badMomentumCalls() {
        return KernelTestSupport.withKernels(
                // segment too small
                row("theta too small", "momentum_sgd", Status.BAD_SIZE, "theta (N)",
                        (k, a) -> k.momentumSgd(zeros(a, 3), zeros(a, 4), zeros(a, 4), 4, 0.1f, 0.9f)),
                row("m too small", "momentum_sgd", Status.BAD_SIZE, "m (N)",
                        (k, a) -> k.momentumSgd(zeros(a, 4), zeros(a, 3), zeros(a, 4), 4, 0.1f, 0.9f)),
                row("dtheta too small", "momentum_sgd", Status.BAD_SIZE, "dtheta (N)",
                        (k, a) -> k.momentumSgd(zeros(a, 4), zeros(a, 4), zeros(a, 3), 4, 0.1f, 0.9f)),
                // negative and overflowing sizes
                row("negative N", "momentum_sgd", Status.BAD_SIZE, "element count N",
                        (k, a) -> k.momentumSgd(zeros(a, 4), zeros(a, 4), zeros(a, 4), -1, 0.1f, 0.9f)),
                row("N x 4 bytes overflows", "momentum_sgd", Status.BAD_SIZE, "the call needs",
                        (k, a) -> k.momentumSgd(zeros(a, 4), zeros(a, 4), zeros(a, 4), Long.MAX_VALUE / 2, 0.1f, 0.9f)),
                row("sizes before values", "momentum_sgd", Status.BAD_SIZE, "element count N",
                        (k, a) -> k.momentumSgd(zeros(a, 4), zeros(a, 4), zeros(a, 4), -1, -1f, 2f)),
                // NULL and heap segments
                row("theta NULL", "momentum_sgd", Status.NULL_POINTER, "theta (N) is NULL",
                        (k, a) -> k.momentumSgd(MemorySegment.NULL, zeros(a, 2), zeros(a, 2), 2, 0.1f, 0.9f)),
                row("m Java null", "momentum_sgd", Status.NULL_POINTER, "m (N) is NULL",
                        (k, a) -> k.momentumSgd(zeros(a, 2), null, zeros(a, 2), 2, 0.1f, 0.9f)),
                row("dtheta address 0 with a size", "momentum_sgd", Status.NULL_POINTER, "dtheta (N) is NULL",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2), MemorySegment.NULL.reinterpret(64), 2, 0.1f, 0.9f)),
                row("NULL with a bad size and alpha: pointers first", "momentum_sgd", Status.NULL_POINTER, "m (N) is NULL",
                        (k, a) -> k.momentumSgd(zeros(a, 2), MemorySegment.NULL, zeros(a, 2), -1, 0.1f, Float.NaN)),
                row("heap m", "momentum_sgd", Status.BAD_ARGUMENT, "heap",
                        (k, a) -> k.momentumSgd(zeros(a, 2), MemorySegment.ofArray(new float[2]), zeros(a, 2), 2, 0.1f, 0.9f)),
                // read-only outputs
                row("read-only theta", "momentum_sgd", Status.BAD_ARGUMENT, "theta (N) is read-only",
                        (k, a) -> k.momentumSgd(zeros(a, 2).asReadOnly(), zeros(a, 2), zeros(a, 2), 2, 0.1f, 0.9f)),
                row("read-only m", "momentum_sgd", Status.BAD_ARGUMENT, "m (N) is read-only",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2).asReadOnly(), zeros(a, 2), 2, 0.1f, 0.9f)),
                // lr: finite and >= 0; alpha in [0, 1]
                row("negative lr", "momentum_sgd", Status.BAD_ARGUMENT, "lr=-0.1",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, -0.1f, 0.9f)),
                row("NaN lr", "momentum_sgd", Status.BAD_ARGUMENT, "lr=NaN",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, Float.NaN, 0.9f)),
                row("infinite lr", "momentum_sgd", Status.BAD_ARGUMENT, "lr=Infinity",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, Float.POSITIVE_INFINITY, 0.9f)),
                row("alpha below 0", "momentum_sgd", Status.BAD_ARGUMENT, "alpha=-0.01",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, 0.1f, -0.01f)),
                row("alpha above 1", "momentum_sgd", Status.BAD_ARGUMENT, "alpha=1.5",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, 0.1f, 1.5f)),
                row("NaN alpha", "momentum_sgd", Status.BAD_ARGUMENT, "alpha=NaN",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, 0.1f, Float.NaN)),
                row("infinite alpha", "momentum_sgd", Status.BAD_ARGUMENT, "alpha=Infinity",
                        (k, a) -> k.momentumSgd(zeros(a, 2), zeros(a, 2), zeros(a, 2), 2, 0.1f, Float.POSITIVE_INFINITY)));
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource({"badCalls", "badQLossCalls", "badMomentumCalls"})
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
    void aRefusedQLossCallWritesNothing(Kernel kernel) {
        // the bad action is in the last row: every row is checked before any output is written
        try (Arena arena = Arena.ofConfined()) {
            float[] sentinel = {42, 42, 42, 42, 42, 42};
            MemorySegment dq = floats(arena, sentinel), stats = floats(arena, 42);
            KernelException e = assertThrows(KernelException.class, () -> kernel.qLossBackward(dq, stats,
                    floats(arena, 1, 2, 3, 4, 5, 6), ints(arena, 0, 1, 2), floats(arena, 1, 1, 1), 3, 2, 1f));
            assertEquals("q_loss_backward", e.operation());
            assertArrayEquals(sentinel, read(dq, 6));
            assertArrayEquals(new float[] {42}, read(stats, 1));
            // and a refused coef
            assertThrows(KernelException.class, () -> kernel.qLossBackward(dq, stats,
                    floats(arena, 1, 2, 3, 4, 5, 6), ints(arena, 0, 1, 1), floats(arena, 1, 1, 1), 3, 2, Float.NaN));
            assertArrayEquals(sentinel, read(dq, 6));
            assertArrayEquals(new float[] {42}, read(stats, 1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.asyncrl.kernel.KernelTestSupport#kernels")
    void aRefusedMomentumCallWritesNothing(Kernel kernel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment theta = floats(arena, 1, 2, 3), m = floats(arena, 4, 5, 6), d = floats(arena, 7, 8, 9);
            for (float[] bad : new float[][] {{0.1f, 1.01f}, {0.1f, -1e-7f}, {-1e-7f, 0.9f}, {Float.NaN, 0.9f}}) {
                KernelException e = assertThrows(KernelException.class, () -> kernel.momentumSgd(theta, m, d, 3, bad[0], bad[1]));
                assertEquals("momentum_sgd", e.operation());
                assertEquals(Status.BAD_ARGUMENT, e.status());
            }
            assertArrayEquals(new float[] {1, 2, 3}, read(theta, 3));
            assertArrayEquals(new float[] {4, 5, 6}, read(m, 3));
            assertArrayEquals(new float[] {7, 8, 9}, read(d, 3));
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
        assertMentions(message, "not a complete asyncrl kernel", "contract version " + Kernel.CONTRACT_VERSION, "missing",
                "asyncrl_dense_forward", "asyncrl_copy", "asyncrl_status_string",
                "asyncrl_q_loss_backward", "asyncrl_momentum_sgd", "asyncrl_conv2d_forward", "asyncrl_conv2d_backward",
                "asyncrl_lstm_cell_forward", "asyncrl_lstm_cell_backward", "asyncrl_gaussian_loss_backward");
        assertFalse(message.contains("asyncrl_kernel_name"), "asyncrl_kernel_name is present: " + message);
        // contract version 3 has 20 functions: all but version and name are missing
        String missing = message.substring(message.indexOf("missing ") + "missing ".length());
        assertEquals(18, missing.split(", ").length, "missing: " + missing);
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
            fails.accept(() -> kernel.qLossBackward(one, one, one, ints(arena, 0), one, 1, 1, 1f));
            fails.accept(() -> kernel.momentumSgd(a, b, a, 4, 0.1f, 0.9f));
        }
        // and a fresh load still works
        try (Kernel again = KernelLibraries.load("reference"); Arena arena = Arena.ofConfined()) {
            MemorySegment dst = zeros(arena, 2);
            again.copy(dst, floats(arena, 3, 4), 2);
            assertArrayEquals(new float[] {3, 4}, read(dst, 2));
        }
    }
}
