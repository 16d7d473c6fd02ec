package dev.asyncrl.net;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * Actor-critics with a separate value network ({@link ValueNet#SEPARATE}): the whole network's
 * backward (policy torso and heads, value torso and head, each torso's LSTM through time over the
 * segment, the loss) against central differences of the same loss computed in double precision by
 * a forward pass written here, in which the value reads only value_* tensors and the policy only
 * the others, for every parameter, on both kernels. With an LSTM the segment starts from a state
 * carried over from an earlier segment (nonzero, in both torsos), which truncated backpropagation
 * holds constant. The advantage is held constant, as A3C treats it.
 */
class SeparateValueGradientTest {

    static Stream<Arguments> gaussianCases() {
        return Stream.of("java", "reference").flatMap(k -> Stream.of(
                Arguments.of(k, Activation.RELU, 0), Arguments.of(k, Activation.TANH, 0),
                Arguments.of(k, Activation.RELU, 4), Arguments.of(k, Activation.TANH, 4)));
    }

    /** The Gaussian policy (2-D action) with its own value net: 200 ReLU → 128 LSTM in the paper, in miniature. */
    @ParameterizedTest(name = "{0} kernel, {1}, lstm {2}")
    @MethodSource("gaussianCases")
    void gaussianBackwardMatchesFiniteDifferences(String kernelName, Activation act, int H) {
        int D = 3, A = 2, B = 4;
        Mlp net = Mlp.gaussianActorCritic(D, A, new int[] {5, 4}, H, act, ValueNet.SEPARATE);
        float beta = 0.05f, c = 0.25f;
        SplittableRandom rng = new SplittableRandom(31 + H);
        try (Arena arena = Arena.ofConfined(); Kernel k = MlpGradientTest.kernel(kernelName)) {
            Workspace ws = net.workspace(arena, B + 1);
            net.initialize(ws.params, 7);
            double[][] h0 = new double[2][], c0 = new double[2][];
            carryIn(net, ws, k, rng, h0, c0);
            double[][] obs = observations(ws, rng, B, D);
            MemorySegment actions = arena.allocate((long) B * A * Float.BYTES);
            MemorySegment returns = arena.allocate(B * 4L);
            MemorySegment stats = arena.allocate(12);
            for (int r = 0; r < B; r++) ws.forward(k, r);
            double[][] acts = new double[B][A];
            double[] ret = new double[B];
            for (int r = 0; r < B; r++) {
                for (int d = 0; d < A; d++) {
                    acts[r][d] = ws.output(Mlp.MU, r, d) + rng.nextDouble(-1, 1);
                    actions.setAtIndex(JAVA_FLOAT, (long) r * A + d, (float) acts[r][d]);
                }
                ret[r] = rng.nextDouble(-1, 1);
                returns.setAtIndex(JAVA_FLOAT, r, (float) ret[r]);
            }
            ws.grads.fill((byte) 0);
            k.gaussianLossBackward(ws.dOut(Mlp.MU), ws.dOut(Mlp.VAR), ws.dOut(Mlp.GAUSS_VALUE), stats, ws.out(Mlp.MU),
                    ws.out(Mlp.VAR), ws.out(Mlp.GAUSS_VALUE), actions, returns, B, A, beta, c);
            ws.backward(k, B);

            double[] theta = theta(net, ws);
            double[][] out0 = unroll(net, theta, obs, h0, c0);
            double[] adv = new double[B];
            for (int r = 0; r < B; r++) adv[r] = ret[r] - out0[r][A + 1];
            checkEveryParameter(net, ws, theta, th -> gaussianLoss(unroll(net, th, obs, h0, c0), A, acts, ret, adv, beta, c));
        }
    }

    static Stream<Arguments> discreteCases() {
        return Stream.of("java", "reference").flatMap(k -> Stream.of(Arguments.of(k, false, 0), Arguments.of(k, true, 0),
                Arguments.of(k, false, 4), Arguments.of(k, true, 3)));
    }

    /** The softmax actor-critic with its own value net, with convolutions (the value net gets its own) and an LSTM. */
    @ParameterizedTest(name = "{0} kernel, conv {1}, lstm {2}")
    @MethodSource("discreteCases")
    void discreteBackwardMatchesFiniteDifferences(String kernelName, boolean withConv, int H) {
        List<Mlp.Conv> convs = withConv ? List.of(new Mlp.Conv(2, 5, 5, 3, 3, 2)) : List.of();
        int D = withConv ? convs.getFirst().inputSize() : 3, A = 3, B = 4;
        Mlp net = Mlp.actorCritic(D, convs, A, new int[] {5}, H, Activation.RELU, ValueNet.SEPARATE);
        float beta = 0.05f, c = 0.25f;
        SplittableRandom rng = new SplittableRandom(41 + H);
        try (Arena arena = Arena.ofConfined(); Kernel k = MlpGradientTest.kernel(kernelName)) {
            Workspace ws = net.workspace(arena, B + 1);
            net.initialize(ws.params, 3);
            double[][] h0 = new double[2][], c0 = new double[2][];
            carryIn(net, ws, k, rng, h0, c0);
            double[][] obs = observations(ws, rng, B, D);
            MemorySegment actions = arena.allocate(B * 4L);
            MemorySegment returns = arena.allocate(B * 4L);
            MemorySegment stats = arena.allocate(12);
            int[] acts = new int[B];
            double[] ret = new double[B];
            for (int r = 0; r < B; r++) {
                acts[r] = rng.nextInt(A);
                ret[r] = rng.nextDouble(-1, 1);
                actions.setAtIndex(JAVA_INT, r, acts[r]);
                returns.setAtIndex(JAVA_FLOAT, r, (float) ret[r]);
            }
            for (int r = 0; r < B; r++) ws.forward(k, r);
            ws.grads.fill((byte) 0);
            k.a3cLossBackward(ws.dOut(Mlp.POLICY), ws.dOut(Mlp.VALUE), stats, ws.out(Mlp.POLICY), ws.out(Mlp.VALUE), actions,
                    returns, B, A, beta, c);
            ws.backward(k, B);

            double[] theta = theta(net, ws);
            double[][] out0 = unroll(net, theta, obs, h0, c0);
            double[] adv = new double[B];
            for (int r = 0; r < B; r++) adv[r] = ret[r] - out0[r][A];
            checkEveryParameter(net, ws, theta, th -> MlpGradientTest.lossOf(unroll(net, th, obs, h0, c0), A, acts, ret, adv, beta, c));
        }
    }

    /**
     * With an LSTM: forwards two rows of an earlier segment and carries the state after them into
     * row 0, as A3C does between segments; h0/c0 [torso] receive that state (each torso's own,
     * checked to differ) for the reference. Without one they stay null.
     */
    static void carryIn(Mlp net, Workspace ws, Kernel k, SplittableRandom rng, double[][] h0, double[][] c0) {
        if (net.lstm() == 0) return;
        ws.resetState();
        for (int r = 0; r < 2; r++) {
            for (int j = 0; j < net.obsSize(); j++) ws.obsRow(r).setAtIndex(JAVA_FLOAT, j, (float) rng.nextDouble(-2, 2));
            ws.forward(k, r);
        }
        ws.carryState(2);
        // the reference recomputes that state from the same two observations, in double
        double[] theta = theta(net, ws);
        double[][] earlier = new double[2][net.obsSize()];
        for (int r = 0; r < 2; r++) for (int j = 0; j < net.obsSize(); j++) earlier[r][j] = ws.obsRow(r).getAtIndex(JAVA_FLOAT, j);
        List<String> torsos = net.torsos();
        for (int t = 0; t < torsos.size(); t++) {
            double[] h = new double[net.lstm()], c = new double[net.lstm()];
            for (double[] x : earlier) {
                double[][] hc = torso(net, theta, torsos.get(t), x, h, c);
                h = hc[1];
                c = hc[2];
            }
            h0[t] = h;
            c0[t] = c;
        }
        assertTrue(java.util.Arrays.stream(h0[0]).anyMatch(v -> v != 0), "a state that moved");
        assertTrue(!java.util.Arrays.equals(h0[0], h0[1]), "each torso carries its own state");
    }

    static double[][] observations(Workspace ws, SplittableRandom rng, int B, int D) {
        double[][] obs = new double[B][D];
        for (int r = 0; r < B; r++) {
            for (int j = 0; j < D; j++) {
                obs[r][j] = (float) rng.nextDouble(-2, 2);
                ws.obsRow(r).setAtIndex(JAVA_FLOAT, j, (float) obs[r][j]);
            }
        }
        return obs;
    }

    static double[] theta(Mlp net, Workspace ws) {
        double[] theta = new double[(int) net.layout().size()];
        for (int i = 0; i < theta.length; i++) theta[i] = ws.params.getAtIndex(JAVA_FLOAT, i);
        return theta;
    }

    interface Loss {
        double of(double[] theta);
    }

    static void checkEveryParameter(Mlp net, Workspace ws, double[] theta, Loss loss) {
        Layout layout = net.layout();
        double hStep = 1e-6;
        int checked = 0, valueTensors = 0;
        for (Layout.Tensor t : layout.tensors()) {
            if (t.name().startsWith(Mlp.VALUE_TORSO)) valueTensors++;
            for (long e = 0; e < t.size(); e++) {
                int i = (int) (t.offset() + e);
                double saved = theta[i];
                theta[i] = saved + hStep;
                double up = loss.of(theta);
                theta[i] = saved - hStep;
                double down = loss.of(theta);
                theta[i] = saved;
                double numeric = (up - down) / (2 * hStep);
                double analytic = ws.grads.getAtIndex(JAVA_FLOAT, i);
                assertEquals(numeric, analytic, 2e-4 + 2e-3 * Math.abs(numeric), t.name() + "[" + e + "]");
                checked++;
            }
        }
        assertEquals(layout.parameterCount(), checked);
        assertTrue(valueTensors >= 2 * net.hidden().length, "the value torso's own tensors were checked: " + layout.tensors());
    }

    /**
     * One torso (by prefix) on one observation in double: [top, h_after, c_after] (the LSTM's state
     * after the step; null without an LSTM). ReLU after each convolution, the activation after each
     * dense layer, gates i, f, g, o.
     */
    static double[][] torso(Mlp net, double[] theta, String p, double[] x, double[] hPrev, double[] cPrev) {
        Layout l = net.layout();
        double[] in = x;
        for (int ci = 0; ci < net.convs().size(); ci++) {
            Mlp.Conv cv = net.convs().get(ci);
            Layout.Tensor w = l.get(p + "conv." + ci + ".weight"), b = l.get(p + "conv." + ci + ".bias");
            int C = cv.channels(), Hh = cv.height(), W = cv.width(), F = cv.filters(), K = cv.kernel(), S = cv.stride();
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
                                            * in[(ch * Hh + oy * S + ky) * W + ox * S + kx];
                        y[(f * Ho + oy) * Wo + ox] = Math.max(0, acc);
                    }
            in = y;
        }
        int[] hidden = net.hidden();
        for (int k = 0; k < hidden.length; k++) {
            in = MlpGradientTest.dense(theta, l.get(p + "torso." + k + ".weight"), l.get(p + "torso." + k + ".bias"), in);
            for (int j = 0; j < in.length; j++) in[j] = net.activation() == Activation.RELU ? Math.max(0, in[j]) : Math.tanh(in[j]);
        }
        int H = net.lstm();
        if (H == 0) return new double[][] {in, null, null};
        Layout.Tensor wih = l.get(p + "lstm.weight_ih"), whh = l.get(p + "lstm.weight_hh"), lb = l.get(p + "lstm.bias");
        int I = in.length;
        double[] hNew = new double[H], cNew = new double[H];
        for (int u = 0; u < H; u++) {
            double[] z = new double[4];
            for (int g = 0; g < 4; g++) {
                int row = g * H + u;
                double acc = theta[(int) lb.offset() + row];
                for (int j = 0; j < I; j++) acc += theta[(int) wih.offset() + row * I + j] * in[j];
                for (int j = 0; j < H; j++) acc += theta[(int) whh.offset() + row * H + j] * hPrev[j];
                z[g] = acc;
            }
            double ig = sigmoid(z[0]), fg = sigmoid(z[1]), gg = Math.tanh(z[2]), og = sigmoid(z[3]);
            cNew[u] = fg * cPrev[u] + ig * gg;
            hNew[u] = og * Math.tanh(cNew[u]);
        }
        return new double[][] {hNew, hNew, cNew};
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * The network over the rows in order, each torso carrying its own LSTM state from (h0, c0):
     * [row][every head's outputs in head order], every head from the torso {@link Mlp#torsoOf} names.
     */
    static double[][] unroll(Mlp net, double[] theta, double[][] obs, double[][] h0, double[][] c0) {
        List<String> torsos = net.torsos();
        assertEquals(List.of("", "value_"), torsos);
        double[][] h = new double[2][], c = new double[2][];
        for (int t = 0; t < 2; t++) {
            h[t] = net.lstm() > 0 ? h0[t].clone() : null;
            c[t] = net.lstm() > 0 ? c0[t].clone() : null;
        }
        Layout l = net.layout();
        double[][] outs = new double[obs.length][];
        for (int r = 0; r < obs.length; r++) {
            double[][] top = new double[2][];
            for (int t = 0; t < 2; t++) {
                double[][] step = torso(net, theta, torsos.get(t), obs[r], h[t], c[t]);
                top[t] = step[0];
                h[t] = step[1];
                c[t] = step[2];
            }
            int width = net.heads().stream().mapToInt(Mlp.Head::size).sum(), at = 0;
            outs[r] = new double[width];
            for (Mlp.Head head : net.heads()) {
                double[] y = MlpGradientTest.dense(theta, l.get(head.name() + ".weight"), l.get(head.name() + ".bias"),
                        top[torsos.indexOf(net.torsoOf(head))]);
                System.arraycopy(y, 0, outs[r], at, y.length);
                at += y.length;
            }
        }
        return outs;
    }

    /**
     * Σ_r −log N(a_r; μ_r, σ_r²I)·adv_r − β H_r + c (R_r − V_r)², σ² = softplus(v) + the kernel's floor,
     * H = (D/2)(log 2πσ² + 1); rows hold [μ (D), v, V].
     */
    static double gaussianLoss(double[][] outs, int D, double[][] acts, double[] ret, double[] adv, double beta, double c) {
        double L = 0;
        for (int r = 0; r < outs.length; r++) {
            double v = outs[r][D];
            double var = Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0) + Kernel.GAUSSIAN_VAR_FLOOR;
            double sq = 0;
            for (int d = 0; d < D; d++) sq += (acts[r][d] - outs[r][d]) * (acts[r][d] - outs[r][d]);
            double negLogN = 0.5 * D * Math.log(2 * Math.PI * var) + 0.5 * sq / var;
            double H = 0.5 * D * (Math.log(2 * Math.PI * var) + 1);
            double V = outs[r][D + 1];
            L += negLogN * adv[r] - beta * H + c * (ret[r] - V) * (ret[r] - V);
        }
        return L;
    }
}
