/*
 * Protects "a wrong call is a Java exception, never a native crash": in both kernels, a bad shape
 * or value (segment too small, negative or zero size, size overflow, NULL or heap segment,
 * read-only output, action out of range, bad coefficient, a conv2d kernel larger than its image,
 * freed memory) is an exception (a KernelException naming the operation, the tensor and the status;
 * IllegalStateException for freed memory), and a refused A3C, Gaussian, Q-loss or momentum call
 * writes nothing. And the loader: a missing file, a file that is
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

    // ---- conv2d, lstm_cell, gaussian_loss_backward (contract version 3) ------------------------

    /** conv2d with B = 2, C = 1, H = W = 3, F = 2, K = 2, S = 1: x 18, w 8, b 2, y (Ho = Wo = 2) 16. */
    private static void convForward(Kernel k, MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b) {
        k.conv2dForward(y, x, w, b, 2, 1, 3, 3, 2, 2, 1);
    }

    private static void convBackward(Kernel k, MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                     MemorySegment x, MemorySegment w) {
        k.conv2dBackward(dx, dw, db, dy, x, w, 2, 1, 3, 3, 2, 2, 1);
    }

    @SuppressWarnings("restricted")  // MemorySegment.NULL.reinterpret, to make a sized NULL
    static Stream<Arguments> badConvCalls() {
        String f = "conv2d_forward", b = "conv2d_backward";
        return KernelTestSupport.withKernels(
                // segment too small
                row("y one element short", f, Status.BAD_SIZE, "y (B,F,Ho,Wo)",
                        (k, a) -> convForward(k, zeros(a, 15), zeros(a, 18), zeros(a, 8), zeros(a, 2))),
                row("x too small", f, Status.BAD_SIZE, "x (B,C,H,W)",
                        (k, a) -> convForward(k, zeros(a, 16), zeros(a, 17), zeros(a, 8), zeros(a, 2))),
                row("w too small", f, Status.BAD_SIZE, "w (F,C,K,K)",
                        (k, a) -> convForward(k, zeros(a, 16), zeros(a, 18), zeros(a, 7), zeros(a, 2))),
                row("b too small", f, Status.BAD_SIZE, "b (F)",
                        (k, a) -> convForward(k, zeros(a, 16), zeros(a, 18), zeros(a, 8), zeros(a, 1))),
                row("dx too small", b, Status.BAD_SIZE, "dx (B,C,H,W)",
                        (k, a) -> convBackward(k, zeros(a, 17), zeros(a, 8), zeros(a, 2), zeros(a, 16), zeros(a, 18), zeros(a, 8))),
                row("dw too small", b, Status.BAD_SIZE, "dw (F,C,K,K)",
                        (k, a) -> convBackward(k, zeros(a, 18), zeros(a, 7), zeros(a, 2), zeros(a, 16), zeros(a, 18), zeros(a, 8))),
                row("dy too small", b, Status.BAD_SIZE, "dy (B,F,Ho,Wo)",
                        (k, a) -> convBackward(k, MemorySegment.NULL, zeros(a, 8), zeros(a, 2), zeros(a, 15), zeros(a, 18), zeros(a, 8))),
                // sizes: every one >= 1 (B >= 0), the kernel inside the image, products that fit
                row("kernel taller than the image", f, Status.BAD_SIZE, "kernel size K=4 must be <= height H=3",
                        (k, a) -> k.conv2dForward(zeros(a, 64), zeros(a, 64), zeros(a, 64), zeros(a, 4), 1, 1, 3, 5, 1, 4, 1)),
                row("kernel wider than the image", b, Status.BAD_SIZE, "and width W=3",
                        (k, a) -> k.conv2dBackward(zeros(a, 64), zeros(a, 64), zeros(a, 4), zeros(a, 64), zeros(a, 64), zeros(a, 64),
                                1, 1, 5, 3, 1, 4, 1)),
                row("zero stride", f, Status.BAD_SIZE, "stride S",
                        (k, a) -> k.conv2dForward(zeros(a, 64), zeros(a, 64), zeros(a, 64), zeros(a, 4), 1, 1, 3, 3, 1, 2, 0)),
                row("negative stride", b, Status.BAD_SIZE, "stride S",
                        (k, a) -> k.conv2dBackward(MemorySegment.NULL, zeros(a, 64), zeros(a, 4), zeros(a, 64), zeros(a, 64),
                                zeros(a, 64), 1, 1, 3, 3, 1, 2, -1)),
                row("zero kernel size", f, Status.BAD_SIZE, "kernel size K",
                        (k, a) -> k.conv2dForward(zeros(a, 64), zeros(a, 64), zeros(a, 64), zeros(a, 4), 1, 1, 3, 3, 1, 0, 1)),
                row("zero channels", f, Status.BAD_SIZE, "channels C",
                        (k, a) -> k.conv2dForward(zeros(a, 64), zeros(a, 64), zeros(a, 64), zeros(a, 4), 1, 0, 3, 3, 1, 2, 1)),
                row("zero filters", b, Status.BAD_SIZE, "filters F",
                        (k, a) -> k.conv2dBackward(zeros(a, 64), zeros(a, 64), zeros(a, 4), zeros(a, 64), zeros(a, 64), zeros(a, 64),
                                1, 1, 3, 3, 0, 2, 1)),
                row("zero height", f, Status.BAD_SIZE, "height H",
                        (k, a) -> k.conv2dForward(zeros(a, 64), zeros(a, 64), zeros(a, 64), zeros(a, 4), 1, 1, 0, 3, 1, 1, 1)),
                row("zero width", f, Status.BAD_SIZE, "width W",
                        (k, a) -> k.conv2dForward(zeros(a, 64), zeros(a, 64), zeros(a, 64), zeros(a, 4), 1, 1, 3, 0, 1, 1, 1)),
                row("negative batch", b, Status.BAD_SIZE, "batch B",
                        (k, a) -> k.conv2dBackward(zeros(a, 64), zeros(a, 64), zeros(a, 4), zeros(a, 64), zeros(a, 64), zeros(a, 64),
                                -1, 1, 3, 3, 1, 2, 1)),
                row("B x C x H x W overflows", f, Status.BAD_SIZE, "overflows",
                        (k, a) -> k.conv2dForward(zeros(a, 64), zeros(a, 64), zeros(a, 64), zeros(a, 4), Long.MAX_VALUE / 2, 3, 3, 3,
                                1, 2, 1)),
                row("F x C x K x K overflows", b, Status.BAD_SIZE, "overflows",
                        (k, a) -> k.conv2dBackward(zeros(a, 64), zeros(a, 64), zeros(a, 4), zeros(a, 64), zeros(a, 64), zeros(a, 64),
                                1, Long.MAX_VALUE / 8, 3, 3, 4, 2, 1)),
                // NULL, heap and read-only segments
                row("x NULL", f, Status.NULL_POINTER, "x (B,C,H,W) is NULL",
                        (k, a) -> convForward(k, zeros(a, 16), MemorySegment.NULL, zeros(a, 8), zeros(a, 2))),
                row("b Java null", f, Status.NULL_POINTER, "b (F) is NULL",
                        (k, a) -> convForward(k, zeros(a, 16), zeros(a, 18), zeros(a, 8), null)),
                row("dw NULL (only dx is optional)", b, Status.NULL_POINTER, "dw (F,C,K,K) is NULL",
                        (k, a) -> convBackward(k, zeros(a, 18), MemorySegment.NULL, zeros(a, 2), zeros(a, 16), zeros(a, 18), zeros(a, 8))),
                row("w address 0 with a size", b, Status.NULL_POINTER, "w (F,C,K,K) is NULL",
                        (k, a) -> convBackward(k, zeros(a, 18), zeros(a, 8), zeros(a, 2), zeros(a, 16), zeros(a, 18),
                                MemorySegment.NULL.reinterpret(64))),
                row("NULL with a kernel larger than the image: pointers first", f, Status.NULL_POINTER, "w (F,C,K,K) is NULL",
                        (k, a) -> k.conv2dForward(zeros(a, 4), zeros(a, 4), MemorySegment.NULL, zeros(a, 4), 1, 1, 2, 2, 1, 3, 1)),
                row("heap w", f, Status.BAD_ARGUMENT, "heap",
                        (k, a) -> convForward(k, zeros(a, 16), zeros(a, 18), MemorySegment.ofArray(new float[8]), zeros(a, 2))),
                row("empty heap dx is not NULL", b, Status.BAD_ARGUMENT, "heap",
                        (k, a) -> convBackward(k, MemorySegment.ofArray(new float[0]), zeros(a, 8), zeros(a, 2), zeros(a, 16),
                                zeros(a, 18), zeros(a, 8))),
                row("read-only y", f, Status.BAD_ARGUMENT, "y (B,F,Ho,Wo) is read-only",
                        (k, a) -> convForward(k, zeros(a, 16).asReadOnly(), zeros(a, 18), zeros(a, 8), zeros(a, 2))),
                row("read-only db", b, Status.BAD_ARGUMENT, "db (F) is read-only",
                        (k, a) -> convBackward(k, zeros(a, 18), zeros(a, 8), zeros(a, 2).asReadOnly(), zeros(a, 16), zeros(a, 18),
                                zeros(a, 8))));
    }

    /**
     * lstm_cell with B = 2, I = 3, H = 2. The arguments in contract order, each of the right size;
     * a row replaces one of them and may change the sizes.
     */
    private static final int[] LSTM_FORWARD_SIZES = {4, 4, 16, 6, 4, 4, 24, 16, 8};  // h c gates x h_prev c_prev w_ih w_hh b
    private static final int[] LSTM_BACKWARD_SIZES = {4, 4, 6, 24, 16, 8, 4, 4, 6, 4, 4, 4, 16, 24, 16};
    // dh_prev dc_prev dx dw_ih dw_hh db dh dc x h_prev c_prev c gates w_ih w_hh

    @FunctionalInterface
    interface Segment {
        MemorySegment make(Arena arena);
    }

    private static MemorySegment[] lstmArgs(Arena a, int[] sizes, int index, Segment replacement) {
        MemorySegment[] s = new MemorySegment[sizes.length];
        for (int i = 0; i < sizes.length; i++) s[i] = zeros(a, sizes[i]);
        if (index >= 0) s[index] = replacement.make(a);
        return s;
    }

    private static BadCall lstmForward(int index, Segment replacement, long batch, long in, long hidden) {
        return (k, a) -> {
            MemorySegment[] s = lstmArgs(a, LSTM_FORWARD_SIZES, index, replacement);
            k.lstmCellForward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], batch, in, hidden);
        };
    }

    private static BadCall lstmForward(int index, Segment replacement) {
        return lstmForward(index, replacement, 2, 3, 2);
    }

    private static BadCall lstmBackward(int index, Segment replacement, long batch, long in, long hidden) {
        return (k, a) -> {
            MemorySegment[] s = lstmArgs(a, LSTM_BACKWARD_SIZES, index, replacement);
            k.lstmCellBackward(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13], s[14],
                    batch, in, hidden);
        };
    }

    private static BadCall lstmBackward(int index, Segment replacement) {
        return lstmBackward(index, replacement, 2, 3, 2);
    }

    @SuppressWarnings("restricted")  // MemorySegment.NULL.reinterpret, to make a sized NULL
    static Stream<Arguments> badLstmCalls() {
        String f = "lstm_cell_forward", b = "lstm_cell_backward";
        return KernelTestSupport.withKernels(
                // segment too small
                row("h one element short", f, Status.BAD_SIZE, "h (B,H)", lstmForward(0, a -> zeros(a, 3))),
                row("gates too small", f, Status.BAD_SIZE, "gates (B,4H)", lstmForward(2, a -> zeros(a, 15))),
                row("x too small", f, Status.BAD_SIZE, "x (B,I)", lstmForward(3, a -> zeros(a, 5))),
                row("w_ih too small", f, Status.BAD_SIZE, "w_ih (4H,I)", lstmForward(6, a -> zeros(a, 23))),
                row("w_hh too small", f, Status.BAD_SIZE, "w_hh (4H,H)", lstmForward(7, a -> zeros(a, 15))),
                row("b too small", f, Status.BAD_SIZE, "b (4H)", lstmForward(8, a -> zeros(a, 7))),
                row("dc_prev too small", b, Status.BAD_SIZE, "dc_prev (B,H)", lstmBackward(1, a -> zeros(a, 3))),
                row("dx too small", b, Status.BAD_SIZE, "dx (B,I)", lstmBackward(2, a -> zeros(a, 5))),
                row("dw_hh too small", b, Status.BAD_SIZE, "dw_hh (4H,H)", lstmBackward(4, a -> zeros(a, 15))),
                row("dc too small", b, Status.BAD_SIZE, "dc (B,H)", lstmBackward(7, a -> zeros(a, 3))),
                row("c too small", b, Status.BAD_SIZE, "c (B,H)", lstmBackward(11, a -> zeros(a, 3))),
                row("gates too small", b, Status.BAD_SIZE, "gates (B,4H)", lstmBackward(12, a -> zeros(a, 15))),
                // negative, zero and overflowing sizes
                row("negative batch", f, Status.BAD_SIZE, "batch B", lstmForward(-1, null, -1, 3, 2)),
                row("zero input size", f, Status.BAD_SIZE, "input size I", lstmForward(-1, null, 2, 0, 2)),
                row("zero hidden size", b, Status.BAD_SIZE, "hidden size H", lstmBackward(-1, null, 2, 3, 0)),
                row("negative hidden size", b, Status.BAD_SIZE, "hidden size H", lstmBackward(-1, null, 2, 3, -2)),
                row("4H overflows", f, Status.BAD_SIZE, "overflows", lstmForward(-1, null, 2, 3, Long.MAX_VALUE / 2)),
                row("B x 4H overflows", b, Status.BAD_SIZE, "overflows", lstmBackward(-1, null, Long.MAX_VALUE / 4, 3, 2)),
                // NULL, heap and read-only segments
                row("c_prev NULL", f, Status.NULL_POINTER, "c_prev (B,H) is NULL", lstmForward(5, a -> MemorySegment.NULL)),
                row("b Java null", f, Status.NULL_POINTER, "b (4H) is NULL", lstmForward(8, a -> null)),
                row("dh_prev NULL", b, Status.NULL_POINTER, "dh_prev (B,H) is NULL", lstmBackward(0, a -> MemorySegment.NULL)),
                row("db NULL (only dx is optional)", b, Status.NULL_POINTER, "db (4H) is NULL", lstmBackward(5, a -> MemorySegment.NULL)),
                row("gates address 0 with a size", b, Status.NULL_POINTER, "gates (B,4H) is NULL",
                        lstmBackward(12, a -> MemorySegment.NULL.reinterpret(64))),
                row("NULL with a bad size: pointers first", b, Status.NULL_POINTER, "w_hh (4H,H) is NULL",
                        lstmBackward(14, a -> MemorySegment.NULL, -1, 0, 0)),
                row("heap x", f, Status.BAD_ARGUMENT, "heap", lstmForward(3, a -> MemorySegment.ofArray(new float[6]))),
                row("heap dx is not NULL", b, Status.BAD_ARGUMENT, "heap", lstmBackward(2, a -> MemorySegment.ofArray(new float[6]))),
                row("read-only gates", f, Status.BAD_ARGUMENT, "gates (B,4H) is read-only", lstmForward(2, a -> zeros(a, 16).asReadOnly())),
                row("read-only dw_ih", b, Status.BAD_ARGUMENT, "dw_ih (4H,I) is read-only", lstmBackward(3, a -> zeros(a, 24).asReadOnly())));
    }

    /** gaussian_loss_backward with B = 2, D = 3, values and returns (B) zeros. */
    private static void gaussian(Kernel k, Arena a, MemorySegment dMu, MemorySegment dV, MemorySegment dValues,
                                 MemorySegment stats, MemorySegment mu, MemorySegment v, MemorySegment actions,
                                 float beta, float c) {
        k.gaussianLossBackward(dMu, dV, dValues, stats, mu, v, zeros(a, 2), actions, zeros(a, 2), 2, 3, beta, c);
    }

    @SuppressWarnings("restricted")  // MemorySegment.NULL.reinterpret, to make a sized NULL
    static Stream<Arguments> badGaussianCalls() {
        String op = "gaussian_loss_backward";
        return KernelTestSupport.withKernels(
                // segment too small
                row("dmu one element short", op, Status.BAD_SIZE, "dmu (B,D)",
                        (k, a) -> gaussian(k, a, zeros(a, 5), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2), zeros(a, 6), 0f, 0.5f)),
                row("dvalues too small", op, Status.BAD_SIZE, "dvalues (B)",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 1), zeros(a, 3), zeros(a, 6), zeros(a, 2), zeros(a, 6), 0f, 0.5f)),
                row("stats too small", op, Status.BAD_SIZE, "stats (3)",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 2), zeros(a, 6), zeros(a, 2), zeros(a, 6), 0f, 0.5f)),
                row("v too small", op, Status.BAD_SIZE, "v (B)",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 1), zeros(a, 6), 0f, 0.5f)),
                row("actions too small (D floats a row, not one int)", op, Status.BAD_SIZE, "actions (B,D)",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2), zeros(a, 2), 0f, 0.5f)),
                // negative, zero and overflowing sizes
                row("negative batch", op, Status.BAD_SIZE, "batch B",
                        (k, a) -> k.gaussianLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                zeros(a, 2), zeros(a, 6), zeros(a, 2), -1, 3, 0f, 0.5f)),
                row("zero action dimension", op, Status.BAD_SIZE, "action dimension D",
                        (k, a) -> k.gaussianLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                zeros(a, 2), zeros(a, 6), zeros(a, 2), 2, 0, 0f, 0.5f)),
                row("B x D overflows", op, Status.BAD_SIZE, "overflows",
                        (k, a) -> k.gaussianLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                zeros(a, 2), zeros(a, 6), zeros(a, 2), Long.MAX_VALUE / 2, 3, 0f, 0.5f)),
                row("sizes before values", op, Status.BAD_SIZE, "action dimension D",
                        (k, a) -> k.gaussianLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                zeros(a, 2), zeros(a, 6), zeros(a, 2), 2, -3, Float.NaN, -1f)),
                // NULL, heap and read-only segments
                row("mu NULL", op, Status.NULL_POINTER, "mu (B,D) is NULL",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), MemorySegment.NULL, zeros(a, 2), zeros(a, 6), 0f, 0.5f)),
                row("returns Java null", op, Status.NULL_POINTER, "returns (B) is NULL",
                        (k, a) -> k.gaussianLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                zeros(a, 2), zeros(a, 6), null, 2, 3, 0f, 0.5f)),
                row("actions address 0 with a size", op, Status.NULL_POINTER, "actions (B,D) is NULL",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                MemorySegment.NULL.reinterpret(64), 0f, 0.5f)),
                row("NULL with a bad size and coefficient: pointers first", op, Status.NULL_POINTER, "v (B) is NULL",
                        (k, a) -> k.gaussianLossBackward(zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), MemorySegment.NULL,
                                zeros(a, 2), zeros(a, 6), zeros(a, 2), -1, 0, -1f, Float.NaN)),
                row("heap actions", op, Status.BAD_ARGUMENT, "heap",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                MemorySegment.ofArray(new float[6]), 0f, 0.5f)),
                row("read-only dv", op, Status.BAD_ARGUMENT, "dv (B) is read-only",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2).asReadOnly(), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2),
                                zeros(a, 6), 0f, 0.5f)),
                // coefficients: finite and >= 0
                row("negative entropy_beta", op, Status.BAD_ARGUMENT, "entropy_beta",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2), zeros(a, 6), -1e-4f, 0.5f)),
                row("NaN entropy_beta", op, Status.BAD_ARGUMENT, "entropy_beta",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2), zeros(a, 6), Float.NaN, 0.5f)),
                row("infinite value_coef", op, Status.BAD_ARGUMENT, "value_coef",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2), zeros(a, 6), 0f,
                                Float.POSITIVE_INFINITY)),
                row("negative value_coef", op, Status.BAD_ARGUMENT, "value_coef",
                        (k, a) -> gaussian(k, a, zeros(a, 6), zeros(a, 2), zeros(a, 2), zeros(a, 3), zeros(a, 6), zeros(a, 2), zeros(a, 6), 0f, -0.5f)));
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource({"badCalls", "badQLossCalls", "badMomentumCalls", "badConvCalls", "badLstmCalls", "badGaussianCalls"})
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
    void aRefusedGaussianCallWritesNothing(Kernel kernel) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dMu = floats(arena, 42, 42, 42, 42), dV = floats(arena, 42, 42), dValues = floats(arena, 42, 42);
            MemorySegment stats = floats(arena, 42, 42, 42);
            for (float[] bad : new float[][] {{-1e-4f, 0.5f}, {1e-4f, Float.NaN}, {Float.POSITIVE_INFINITY, 0.5f}}) {
                KernelException e = assertThrows(KernelException.class, () -> kernel.gaussianLossBackward(dMu, dV, dValues, stats,
                        floats(arena, 1, 2, 3, 4), floats(arena, 0, -1), floats(arena, 0, 0), floats(arena, 1, 1, 1, 1),
                        floats(arena, 1, 1), 2, 2, bad[0], bad[1]));
                assertEquals("gaussian_loss_backward", e.operation());
                assertEquals(Status.BAD_ARGUMENT, e.status());
            }
            assertArrayEquals(new float[] {42, 42, 42, 42}, read(dMu, 4));
            assertArrayEquals(new float[] {42, 42}, read(dV, 2));
            assertArrayEquals(new float[] {42, 42}, read(dValues, 2));
            assertArrayEquals(new float[] {42, 42, 42}, read(stats, 3));
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
        assertMentions(loadFailure(dir + "/"), "is a directory", dir.toString());
    }

    /**
     * A copy of the reference kernel with one 8-byte field of its ELF header (little-endian, as
     * x86-64 and aarch64 libraries are) set to {@code value}: a header that points past the file's
     * end, as a file cut short or damaged has. (A copy cut short in its segments is checked in a
     * child JVM by BadInputTest: before the check, dlopen of one was SIGBUS.)
     */
    private static Path withHeaderField(Path dir, int offset, long value) throws IOException {
        byte[] lib = Files.readAllBytes(KernelLibraries.nativeDir().resolve("libasyncrl_reference.so"));
        java.nio.ByteBuffer.wrap(lib).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(offset, value);
        return Files.write(dir.resolve("libasyncrl_damaged.so"), lib);
    }

    @Test
    void aLibraryWhoseProgramHeadersLiePastItsEndIsRefusedBeforeDlopen(@TempDir Path dir) throws IOException {
        Path damaged = withHeaderField(dir, 32, 1L << 40);  // e_phoff
        assertMentions(loadFailure(damaged.toString()), "cut short", "program headers lie past its end", damaged.toString());
    }

    @Test
    void aLibraryWhoseSectionHeadersLiePastItsEndIsRefusedBeforeDlopen(@TempDir Path dir) throws IOException {
        long size = Files.size(KernelLibraries.nativeDir().resolve("libasyncrl_reference.so"));
        Path damaged = withHeaderField(dir, 40, size - 8);  // e_shoff: the table starts 8 bytes before the end
        assertMentions(loadFailure(damaged.toString()), "cut short", "section headers lie past its end", damaged.toString());
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
            fails.accept(() -> kernel.conv2dForward(one, a, a, one, 1, 1, 2, 2, 1, 2, 1));
            fails.accept(() -> kernel.conv2dBackward(a, a, one, one, a, a, 1, 1, 2, 2, 1, 2, 1));
            fails.accept(() -> kernel.lstmCellForward(one, one, a, one, one, one, a, a, a, 1, 1, 1));
            fails.accept(() -> kernel.lstmCellBackward(one, one, one, a, a, a, one, one, one, one, one, one, a, a, a, 1, 1, 1));
            fails.accept(() -> kernel.gaussianLossBackward(one, one, one, three, one, one, one, one, one, 1, 1, 0f, 0f));
        }
        // and a fresh load still works
        try (Kernel again = KernelLibraries.load("reference"); Arena arena = Arena.ofConfined()) {
            MemorySegment dst = zeros(arena, 2);
            again.copy(dst, floats(arena, 3, 4), 2);
            assertArrayEquals(new float[] {3, 4}, read(dst, 2));
        }
    }
}
