package dev.asyncrl.export;

import dev.asyncrl.env.Env;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a network and its parameters θ as an ONNX model that computes what {@link Mlp}'s forward
 * computes, one step for a batch of observations. The graph follows the layout table: every
 * parameter tensor is an initializer under its layout name and shape, read straight from θ.
 *
 * <pre>
 *   obs (batch, D) or (batch, C, H, W)
 *     → [Conv (pads 0, strides S) → Relu] × V → Flatten     (the (F, Ho, Wo) order Mlp flattens in)
 *     → [Gemm (transB: weights are (out, in)) → Relu|Tanh] × L
 *     → LSTM step, built from Gemm/Split/Sigmoid/Tanh/Mul/Add with the kernel's gate order i, f, g, o:
 *         z = x·W_ihᵀ + b + h_in·W_hhᵀ;  c_out = σ(f)·c_in + σ(i)·tanh(g);  h_out = σ(o)·tanh(c_out)
 *     → heads, each a Gemm named as in the layout:
 *         policy (logits) and policy.probs (their softmax), value          actor-critic
 *         q                                                                Q network
 *         mu, var = σ² = softplus(v) + 1e-6 (the kernel's floor), value     Gaussian policy
 * </pre>
 *
 * The batch dimension is symbolic ("batch"). An LSTM network takes its state as inputs lstm.h_in and
 * lstm.c_in (batch, H; zeros at an episode's start) and returns the next as lstm.h_out and
 * lstm.c_out: the caller carries it from one call to the next. IR version 8, opset 17.
 */
public final class OnnxExport {
    private OnnxExport() {}

    /** Graph input and output names beside the heads' own (policy, value, q, mu, var). */
    public static final String OBS = "obs", H_IN = "lstm.h_in", C_IN = "lstm.c_in", H_OUT = "lstm.h_out", C_OUT = "lstm.c_out",
            PROBS = "policy.probs";
    /** The symbolic batch dimension. */
    public static final String BATCH = "batch";
    /** The floor the kernel adds to softplus(v) (kernel.h, ASYNCRL_GAUSSIAN_VAR_FLOOR). */
    public static final float VAR_FLOOR = 1e-6f;

    /** The metadata_props keys. */
    public static final String META_VERSION = "asyncrl_version", META_ALGO = "algo", META_ENV = "env", META_ENV_ID = "env_id",
            META_OBSERVATION_SHAPE = "observation_shape", META_ACTION_SPACE = "action_space", META_POLICY = "policy",
            META_NETWORK = "network", META_LSTM = "lstm";

    /**
     * What the model is for: {@code algo}, the environment by its command-line name and Gymnasium id,
     * its observation shape (a JSON array) and action space (JSON: {"type":"discrete","n":A} or
     * {"type":"box","shape":[D],"low":l,"high":h}), and the asyncrl version that wrote it.
     */
    public static Map<String, String> metadata(String algo, String envName, Env env, String version) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(META_VERSION, version);
        m.put(META_ALGO, algo);
        m.put(META_ENV, envName);
        m.put(META_ENV_ID, env.id());
        m.put(META_OBSERVATION_SHAPE, Arrays.toString(env.observationShape()).replace(" ", ""));
        m.put(META_ACTION_SPACE, env.actionCount() > 0
                ? "{\"type\":\"discrete\",\"n\":" + env.actionCount() + "}"
                : String.format(Locale.ROOT, "{\"type\":\"box\",\"shape\":[%d],\"low\":%s,\"high\":%s}", env.actionDim(),
                        Float.toString(env.actionLow()), Float.toString(env.actionHigh())));
        return m;
    }

    /** The model's bytes: {@code net} with parameters {@code theta} (laid out by net.layout()), and {@code metadata}. */
    public static byte[] toBytes(Mlp net, MemorySegment theta, Map<String, String> metadata) {
        Layout layout = net.layout();
        if (theta.byteSize() < layout.byteSize()) {
            throw new IllegalArgumentException("θ holds " + theta.byteSize() / Float.BYTES + " floats, the layout needs " + layout.size());
        }
        OnnxModel model = new OnnxModel();
        for (Layout.Tensor t : layout.tensors()) model.initializer(t.name(), t.shape(), t.in(theta));

        List<Mlp.Conv> convs = net.convs();
        if (convs.isEmpty()) {
            model.input(OBS, "observations, one row per environment", BATCH, (long) net.obsSize());
        } else {
            Mlp.Conv c = convs.getFirst();
            model.input(OBS, "image observations (channels, height, width), channel-major as the environment writes them",
                    BATCH, (long) c.channels(), (long) c.height(), (long) c.width());
        }
        String x = OBS;
        for (int i = 0; i < convs.size(); i++) {
            Mlp.Conv c = convs.get(i);
            String p = "conv." + i;
            model.node("Conv", List.of(x, p + ".weight", p + ".bias"), p + ".out")
                    .attrInts("kernel_shape", c.kernel(), c.kernel()).attrInts("strides", c.stride(), c.stride())
                    .attrInts("pads", 0, 0, 0, 0).attrInts("dilations", 1, 1).attr("group", 1L);
            model.node("Relu", List.of(p + ".out"), p + ".relu");
            x = p + ".relu";
        }
        if (!convs.isEmpty()) {
            model.node("Flatten", List.of(x), "flatten").attr("axis", 1L);
            x = "flatten";
        }
        int[] hidden = net.hidden();
        for (int k = 0; k < hidden.length; k++) {
            String p = "torso." + k;
            gemm(model, x, p, p + ".out");
            String act = net.activation() == Activation.RELU ? "Relu" : "Tanh";
            model.node(act, List.of(p + ".out"), p + "." + act.toLowerCase(Locale.ROOT));
            x = p + "." + act.toLowerCase(Locale.ROOT);
        }
        int H = net.lstm();
        if (H > 0) {
            model.input(H_IN, "the LSTM's h before this step (zeros at an episode's start)", BATCH, (long) H);
            model.input(C_IN, "the LSTM's c before this step (zeros at an episode's start)", BATCH, (long) H);
            gemm(model, x, "lstm.weight_ih", "lstm.bias", "lstm.zx");
            model.node("Gemm", List.of(H_IN, "lstm.weight_hh"), "lstm.zh").attr("transB", 1L);
            model.node("Add", List.of("lstm.zx", "lstm.zh"), "lstm.z");
            // Opset 17's Split with no 'split' input cuts axis 1 (4H) into four equal parts: i, f, g, o.
            model.node("Split", List.of("lstm.z"), "lstm.zi", "lstm.zf", "lstm.zg", "lstm.zo").attr("axis", 1L);
            model.node("Sigmoid", List.of("lstm.zi"), "lstm.i");
            model.node("Sigmoid", List.of("lstm.zf"), "lstm.f");
            model.node("Tanh", List.of("lstm.zg"), "lstm.g");
            model.node("Sigmoid", List.of("lstm.zo"), "lstm.o");
            model.node("Mul", List.of("lstm.f", C_IN), "lstm.fc");
            model.node("Mul", List.of("lstm.i", "lstm.g"), "lstm.ig");
            model.node("Add", List.of("lstm.fc", "lstm.ig"), C_OUT);
            model.node("Tanh", List.of(C_OUT), "lstm.tanh_c");
            model.node("Mul", List.of("lstm.o", "lstm.tanh_c"), H_OUT);
            x = H_OUT;
        }
        List<String> outs = new ArrayList<>();
        for (Mlp.Head head : net.heads()) {
            String name = head.name();
            long size = head.size();
            switch (name) {
                case "var" -> {
                    gemm(model, x, name, "var.v");
                    model.node("Softplus", List.of("var.v"), "var.softplus");
                    model.scalar("var.floor", VAR_FLOOR);
                    model.node("Add", List.of("var.softplus", "var.floor"), name);
                    model.output(name, "the Gaussian policy's variance σ² = softplus(v) + 1e-6, one per row", BATCH, size);
                }
                case "policy" -> {
                    gemm(model, x, name, name);
                    model.output(name, "policy logits; greedy: their argmax", BATCH, size);
                    model.node("Softmax", List.of(name), PROBS).attr("axis", 1L);
                    model.output(PROBS, "the policy's action probabilities, softmax of the logits", BATCH, size);
                }
                default -> {
                    gemm(model, x, name, name);
                    model.output(name, switch (name) {
                        case "q" -> "action values Q(s, ·); greedy: their argmax";
                        case "mu" -> "the Gaussian policy's mean μ; greedy: μ, clipped to the action bounds";
                        case "value" -> "state value V(s)";
                        default -> "head " + name;
                    }, BATCH, size);
                }
            }
            outs.add(name + "(" + size + ")");
        }
        if (H > 0) {
            model.output(H_OUT, "the LSTM's h after this step: next step's lstm.h_in", BATCH, (long) H);
            model.output(C_OUT, "the LSTM's c after this step: next step's lstm.c_in", BATCH, (long) H);
        }

        Map<String, String> meta = new LinkedHashMap<>(metadata);
        List<String> headNames = net.heads().stream().map(Mlp.Head::name).toList();
        meta.put(META_POLICY, headNames.contains("mu") ? "gaussian" : headNames.contains("q") ? "q" : "softmax");
        meta.put(META_LSTM, Integer.toString(H));
        meta.put(META_NETWORK, describe(net, outs));
        meta.forEach(model::metadata);
        String doc = "asyncrl " + meta.getOrDefault(META_ALGO, "") + " policy"
                + (meta.containsKey(META_ENV_ID) ? " for " + meta.get(META_ENV_ID) : "") + ": " + meta.get(META_NETWORK);
        return model.toBytes("asyncrl", doc, "asyncrl", meta.getOrDefault(META_VERSION, ""));
    }

    /**
     * Writes the model to {@code out} under a temporary name, then moves it into place; refuses an
     * {@code out} that exists.
     */
    public static void write(Mlp net, MemorySegment theta, Map<String, String> metadata, Path out) throws IOException {
        byte[] bytes = toBytes(net, theta, metadata);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
    }

    /** y = x · Wᵀ + b with the layout's {@code prefix}.weight (out, in) and {@code prefix}.bias (out). */
    private static void gemm(OnnxModel model, String x, String prefix, String y) {
        gemm(model, x, prefix + ".weight", prefix + ".bias", y);
    }

    private static void gemm(OnnxModel model, String x, String w, String b, String y) {
        model.node("Gemm", List.of(x, w, b), y).attr("transB", 1L);
    }

    /** e.g. "conv 16x3x3 s1 -> 128 relu -> lstm 32 -> policy(6), value(1)". */
    private static String describe(Mlp net, List<String> heads) {
        List<String> parts = new ArrayList<>();
        if (net.convs().isEmpty()) parts.add("obs " + net.obsSize());
        else {
            Mlp.Conv first = net.convs().getFirst();
            parts.add("obs " + first.channels() + "x" + first.height() + "x" + first.width());
        }
        for (Mlp.Conv c : net.convs()) parts.add("conv " + c.filters() + "x" + c.kernel() + "x" + c.kernel() + " s" + c.stride() + " relu");
        String act = net.activation().name().toLowerCase(Locale.ROOT);
        for (int h : net.hidden()) parts.add(h + " " + act);
        if (net.lstm() > 0) parts.add("lstm " + net.lstm());
        parts.add(String.join(", ", heads));
        return String.join(" -> ", parts);
    }
}
