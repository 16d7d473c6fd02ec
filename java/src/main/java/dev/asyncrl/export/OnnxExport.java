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
 *   with a separate value network (ValueNet.SEPARATE), the same again from obs under the prefix
 *   value_ (value_torso.K, value_lstm), and the value head reads that instead
 * </pre>
 *
 * The batch dimension is symbolic ("batch"). An LSTM network takes its state as inputs lstm.h_in and
 * lstm.c_in (batch, H; zeros at an episode's start) and returns the next as lstm.h_out and
 * lstm.c_out: the caller carries it from one call to the next; a separate value network's LSTM has
 * its own, value_lstm.h_in, value_lstm.c_in, value_lstm.h_out, value_lstm.c_out. IR version 8, opset 17.
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
            META_NETWORK = "network", META_LSTM = "lstm", META_VALUE_NET = "value_net";

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
        Map<String, String> top = new LinkedHashMap<>();  // torso prefix → the tensor its heads read
        for (String p : net.torsos()) top.put(p, torso(model, net, p));
        List<String> outs = new ArrayList<>(), valueOuts = new ArrayList<>();
        for (Mlp.Head head : net.heads()) {
            String name = head.name();
            long size = head.size();
            String x = top.get(net.torsoOf(head));
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
            (net.torsoOf(head).isEmpty() ? outs : valueOuts).add(name + "(" + size + ")");
        }
        int H = net.lstm();
        if (H > 0) {
            for (String p : net.torsos()) {
                String which = p.isEmpty() ? "the LSTM's" : "the value network's LSTM's";
                model.output(p + H_OUT, which + " h after this step: next step's " + p + H_IN, BATCH, (long) H);
                model.output(p + C_OUT, which + " c after this step: next step's " + p + C_IN, BATCH, (long) H);
            }
        }

        Map<String, String> meta = new LinkedHashMap<>(metadata);
        List<String> headNames = net.heads().stream().map(Mlp.Head::name).toList();
        meta.put(META_POLICY, headNames.contains("mu") ? "gaussian" : headNames.contains("q") ? "q" : "softmax");
        meta.put(META_LSTM, Integer.toString(H));
        if (headNames.contains(Mlp.VALUE_HEAD)) meta.put(META_VALUE_NET, net.valueNet().flag());
        String network = describe(net, outs);
        if (!valueOuts.isEmpty()) network += "; value net: " + describe(net, valueOuts);
        meta.put(META_NETWORK, network);
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

    /**
     * One torso's nodes, every intermediate name under its prefix {@code p} ("" or "value_"): the
     * convolutions, the dense layers and the LSTM step, whose state comes in as p + lstm.h_in/c_in
     * and goes out as p + lstm.h_out/c_out. Returns the name of the tensor its heads read.
     */
    private static String torso(OnnxModel model, Mlp net, String p) {
        List<Mlp.Conv> convs = net.convs();
        String x = OBS;
        for (int i = 0; i < convs.size(); i++) {
            Mlp.Conv c = convs.get(i);
            String q = p + "conv." + i;
            model.node("Conv", List.of(x, q + ".weight", q + ".bias"), q + ".out")
                    .attrInts("kernel_shape", c.kernel(), c.kernel()).attrInts("strides", c.stride(), c.stride())
                    .attrInts("pads", 0, 0, 0, 0).attrInts("dilations", 1, 1).attr("group", 1L);
            model.node("Relu", List.of(q + ".out"), q + ".relu");
            x = q + ".relu";
        }
        if (!convs.isEmpty()) {
            model.node("Flatten", List.of(x), p + "flatten").attr("axis", 1L);
            x = p + "flatten";
        }
        int[] hidden = net.hidden();
        for (int k = 0; k < hidden.length; k++) {
            String q = p + "torso." + k;
            gemm(model, x, q, q + ".out");
            String act = net.activation() == Activation.RELU ? "Relu" : "Tanh";
            model.node(act, List.of(q + ".out"), q + "." + act.toLowerCase(Locale.ROOT));
            x = q + "." + act.toLowerCase(Locale.ROOT);
        }
        int H = net.lstm();
        if (H > 0) {
            String q = p + "lstm", hIn = p + H_IN, cIn = p + C_IN, hOut = p + H_OUT, cOut = p + C_OUT;
            String which = p.isEmpty() ? "the LSTM's" : "the value network's LSTM's";
            model.input(hIn, which + " h before this step (zeros at an episode's start)", BATCH, (long) H);
            model.input(cIn, which + " c before this step (zeros at an episode's start)", BATCH, (long) H);
            gemm(model, x, q + ".weight_ih", q + ".bias", q + ".zx");
            model.node("Gemm", List.of(hIn, q + ".weight_hh"), q + ".zh").attr("transB", 1L);
            model.node("Add", List.of(q + ".zx", q + ".zh"), q + ".z");
            // Opset 17's Split with no 'split' input cuts axis 1 (4H) into four equal parts: i, f, g, o.
            model.node("Split", List.of(q + ".z"), q + ".zi", q + ".zf", q + ".zg", q + ".zo").attr("axis", 1L);
            model.node("Sigmoid", List.of(q + ".zi"), q + ".i");
            model.node("Sigmoid", List.of(q + ".zf"), q + ".f");
            model.node("Tanh", List.of(q + ".zg"), q + ".g");
            model.node("Sigmoid", List.of(q + ".zo"), q + ".o");
            model.node("Mul", List.of(q + ".f", cIn), q + ".fc");
            model.node("Mul", List.of(q + ".i", q + ".g"), q + ".ig");
            model.node("Add", List.of(q + ".fc", q + ".ig"), cOut);
            model.node("Tanh", List.of(cOut), q + ".tanh_c");
            model.node("Mul", List.of(q + ".o", q + ".tanh_c"), hOut);
            x = hOut;
        }
        return x;
    }

    /** y = x · Wᵀ + b with the layout's {@code prefix}.weight (out, in) and {@code prefix}.bias (out). */
    private static void gemm(OnnxModel model, String x, String prefix, String y) {
        gemm(model, x, prefix + ".weight", prefix + ".bias", y);
    }

    private static void gemm(OnnxModel model, String x, String w, String b, String y) {
        model.node("Gemm", List.of(x, w, b), y).attr("transB", 1L);
    }

    /** e.g. "obs 4x10x10 -> conv 16x3x3 s1 relu -> 128 relu -> lstm 32 -> policy(6), value(1)": one torso and its heads. */
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
