package dev.asyncrl.export;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.env.Envs;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import dev.asyncrl.net.Workspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of network asyncrl trains, exported and run by ONNX Runtime, against the native
 * forward pass ({@link Workspace#forward}) on the pure-Java and the reference C++ kernel: random
 * parameters, random observations, a batch of three; LSTM networks over five steps of carried state,
 * each row of the batch its own sequence. Every output must agree within 1e-5 relative, plus 1e-6
 * absolute for values near 0 (the two sides sum in different orders). And what the file
 * holds: initializers named and shaped as the layout table, IR 8 / opset 17, a symbolic batch
 * dimension, the metadata.
 */
class OnnxExportTest {
    static final OrtEnvironment ORT = OrtEnvironment.getEnvironment();
    static final double RTOL = 1e-5, ATOL = 1e-6;

    static final Mlp.Conv MINATAR = new Mlp.Conv(4, 10, 10, 16, 3, 1);
    static final Mlp.Conv ATARI_1 = new Mlp.Conv(4, 84, 84, 16, 8, 4), ATARI_2 = new Mlp.Conv(16, 20, 20, 32, 4, 2);

    static Stream<Named<Mlp>> networks() {
        return Stream.of(
                Named.of("MLP actor-critic, ReLU", Mlp.actorCritic(4, 2, new int[] {64, 64}, Activation.RELU)),
                Named.of("MLP actor-critic, tanh", Mlp.actorCritic(6, 3, new int[] {32}, Activation.TANH)),
                Named.of("MLP Q network", Mlp.qNetwork(6, 3, new int[] {64, 32, 16}, Activation.RELU)),
                Named.of("MinAtar conv actor-critic", Mlp.actorCritic(400, List.of(MINATAR), 6, new int[] {128}, 0, Activation.RELU)),
                Named.of("MinAtar conv Q network", Mlp.qNetwork(400, List.of(MINATAR), 6, new int[] {128}, Activation.RELU)),
                Named.of("Atari conv actor-critic (8x8 s4, 4x4 s2)",
                        Mlp.actorCritic(4 * 84 * 84, List.of(ATARI_1, ATARI_2), 6, new int[] {256}, 0, Activation.RELU)),
                Named.of("Gaussian, 1-D", Mlp.gaussianActorCritic(3, 1, new int[] {64, 64}, 0, Activation.TANH)),
                Named.of("Gaussian, 2-D, ReLU", Mlp.gaussianActorCritic(5, 2, new int[] {32}, 0, Activation.RELU)),
                Named.of("LSTM actor-critic", Mlp.actorCritic(4, List.of(), 3, new int[] {16}, 8, Activation.RELU)),
                Named.of("MinAtar conv LSTM actor-critic", Mlp.actorCritic(400, List.of(MINATAR), 6, new int[] {64}, 16, Activation.RELU)),
                Named.of("Gaussian LSTM", Mlp.gaussianActorCritic(3, 1, new int[] {32}, 8, Activation.TANH)),
                Named.of("Gaussian, separate value net", Mlp.gaussianActorCritic(3, 1, new int[] {32, 16}, 0, Activation.TANH, ValueNet.SEPARATE)),
                Named.of("Gaussian LSTM, separate value net (the paper's MuJoCo net)",
                        Mlp.gaussianActorCritic(3, 1, new int[] {200}, 128, Activation.RELU, ValueNet.SEPARATE)),
                Named.of("MinAtar conv LSTM actor-critic, separate value net",
                        Mlp.actorCritic(400, List.of(MINATAR), 6, new int[] {32}, 8, Activation.RELU, ValueNet.SEPARATE)));
    }

    static Stream<Arguments> networksOnKernels() {
        return Stream.of("java", "reference").flatMap(k -> networks().map(n -> Arguments.of(k, n)));
    }

    static Kernel kernel(String name) {
        return name.equals("java") ? new JavaKernel() : KernelLibraries.load(name);
    }

    static Map<String, String> someMetadata() {
        return OnnxExport.metadata("a3c", "cartpole", Envs.create("cartpole"), "test");
    }

    @ParameterizedTest(name = "{1} on the {0} kernel")
    @MethodSource("networksOnKernels")
    void onnxRuntimeComputesTheNativeForward(String kernelName, Mlp net) throws Exception {
        int B = 3, T = net.lstm() > 0 ? 5 : 1, D = net.obsSize(), H = net.lstm();
        SplittableRandom rng = new SplittableRandom(17);
        try (Arena arena = Arena.ofConfined(); Kernel k = kernel(kernelName);
             OrtSession session = ORT.createSession(OnnxExport.toBytes(net, theta(net, arena, 3), someMetadata()), new OrtSession.SessionOptions())) {
            // One native workspace per row of the batch: row b's sequence lives in workspace b's rows 0..T-1.
            List<Workspace> ws = new ArrayList<>();
            for (int b = 0; b < B; b++) {
                Workspace w = net.workspace(arena, T);
                w.params.copyFrom(theta(net, arena, 3));
                w.resetState();
                ws.add(w);
            }
            long[] obsShape = net.convs().isEmpty() ? new long[] {B, D}
                    : new long[] {B, net.convs().getFirst().channels(), net.convs().getFirst().height(), net.convs().getFirst().width()};
            Map<String, float[]> state = new HashMap<>();  // every LSTM's h and c by input name, zeros at first
            if (H > 0) {
                for (String p : net.torsos()) {
                    state.put(p + OnnxExport.H_IN, new float[B * H]);
                    state.put(p + OnnxExport.C_IN, new float[B * H]);
                }
            }
            double worst = 0;
            for (int t = 0; t < T; t++) {
                float[] obs = new float[B * D];
                for (int i = 0; i < obs.length; i++) obs[i] = (float) rng.nextDouble(-1, 1);
                for (int b = 0; b < B; b++) {
                    MemorySegment.copy(obs, b * D, ws.get(b).obsRow(t), JAVA_FLOAT, 0, D);
                    ws.get(b).forward(k, t);
                }
                Map<String, OnnxTensor> in = new HashMap<>();
                in.put(OnnxExport.OBS, OnnxTensor.createTensor(ORT, FloatBuffer.wrap(obs), obsShape));
                for (var e : state.entrySet()) {
                    in.put(e.getKey(), OnnxTensor.createTensor(ORT, FloatBuffer.wrap(e.getValue()), new long[] {B, H}));
                }
                try (OrtSession.Result r = session.run(in)) {
                    for (int j = 0; j < net.heads().size(); j++) {
                        Mlp.Head head = net.heads().get(j);
                        float[] got = floats(r, head.name());
                        assertEquals(B * head.size(), got.length, head.name());
                        double[] probs = new double[head.size()];
                        for (int b = 0; b < B; b++) {
                            double max = Double.NEGATIVE_INFINITY, sum = 0;
                            for (int a = 0; a < head.size(); a++) max = Math.max(max, ws.get(b).output(j, t, a));
                            for (int a = 0; a < head.size(); a++) sum += probs[a] = Math.exp(ws.get(b).output(j, t, a) - max);
                            for (int a = 0; a < head.size(); a++) {
                                double expected = ws.get(b).output(j, t, a);
                                if (head.name().equals("var")) expected = softplus(expected) + OnnxExport.VAR_FLOOR;
                                String what = head.name() + "[" + b + "," + a + "] at step " + t;
                                worst = Math.max(worst, check(what, expected, got[b * head.size() + a]));
                                if (head.name().equals("policy")) {
                                    worst = Math.max(worst, check("policy.probs[" + b + "," + a + "] at step " + t, probs[a] / sum,
                                            floats(r, OnnxExport.PROBS)[b * head.size() + a]));
                                }
                            }
                        }
                    }
                    if (H > 0) {  // the next step starts from this one's state, every torso from its own
                        for (String p : net.torsos()) {
                            float[] h = floats(r, p + OnnxExport.H_OUT);
                            for (float v : h) assertTrue(v != 0, "an LSTM state that moved");
                            state.put(p + OnnxExport.H_IN, h);
                            state.put(p + OnnxExport.C_IN, floats(r, p + OnnxExport.C_OUT));
                        }
                        if (net.torsos().size() > 1) {
                            assertTrue(!java.util.Arrays.equals(state.get(OnnxExport.H_IN), state.get("value_" + OnnxExport.H_IN)),
                                    "the value net's LSTM has a state of its own");
                        }
                    }
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
            System.out.printf("%s on %s: largest error %.3f of the tolerance%n", net.heads(), kernelName, worst);
        }
    }

    /** Parameters from Torch's initialisation, drawn again identically for the same seed. */
    static MemorySegment theta(Mlp net, Arena arena, long seed) {
        MemorySegment theta = arena.allocate(net.layout().byteSize(), 64);
        net.initialize(theta, seed);
        return theta;
    }

    static double softplus(double v) {
        return Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
    }

    /**
     * numpy's allclose test, |actual − expected| ≤ atol + rtol·|expected|, with rtol = 1e-5 and
     * atol = 1e-6 (outputs near 0 are sums that cancel, where only an absolute bound means
     * anything); returns the error as a fraction of that bound.
     */
    static double check(String what, double expected, float actual) {
        double err = Math.abs(actual - expected) / (ATOL + RTOL * Math.abs(expected));
        assertTrue(err <= 1, what + ": ONNX Runtime " + actual + ", native " + expected + " (" + err + " of the tolerance)");
        return err;
    }

    static float[] floats(OrtSession.Result r, String name) {
        OnnxTensor t = (OnnxTensor) r.get(name).orElseThrow(() -> new AssertionError("no output " + name));
        FloatBuffer fb = t.getFloatBuffer();
        float[] a = new float[fb.remaining()];
        fb.get(a);
        return a;
    }

    @Test
    void namesAndShapesFollowTheLayoutTable() throws Exception {
        Mlp net = Mlp.actorCritic(400, List.of(MINATAR), 6, new int[] {64}, 16, Activation.RELU);
        byte[] bytes;
        try (Arena arena = Arena.ofConfined()) {
            bytes = OnnxExport.toBytes(net, theta(net, arena, 1),
                    OnnxExport.metadata("a3c", "minatar-breakout", Envs.create("minatar-breakout"), "9.9.9"));
        }
        // Read the file back with protobuf's generic parser: ModelProto fields 1 (ir_version),
        // 8 (opset_import), 7 (graph) → 5 (initializer) → 8 (name), 1 (dims).
        UnknownFieldSet model = UnknownFieldSet.parseFrom(bytes);
        assertEquals(List.of((long) OnnxModel.IR_VERSION), model.getField(1).getVarintList());
        UnknownFieldSet opset = UnknownFieldSet.parseFrom(model.getField(8).getLengthDelimitedList().getFirst());
        assertEquals(List.of(17L), opset.getField(2).getVarintList());
        UnknownFieldSet graph = UnknownFieldSet.parseFrom(model.getField(7).getLengthDelimitedList().getFirst());
        Map<String, List<Long>> initializers = new LinkedHashMap<>();
        for (ByteString t : graph.getField(5).getLengthDelimitedList()) {
            UnknownFieldSet tensor = UnknownFieldSet.parseFrom(t);
            initializers.put(tensor.getField(8).getLengthDelimitedList().getFirst().toStringUtf8(), tensor.getField(1).getVarintList());
        }
        Map<String, List<Long>> layout = new LinkedHashMap<>();
        for (Layout.Tensor t : net.layout().tensors()) layout.put(t.name(), java.util.Arrays.stream(t.shape()).boxed().toList());
        assertEquals(layout, initializers, "one initializer per layout tensor, same name and shape, nothing else");

        try (OrtSession s = ORT.createSession(bytes, new OrtSession.SessionOptions())) {
            assertEquals(Set.of("obs", "lstm.h_in", "lstm.c_in"), s.getInputNames());
            assertEquals(Set.of("policy", "policy.probs", "value", "lstm.h_out", "lstm.c_out"), s.getOutputNames());
            TensorInfo obs = (TensorInfo) s.getInputInfo().get("obs").getInfo();
            assertArrayEquals(new long[] {-1, 4, 10, 10}, obs.getShape());
            assertEquals("batch", obs.getDimensionNames()[0]);
            for (NodeInfo out : s.getOutputInfo().values()) {
                assertEquals("batch", ((TensorInfo) out.getInfo()).getDimensionNames()[0], out.getName());
            }
            assertArrayEquals(new long[] {-1, 1}, ((TensorInfo) s.getOutputInfo().get("value").getInfo()).getShape());
            assertEquals("asyncrl", s.getMetadata().getProducerName());
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertEquals("9.9.9", meta.get("asyncrl_version"));
            assertEquals("a3c", meta.get("algo"));
            assertEquals("minatar-breakout", meta.get("env"));
            assertEquals("MinAtar/Breakout-v0", meta.get("env_id"));
            assertEquals("[4,10,10]", meta.get("observation_shape"));
            assertEquals("{\"type\":\"discrete\",\"n\":6}", meta.get("action_space"));
            assertEquals("softmax", meta.get("policy"));
            assertEquals("16", meta.get("lstm"));
            assertEquals("obs 4x10x10 -> conv 16x3x3 s1 relu -> 64 relu -> lstm 16 -> policy(6), value(1)", meta.get("network"));
        }
    }

    @Test
    void aSeparateValueNetIsItsOwnBranchWithItsOwnState() throws Exception {
        Mlp net = Mlp.gaussianActorCritic(3, 1, new int[] {200}, 128, Activation.RELU, ValueNet.SEPARATE);
        byte[] bytes;
        try (Arena arena = Arena.ofConfined()) {
            bytes = OnnxExport.toBytes(net, theta(net, arena, 1), OnnxExport.metadata("a3c", "pendulum", Envs.create("pendulum"), "t"));
        }
        UnknownFieldSet graph = UnknownFieldSet.parseFrom(UnknownFieldSet.parseFrom(bytes).getField(7).getLengthDelimitedList().getFirst());
        List<String> initializers = new ArrayList<>();
        for (ByteString t : graph.getField(5).getLengthDelimitedList()) {
            initializers.add(UnknownFieldSet.parseFrom(t).getField(8).getLengthDelimitedList().getFirst().toStringUtf8());
        }
        List<String> expected = new ArrayList<>(net.layout().tensors().stream().map(Layout.Tensor::name).toList());
        expected.add("var.floor");  // the one initializer that is not a parameter
        assertEquals(expected, initializers);
        try (OrtSession s = ORT.createSession(bytes, new OrtSession.SessionOptions())) {
            assertEquals(Set.of("obs", "lstm.h_in", "lstm.c_in", "value_lstm.h_in", "value_lstm.c_in"), s.getInputNames());
            assertEquals(Set.of("mu", "var", "value", "lstm.h_out", "lstm.c_out", "value_lstm.h_out", "value_lstm.c_out"),
                    s.getOutputNames());
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertEquals("separate", meta.get("value_net"));
            assertEquals("128", meta.get("lstm"));
            assertEquals("obs 3 -> 200 relu -> lstm 128 -> mu(1), var(1); value net: obs 3 -> 200 relu -> lstm 128 -> value(1)",
                    meta.get("network"));

            // The value reads the value net alone: changing the policy's LSTM state moves μ, not V; the value's moves V, not μ.
            float[] obs = {0.3f, -0.2f, 0.5f};
            Map<String, float[]> zero = new HashMap<>();
            for (String n : s.getInputNames()) if (!n.equals("obs")) zero.put(n, new float[128]);
            float[][] base = muAndValue(s, obs, zero);
            Map<String, float[]> policyMoved = new HashMap<>(zero), valueMoved = new HashMap<>(zero);
            float[] ones = new float[128];
            java.util.Arrays.fill(ones, 0.5f);
            policyMoved.put("lstm.h_in", ones);
            valueMoved.put("value_lstm.h_in", ones);
            float[][] p = muAndValue(s, obs, policyMoved), v = muAndValue(s, obs, valueMoved);
            assertTrue(p[0][0] != base[0][0] && p[1][0] == base[1][0], "policy state moves mu only");
            assertTrue(v[0][0] == base[0][0] && v[1][0] != base[1][0], "value state moves V only");
        }
    }

    private static float[][] muAndValue(OrtSession s, float[] obs, Map<String, float[]> state) throws Exception {
        Map<String, OnnxTensor> in = new HashMap<>();
        try {
            in.put("obs", OnnxTensor.createTensor(ORT, FloatBuffer.wrap(obs), new long[] {1, obs.length}));
            for (var e : state.entrySet()) in.put(e.getKey(), OnnxTensor.createTensor(ORT, FloatBuffer.wrap(e.getValue()), new long[] {1, 128}));
            try (OrtSession.Result r = s.run(in)) {
                return new float[][] {floats(r, "mu"), floats(r, "value")};
            }
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    @Test
    void aGaussianModelRecordsItsBoxAndVarianceFloor() throws Exception {
        Mlp net = Mlp.gaussianActorCritic(3, 1, new int[] {8}, 0, Activation.TANH);
        try (Arena arena = Arena.ofConfined();
             OrtSession s = ORT.createSession(OnnxExport.toBytes(net, theta(net, arena, 1),
                     OnnxExport.metadata("a3c", "pendulum", Envs.create("pendulum"), "t")), new OrtSession.SessionOptions())) {
            assertEquals(Set.of("mu", "var", "value"), s.getOutputNames());
            Map<String, String> meta = s.getMetadata().getCustomMetadata();
            assertEquals("{\"type\":\"box\",\"shape\":[1],\"low\":-2.0,\"high\":2.0}", meta.get("action_space"));
            assertEquals("gaussian", meta.get("policy"));
            assertEquals("0", meta.get("lstm"));
        }
    }
}
