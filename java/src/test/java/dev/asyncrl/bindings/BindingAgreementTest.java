/*
 * Protects "the three ways in compute the same thing": for every kernel library the build ships,
 * the JNA and the JavaCPP bindings give bit for bit what FfmKernel gives on every function of the
 * contract (the same library computes in both, so any difference is a binding passing an argument
 * wrongly), and report the same version, name and status strings.
 */
package dev.asyncrl.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.bindings.javacpp.JavaCppKernel;
import dev.asyncrl.bindings.jna.JnaKernel;
import dev.asyncrl.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BindingAgreementTest {

    /** One contract call: its outputs' initial values, its inputs, and the call on segments of both. */
    @FunctionalInterface
    interface Call {
        void run(Kernel k, MemorySegment[] out, MemorySegment[] in);
    }

    record Case(String op, Object[] outs, Object[] ins, Call call) {
        @Override
        public String toString() {
            return op;
        }
    }

    private static final SplittableRandom SEEDS = new SplittableRandom(20261204);

    private static float[] rand(int n) {
        SplittableRandom r = SEEDS.split();
        float[] f = new float[n];
        for (int j = 0; j < n; j++) f[j] = (float) r.nextDouble(-1, 1);
        return f;
    }

    private static float[] positive(int n) {
        float[] f = rand(n);
        for (int j = 0; j < n; j++) f[j] = Math.abs(f[j]) + 0.01f;
        return f;
    }

    private static int[] actions(int n, int count) {
        SplittableRandom r = SEEDS.split();
        int[] a = new int[n];
        for (int j = 0; j < n; j++) a[j] = r.nextInt(count);
        return a;
    }

    private static Object[] of(Object... values) {
        return values;
    }

    /** Every compute function of the contract once (dense and conv2d backward also with dx NULL). */
    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // dense: B=3, I=5, O=4
        c.add(new Case("dense_forward", of(rand(12)), of(rand(15), rand(20), rand(4)),
                (k, o, i) -> k.denseForward(o[0], i[0], i[1], i[2], 3, 5, 4)));
        c.add(new Case("dense_backward", of(rand(15), rand(20), rand(4)), of(rand(12), rand(15), rand(20)),
                (k, o, i) -> k.denseBackward(o[0], o[1], o[2], i[0], i[1], i[2], 3, 5, 4)));
        c.add(new Case("dense_backward dx NULL", of(rand(20), rand(4)), of(rand(12), rand(15), rand(20)),
                (k, o, i) -> k.denseBackward(MemorySegment.NULL, o[0], o[1], i[0], i[1], i[2], 3, 5, 4)));
        // elementwise: N=9
        c.add(new Case("relu_forward", of(rand(9)), of(rand(9)), (k, o, i) -> k.reluForward(o[0], i[0], 9)));
        c.add(new Case("relu_backward", of(rand(9)), of(rand(9), rand(9)),
                (k, o, i) -> k.reluBackward(o[0], i[0], i[1], 9)));
        c.add(new Case("tanh_forward", of(rand(9)), of(rand(9)), (k, o, i) -> k.tanhForward(o[0], i[0], 9)));
        c.add(new Case("tanh_backward", of(rand(9)), of(rand(9), rand(9)),
                (k, o, i) -> k.tanhBackward(o[0], i[0], i[1], 9)));
        // conv2d: B=2, C=2, H=6, W=5, F=3, K=3, S=2 -> Ho=2, Wo=2
        c.add(new Case("conv2d_forward", of(rand(24)), of(rand(120), rand(54), rand(3)),
                (k, o, i) -> k.conv2dForward(o[0], i[0], i[1], i[2], 2, 2, 6, 5, 3, 3, 2)));
        c.add(new Case("conv2d_backward", of(rand(120), rand(54), rand(3)), of(rand(24), rand(120), rand(54)),
                (k, o, i) -> k.conv2dBackward(o[0], o[1], o[2], i[0], i[1], i[2], 2, 2, 6, 5, 3, 3, 2)));
        c.add(new Case("conv2d_backward dx NULL", of(rand(54), rand(3)), of(rand(24), rand(120), rand(54)),
                (k, o, i) -> k.conv2dBackward(MemorySegment.NULL, o[0], o[1], i[0], i[1], i[2], 2, 2, 6, 5, 3, 3, 2)));
        // lstm_cell: B=2, I=3, H=4 (4H = 16)
        c.add(new Case("lstm_cell_forward", of(rand(8), rand(8), rand(32)),
                of(rand(6), rand(8), rand(8), rand(48), rand(64), rand(16)),
                (k, o, i) -> k.lstmCellForward(o[0], o[1], o[2], i[0], i[1], i[2], i[3], i[4], i[5], 2, 3, 4)));
        c.add(new Case("lstm_cell_backward", of(rand(8), rand(8), rand(6), rand(48), rand(64), rand(16)),
                of(rand(8), rand(8), rand(6), rand(8), rand(8), rand(8), positive(32), rand(48), rand(64)),
                (k, o, i) -> k.lstmCellBackward(o[0], o[1], o[2], o[3], o[4], o[5],
                        i[0], i[1], i[2], i[3], i[4], i[5], i[6], i[7], i[8], 2, 3, 4)));
        // losses: B=4, A=3; Gaussian B=3, D=2
        c.add(new Case("a3c_loss_backward", of(rand(12), rand(4), rand(3)),
                of(rand(12), rand(4), actions(4, 3), rand(4)),
                (k, o, i) -> k.a3cLossBackward(o[0], o[1], o[2], i[0], i[1], i[2], i[3], 4, 3, 0.01f, 0.5f)));
        c.add(new Case("gaussian_loss_backward", of(rand(6), rand(3), rand(3), rand(3)),
                of(rand(6), rand(3), rand(3), rand(6), rand(3)),
                (k, o, i) -> k.gaussianLossBackward(o[0], o[1], o[2], o[3], i[0], i[1], i[2], i[3], i[4], 3, 2,
                        0.01f, 0.5f)));
        c.add(new Case("q_loss_backward", of(rand(12), rand(1)), of(rand(12), actions(4, 3), rand(4)),
                (k, o, i) -> k.qLossBackward(o[0], o[1], i[0], i[1], i[2], 4, 3, 0.5f)));
        // optimisation: N=10 (max_norm below the norm, so the gradient is scaled)
        c.add(new Case("clip_grad_norm", of(rand(10), rand(1)), of(),
                (k, o, i) -> k.clipGradNorm(o[0], o[1], 10, 0.5f)));
        c.add(new Case("shared_rmsprop", of(rand(10), positive(10)), of(rand(10)),
                (k, o, i) -> k.sharedRmsprop(o[0], o[1], i[0], 10, 0.01f, 0.99f, 0.1f)));
        c.add(new Case("momentum_sgd", of(rand(10), rand(10)), of(rand(10)),
                (k, o, i) -> k.momentumSgd(o[0], o[1], i[0], 10, 0.01f, 0.9f)));
        c.add(new Case("copy", of(rand(10)), of(rand(10)), (k, o, i) -> k.copy(o[0], i[0], 10)));
        return c;
    }

    static Stream<Arguments> everyCall() {
        List<Case> cases = cases();
        return Bindings.OTHERS.stream().flatMap(b -> Bindings.libraries().stream()
                .flatMap(lib -> cases.stream().map(c -> Arguments.of(b, lib, c))));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyCall")
    void sameBitsAsFfm(String binding, String library, Case c) {
        try (Arena arena = Arena.ofConfined();
             Kernel ffm = Bindings.open("ffm", library);
             Kernel other = Bindings.open(binding, library)) {
            MemorySegment[] ffmOut = Bindings.segments(arena, c.outs()), ffmIn = Bindings.segments(arena, c.ins());
            MemorySegment[] out = Bindings.segments(arena, c.outs()), in = Bindings.segments(arena, c.ins());
            MemorySegment[] initial = Bindings.segments(arena, c.outs());
            c.call().run(ffm, ffmOut, ffmIn);
            c.call().run(other, out, in);
            boolean wrote = false;
            for (int j = 0; j < out.length; j++) {
                assertEquals(-1, ffmOut[j].mismatch(out[j]),
                        c.op() + ": output " + j + " through " + binding + " differs from FFM's");
                wrote |= ffmOut[j].mismatch(initial[j]) != -1;
            }
            for (int j = 0; j < in.length; j++) {
                assertEquals(-1, ffmIn[j].mismatch(in[j]), c.op() + ": input " + j + " changed differently");
            }
            assertTrue(wrote, c.op() + ": the call wrote no output, so it compared nothing");
        }
    }

    static Stream<Arguments> bindingsAndLibraries() {
        return Bindings.OTHERS.stream().flatMap(b -> Bindings.libraries().stream().map(lib -> Arguments.of(b, lib)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bindingsAndLibraries")
    @SuppressWarnings("restricted")
    void sameVersionNameAndStatusStrings(String binding, String library) throws Throwable {
        try (FfmKernel ffm = KernelLibraries.load(library);
             Kernel other = Bindings.open(binding, library);
             Arena arena = Arena.ofConfined()) {
            assertEquals(ffm.name(), other.name());
            assertNotEquals("", other.name());
            // asyncrl_status_string straight through FFM, as the oracle of the bindings' own calls
            MethodHandle statusString = Linker.nativeLinker().downcallHandle(
                    SymbolLookup.libraryLookup(ffm.path(), arena).find("asyncrl_status_string").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            for (int code = -1; code <= 5; code++) {
                String expected = ((MemorySegment) statusString.invokeExact(code)).reinterpret(256).getString(0);
                String actual = switch (other) {
                    case JnaKernel k -> k.statusString(code);
                    case JavaCppKernel k -> k.statusString(code);
                    default -> throw new IllegalArgumentException(binding);
                };
                assertEquals(expected, actual, "status string of " + code);
            }
            int version = switch (other) {
                case JnaKernel k -> k.kernelVersion();
                case JavaCppKernel k -> k.kernelVersion();
                default -> throw new IllegalArgumentException(binding);
            };
            assertEquals(Kernel.CONTRACT_VERSION, version);
            assertEquals(ffm.kernelVersion(), version);
        }
    }
}
