package dev.asyncrl.net;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.Layout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole actor-critic network's backward (optional convolutions, the torso, both heads
 * accumulating into the top hidden layer, the A3C loss) against central differences of the same loss computed in double precision
 * by a forward pass written here, for every parameter, both activations and both kernels. The
 * advantage is held constant, as A3C treats it.
 */
class MlpGradientTest {

    static Stream<Arguments> cases() {
        return Stream.of("java", "reference").flatMap(k -> Stream.of(Activation.RELU, Activation.TANH)
                .flatMap(a -> Stream.of(Arguments.of(k, a, false), Arguments.of(k, a, true))));
    }

    static Kernel kernel(String name) {
        return name.equals("java") ? new JavaKernel() : KernelLibraries.load(name);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void backwardMatchesFiniteDifferences(String kernelName, Activation act, boolean withConv) {
        // with two convolutions: a 2×7×7 image, 3 filters of 3×3 at stride 2 → 3×3×3, then 4 of
        // 2×2 at stride 1 → 4×2×2 into the torso (the Atari net's shape, in miniature)
        List<Mlp.Conv> convs = withConv ? List.of(new Mlp.Conv(2, 7, 7, 3, 3, 2), new Mlp.Conv(3, 3, 3, 4, 2, 1)) : List.of();
        int D = withConv ? convs.getFirst().inputSize() : 3, A = 4, B = 4;
        int[] hidden = {5, 6};
        float beta = 0.05f, c = 0.25f;
        Mlp net = Mlp.actorCritic(D, convs, A, hidden, 0, act);
        SplittableRandom rng = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined(); Kernel k = kernel(kernelName)) {
            Workspace ws = net.workspace(arena, B + 1);
            net.initialize(ws.params, 5);
            for (long i = 0; i < (long) B * D; i++) ws.obs.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(-2, 2));
            MemorySegment actions = arena.allocate(B * 4L);
            MemorySegment returns = arena.allocate(B * 4L);
            MemorySegment stats = arena.allocate(12);
            int[] acts = new int[B];
            double[] ret = new double[B];
            for (int i = 0; i < B; i++) {
                acts[i] = rng.nextInt(A);
                ret[i] = rng.nextDouble(-1, 1);
                actions.setAtIndex(JAVA_INT, i, acts[i]);
                returns.setAtIndex(JAVA_FLOAT, i, (float) ret[i]);
            }
            for (int r = 0; r < B; r++) ws.forward(k, r);
            ws.grads.fill((byte) 0);
            k.a3cLossBackward(ws.dOut(Mlp.POLICY), ws.dOut(Mlp.VALUE), stats, ws.out(Mlp.POLICY), ws.out(Mlp.VALUE), actions, returns, B, A, beta, c);
            ws.backward(k, B);

            Layout layout = net.layout();
            double[] theta = new double[(int) layout.size()];
            for (int i = 0; i < theta.length; i++) theta[i] = ws.params.getAtIndex(JAVA_FLOAT, i);
            double[][] obs = new double[B][D];
            for (int r = 0; r < B; r++) for (int j = 0; j < D; j++) obs[r][j] = ws.obs.getAtIndex(JAVA_FLOAT, (long) r * D + j);
            double[] adv = new double[B];
            for (int r = 0; r < B; r++) adv[r] = ret[r] - forward(net, theta, obs[r])[A];

            double h = 1e-6;
            int checked = 0;
            for (Layout.Tensor t : layout.tensors()) {
                for (long e = 0; e < t.size(); e++) {
                    int i = (int) (t.offset() + e);
                    double saved = theta[i];
                    theta[i] = saved + h;
                    double up = loss(net, theta, obs, acts, ret, adv, beta, c);
                    theta[i] = saved - h;
                    double down = loss(net, theta, obs, acts, ret, adv, beta, c);
                    theta[i] = saved;
                    double numeric = (up - down) / (2 * h);
                    double analytic = ws.grads.getAtIndex(JAVA_FLOAT, i);
                    assertEquals(numeric, analytic, 2e-4 + 2e-3 * Math.abs(numeric), t.name() + "[" + e + "]");
                    checked++;
                }
            }
            assertEquals(layout.parameterCount(), checked);
            assertTrue(checked > 80);
            if (withConv) assertTrue(layout.get("conv.1.weight").size() == 4 * 3 * 2 * 2, "both convolutions' weights were checked too");
        }
    }

    static Stream<String> kernels() {
        return Stream.of("java", "reference");
    }

    /**
     * With an LSTM after the torso: the backward through time over a segment of rows (the state
     * carried from row to row, starting from zero) against finite differences of the whole unroll.
     */
    @ParameterizedTest
    @MethodSource("kernels")
    void lstmBackwardThroughTimeMatchesFiniteDifferences(String kernelName) {
        int D = 3, A = 3, B = 4, H = 5;
        int[] hidden = {4};
        float beta = 0.05f, c = 0.25f;
        Mlp net = Mlp.actorCritic(D, List.<Mlp.Conv>of(), A, hidden, H, Activation.TANH);
        SplittableRandom rng = new SplittableRandom(21);
        try (Arena arena = Arena.ofConfined(); Kernel k = kernel(kernelName)) {
            Workspace ws = net.workspace(arena, B + 1);
            net.initialize(ws.params, 9);
            for (long i = 0; i < (long) B * D; i++) ws.obs.setAtIndex(JAVA_FLOAT, i, (float) rng.nextDouble(-2, 2));
            MemorySegment actions = arena.allocate(B * 4L);
            MemorySegment returns = arena.allocate(B * 4L);
            MemorySegment stats = arena.allocate(12);
            int[] acts = new int[B];
            double[] ret = new double[B];
            for (int i = 0; i < B; i++) {
                acts[i] = rng.nextInt(A);
                ret[i] = rng.nextDouble(-1, 1);
                actions.setAtIndex(JAVA_INT, i, acts[i]);
                returns.setAtIndex(JAVA_FLOAT, i, (float) ret[i]);
            }
            ws.resetState();
            for (int r = 0; r < B; r++) ws.forward(k, r);
            ws.grads.fill((byte) 0);
            k.a3cLossBackward(ws.dOut(Mlp.POLICY), ws.dOut(Mlp.VALUE), stats, ws.out(Mlp.POLICY), ws.out(Mlp.VALUE), actions, returns, B, A, beta, c);
            ws.backward(k, B);

            Layout layout = net.layout();
            double[] theta = new double[(int) layout.size()];
            for (int i = 0; i < theta.length; i++) theta[i] = ws.params.getAtIndex(JAVA_FLOAT, i);
            double[][] obs = new double[B][D];
            for (int r = 0; r < B; r++) for (int j = 0; j < D; j++) obs[r][j] = ws.obs.getAtIndex(JAVA_FLOAT, (long) r * D + j);
            double[][] out0 = unroll(net, theta, obs);
            double[] adv = new double[B];
            for (int r = 0; r < B; r++) adv[r] = ret[r] - out0[r][A];

            double h = 1e-6;
            for (Layout.Tensor t : layout.tensors()) {
                for (long e = 0; e < t.size(); e++) {
                    int i = (int) (t.offset() + e);
                    double saved = theta[i];
                    theta[i] = saved + h;
                    double up = lossOf(unroll(net, theta, obs), A, acts, ret, adv, beta, c);
                    theta[i] = saved - h;
                    double down = lossOf(unroll(net, theta, obs), A, acts, ret, adv, beta, c);
                    theta[i] = saved;
                    double numeric = (up - down) / (2 * h);
                    assertEquals(numeric, ws.grads.getAtIndex(JAVA_FLOAT, i), 2e-4 + 2e-3 * Math.abs(numeric), t.name() + "[" + e + "]");
                }
            }
        }
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** The network over the rows in order, the LSTM state carried from row to row: [row][logits..., V]. */
    static double[][] unroll(Mlp net, double[] theta, double[][] obs) {
        Layout l = net.layout();
        int H = net.lstm();
        Layout.Tensor wih = l.get("lstm.weight_ih"), whh = l.get("lstm.weight_hh"), lb = l.get("lstm.bias");
        int I = (int) wih.shape()[1];
        double[] hPrev = new double[H], cPrev = new double[H];
        double[][] outs = new double[obs.length][];
        for (int r = 0; r < obs.length; r++) {
            double[] x = obs[r];
            int[] hidden = net.hidden();
            for (int k = 0; k < hidden.length; k++) {
                x = dense(theta, l.get("torso." + k + ".weight"), l.get("torso." + k + ".bias"), x);
                for (int j = 0; j < x.length; j++) x[j] = net.activation() == Activation.RELU ? Math.max(0, x[j]) : Math.tanh(x[j]);
            }
            double[] hNew = new double[H], cNew = new double[H];
            for (int u = 0; u < H; u++) {
                double[] z = new double[4];
                for (int g = 0; g < 4; g++) {
                    int row = g * H + u;
                    double acc = theta[(int) lb.offset() + row];
                    for (int j = 0; j < I; j++) acc += theta[(int) wih.offset() + row * I + j] * x[j];
                    for (int j = 0; j < H; j++) acc += theta[(int) whh.offset() + row * H + j] * hPrev[j];
                    z[g] = acc;
                }
                double ig = sigmoid(z[0]), fg = sigmoid(z[1]), gg = Math.tanh(z[2]), og = sigmoid(z[3]);
                cNew[u] = fg * cPrev[u] + ig * gg;
                hNew[u] = og * Math.tanh(cNew[u]);
            }
            hPrev = hNew;
            cPrev = cNew;
            double[] logits = dense(theta, l.get("policy.weight"), l.get("policy.bias"), hNew);
            double[] v = dense(theta, l.get("value.weight"), l.get("value.bias"), hNew);
            outs[r] = java.util.Arrays.copyOf(logits, logits.length + 1);
            outs[r][logits.length] = v[0];
        }
        return outs;
    }

    static double lossOf(double[][] outs, int A, int[] acts, double[] ret, double[] adv, double beta, double c) {
        double L = 0;
        for (int r = 0; r < outs.length; r++) {
            double[] out = outs[r];
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < A; j++) m = Math.max(m, out[j]);
            double z = 0;
            for (int j = 0; j < A; j++) z += Math.exp(out[j] - m);
            double H = 0;
            for (int j = 0; j < A; j++) {
                double logp = out[j] - m - Math.log(z);
                H -= Math.exp(logp) * logp;
            }
            double logpa = out[acts[r]] - m - Math.log(z);
            L += -logpa * adv[r] - beta * H + c * (ret[r] - out[A]) * (ret[r] - out[A]);
        }
        return L;
    }

    /** Logits (A) then V, in double. */
    static double[] forward(Mlp net, double[] theta, double[] x) {
        Layout l = net.layout();
        int[] hidden = net.hidden();
        double[] in = x;
        for (int ci = 0; ci < net.convs().size(); ci++) {  // conv (F,C,K,K) + bias, stride S, no padding, ReLU → (F, Ho, Wo)
            Mlp.Conv cv = net.convs().get(ci);
            double[] x0 = in;
            Layout.Tensor w = l.get("conv." + ci + ".weight"), b = l.get("conv." + ci + ".bias");
            int C = cv.channels(), H = cv.height(), W = cv.width(), F = cv.filters(), K = cv.kernel(), S = cv.stride();
            int Ho = cv.outHeight(), Wo = cv.outWidth();
            double[] y = new double[F * Ho * Wo];
            for (int f = 0; f < F; f++)
                for (int oy = 0; oy < Ho; oy++)
                    for (int ox = 0; ox < Wo; ox++) {
                        double acc = theta[(int) b.offset() + f];
                        for (int ch = 0; ch < C; ch++)
                            for (int ky = 0; ky < K; ky++)
                                for (int kx = 0; kx < K; kx++)
                                    acc += theta[(int) w.offset() + ((f * C + ch) * K + ky) * K + kx]
                                            * x0[(ch * H + oy * S + ky) * W + ox * S + kx];
                        y[(f * Ho + oy) * Wo + ox] = Math.max(0, acc);
                    }
            in = y;
        }
        for (int k = 0; k < hidden.length; k++) {
            in = dense(theta, l.get("torso." + k + ".weight"), l.get("torso." + k + ".bias"), in);
            for (int j = 0; j < in.length; j++) in[j] = net.activation() == Activation.RELU ? Math.max(0, in[j]) : Math.tanh(in[j]);
        }
        double[] logits = dense(theta, l.get("policy.weight"), l.get("policy.bias"), in);
        double[] v = dense(theta, l.get("value.weight"), l.get("value.bias"), in);
        double[] out = java.util.Arrays.copyOf(logits, logits.length + 1);
        out[logits.length] = v[0];
        return out;
    }

    static double[] dense(double[] theta, Layout.Tensor w, Layout.Tensor b, double[] x) {
        int O = (int) w.shape()[0], I = (int) w.shape()[1];
        double[] y = new double[O];
        for (int o = 0; o < O; o++) {
            double acc = theta[(int) b.offset() + o];
            for (int i = 0; i < I; i++) acc += theta[(int) w.offset() + o * I + i] * x[i];
            y[o] = acc;
        }
        return y;
    }

    /** Σ_i −log π(a_i)·adv_i − β H_i + c (R_i − V_i)², with adv held fixed. */
    static double loss(Mlp net, double[] theta, double[][] obs, int[] acts, double[] ret, double[] adv,
                       double beta, double c) {
        int A = net.actions();
        double L = 0;
        for (int r = 0; r < obs.length; r++) {
            double[] out = forward(net, theta, obs[r]);
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < A; j++) m = Math.max(m, out[j]);
            double z = 0;
            for (int j = 0; j < A; j++) z += Math.exp(out[j] - m);
            double H = 0;
            for (int j = 0; j < A; j++) {
                double logp = out[j] - m - Math.log(z);
                H -= Math.exp(logp) * logp;
            }
            double logpa = out[acts[r]] - m - Math.log(z);
            L += -logpa * adv[r] - beta * H + c * (ret[r] - out[A]) * (ret[r] - out[A]);
        }
        return L;
    }
}
