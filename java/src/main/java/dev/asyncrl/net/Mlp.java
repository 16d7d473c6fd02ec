package dev.asyncrl.net;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.memory.Layout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The network: optional convolutions, an MLP torso and an optional LSTM, shared by one or more
 * linear heads (the paper shares all non-output layers); or, for an actor-critic with
 * {@link ValueNet#SEPARATE}, a second torso of the same shape that only the value head reads (the
 * paper's MuJoCo nets share no parameters between policy and value).
 *
 * <pre>
 *   obs (D) → [conv → relu] × V → [dense → act] × L → (LSTM) → top (H) ─┬→ head 0: dense → out_0 (size_0)
 *                                                                       └→ head 1: dense → out_1 (size_1) ...
 *   separate value net: obs → value_conv… → value_torso… → (value_lstm) → value: dense → V (1)
 * </pre>
 *
 * A3C uses {@link #actorCritic}: a policy head of A logits (softmax in the loss) and a value head
 * of 1; the Q methods use {@link #qNetwork}: one head of A action values. Parameter names in the
 * layout table: conv.I.weight (F, C, K, K), conv.I.bias (F), torso.K.weight (H_K, H_{K-1}),
 * torso.K.bias (H_K), lstm.weight_ih (4H, in), lstm.weight_hh (4H, H), lstm.bias (4H), HEAD.weight
 * (size, top), HEAD.bias (size); a separate value torso's tensors are the same names prefixed
 * {@value #VALUE_TORSO} (value_torso.0.weight, value_lstm.bias, ...), laid out after the policy's
 * heads and before the value head. Weights are stored (out, in), as ONNX Gemm with transB = 1 reads
 * them.
 *
 * <p>This is the network's description, shared by every thread: its layers, heads, layout table and
 * initialisation. What each thread owns (θ', dθ, activations) and the passes over it are a
 * {@link Workspace}'s, allocated in the thread's own arena.
 */
public final class Mlp {

    /** A linear output head: its name in the layout table and its width. */
    public record Head(String name, int size) {}

    /**
     * A convolution in front of the dense torso, for image observations (C, H, W), channel-major:
     * F filters of K×K, stride S, no padding, ReLU. Convolutions chain (the next reads this one's
     * (F, Ho, Wo)); the last one's output is flattened into the first dense layer.
     */
    public record Conv(int channels, int height, int width, int filters, int kernel, int stride) {
        public Conv {
            if (channels < 1 || height < 1 || width < 1 || filters < 1 || kernel < 1 || stride < 1) {
                throw new IllegalArgumentException("conv sizes must be >= 1");
            }
            if (kernel > height || kernel > width) {
                throw new IllegalArgumentException("conv kernel " + kernel + "x" + kernel + " larger than its " + height + "x" + width + " input");
            }
            // F * Ho * Wo is an int size everywhere downstream
            if ((long) filters * ((height - kernel) / stride + 1) * ((width - kernel) / stride + 1) > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("conv output " + filters + "x" + ((height - kernel) / stride + 1) + "x"
                        + ((width - kernel) / stride + 1) + " is too large (more than " + Integer.MAX_VALUE + " values)");
            }
        }

        public int outHeight() {
            return (height - kernel) / stride + 1;
        }

        public int outWidth() {
            return (width - kernel) / stride + 1;
        }

        public int inputSize() {
            return channels * height * width;
        }

        public int outputSize() {
            return filters * outHeight() * outWidth();
        }
    }

    /** Head indices of {@link #actorCritic}. */
    public static final int POLICY = 0, VALUE = 1;
    /** Head index of {@link #qNetwork}. */
    public static final int Q = 0;
    /** Head indices of {@link #gaussianActorCritic}: mean μ (D), pre-softplus variance v (1), value (1). */
    public static final int MU = 0, VAR = 1, GAUSS_VALUE = 2;
    /** The value head's name; with {@link ValueNet#SEPARATE} it alone reads the value torso. */
    public static final String VALUE_HEAD = "value";
    /** Name prefix of the torsos in the layout table: the policy's (and a shared one's), the separate value net's. */
    public static final String POLICY_TORSO = "", VALUE_TORSO = "value_";

    private final int obsSize;
    private final List<Conv> convs; // empty: the torso starts with a dense layer
    private final int[] hidden;
    private final int lstm;        // LSTM cells after the last hidden layer; 0: none
    private final Activation activation;
    private final List<Head> heads;
    private final ValueNet valueNet;
    private final Layout layout;

    public Mlp(int obsSize, int[] hidden, Activation activation, List<Head> heads) {
        this(obsSize, List.of(), hidden, 0, activation, heads);
    }

    public Mlp(int obsSize, Conv conv, int[] hidden, Activation activation, List<Head> heads) {
        this(obsSize, conv, hidden, 0, activation, heads);
    }

    /**
     * @param lstm LSTM cells after the last hidden layer (A3C LSTM: "an additional 256 LSTM cells
     *             after the final hidden layer"); the heads then read the LSTM's h. 0: none.
     */
    public Mlp(int obsSize, Conv conv, int[] hidden, int lstm, Activation activation, List<Head> heads) {
        this(obsSize, conv == null ? List.of() : List.of(conv), hidden, lstm, activation, heads);
    }

    public Mlp(int obsSize, List<Conv> convs, int[] hidden, int lstm, Activation activation, List<Head> heads) {
        this(obsSize, convs, hidden, lstm, activation, heads, ValueNet.SHARED);
    }

    /**
     * @param valueNet SEPARATE: the head named {@value #VALUE_HEAD} reads a torso of its own, of the
     *                 same shape as the policy's (convolutions, dense layers, LSTM), with no shared parameter
     */
    public Mlp(int obsSize, List<Conv> convs, int[] hidden, int lstm, Activation activation, List<Head> heads,
               ValueNet valueNet) {
        if (lstm < 0) throw new IllegalArgumentException("--lstm must be >= 0, got " + lstm);
        int expect = obsSize;
        for (Conv conv : convs) {
            if (conv.inputSize() != expect) {
                throw new IllegalArgumentException("conv input " + conv.channels() + "x" + conv.height() + "x" + conv.width()
                        + " does not match its input size " + expect);
            }
            expect = conv.outputSize();
        }
        if (obsSize < 1) throw new IllegalArgumentException("observation size must be >= 1");
        if (hidden.length == 0) throw new IllegalArgumentException("the torso needs at least one hidden layer");
        for (int h : hidden) if (h < 1) throw new IllegalArgumentException("hidden sizes must be >= 1, got " + Arrays.toString(hidden));
        if (heads.isEmpty()) throw new IllegalArgumentException("a network needs at least one head");
        for (Head h : heads) if (h.size() < 1) throw new IllegalArgumentException("head " + h.name() + " needs size >= 1");
        if (valueNet == ValueNet.SEPARATE
                && (heads.stream().noneMatch(h -> h.name().equals(VALUE_HEAD)) || heads.size() < 2)) {
            throw new IllegalArgumentException("a separate value network needs a '" + VALUE_HEAD + "' head beside the policy's");
        }
        this.obsSize = obsSize;
        this.convs = List.copyOf(convs);
        this.lstm = lstm;
        this.hidden = hidden.clone();
        this.activation = activation;
        this.heads = List.copyOf(heads);
        this.valueNet = valueNet;
        Layout.Builder b = Layout.builder();
        int top = addTorso(b, POLICY_TORSO);
        for (Head h : heads) {
            if (!torsoOf(h).equals(POLICY_TORSO)) continue;
            b.add(h.name() + ".weight", h.size(), top);
            b.add(h.name() + ".bias", h.size());
        }
        if (valueNet == ValueNet.SEPARATE) {
            top = addTorso(b, VALUE_TORSO);
            for (Head h : heads) {
                if (!torsoOf(h).equals(VALUE_TORSO)) continue;
                b.add(h.name() + ".weight", h.size(), top);
                b.add(h.name() + ".bias", h.size());
            }
        }
        this.layout = b.build();
    }

    /** Adds one torso's tensors under {@code p} (conv, dense, LSTM) and returns the width its heads read. */
    private int addTorso(Layout.Builder b, String p) {
        int in = obsSize;
        for (int i = 0; i < convs.size(); i++) {
            Conv conv = convs.get(i);
            b.add(p + "conv." + i + ".weight", conv.filters(), conv.channels(), conv.kernel(), conv.kernel());
            b.add(p + "conv." + i + ".bias", conv.filters());
            in = conv.outputSize();
        }
        for (int k = 0; k < hidden.length; k++) {
            b.add(p + "torso." + k + ".weight", hidden[k], in);
            b.add(p + "torso." + k + ".bias", hidden[k]);
            in = hidden[k];
        }
        if (lstm > 0) {  // gates i, f, g, o stacked: (4H, ·)
            b.add(p + "lstm.weight_ih", 4L * lstm, in);
            b.add(p + "lstm.weight_hh", 4L * lstm, lstm);
            b.add(p + "lstm.bias", 4L * lstm);
            in = lstm;
        }
        return in;
    }

    /** Policy logits (A) and state value (1) over one torso. */
    public static Mlp actorCritic(int obsSize, int actions, int[] hidden, Activation activation) {
        return actorCritic(obsSize, List.of(), actions, hidden, 0, activation);
    }

    public static Mlp actorCritic(int obsSize, Conv conv, int actions, int[] hidden, Activation activation) {
        return actorCritic(obsSize, conv, actions, hidden, 0, activation);
    }

    public static Mlp actorCritic(int obsSize, Conv conv, int actions, int[] hidden, int lstm, Activation activation) {
        return actorCritic(obsSize, conv == null ? List.of() : List.of(conv), actions, hidden, lstm, activation);
    }

    public static Mlp actorCritic(int obsSize, List<Conv> convs, int actions, int[] hidden, int lstm, Activation activation) {
        return actorCritic(obsSize, convs, actions, hidden, lstm, activation, ValueNet.SHARED);
    }

    /** Policy logits (A) and state value (1), the value on the policy's torso or on its own. */
    public static Mlp actorCritic(int obsSize, List<Conv> convs, int actions, int[] hidden, int lstm, Activation activation,
                                  ValueNet valueNet) {
        return new Mlp(obsSize, convs, hidden, lstm, activation, List.of(new Head("policy", actions), new Head(VALUE_HEAD, 1)),
                valueNet);
    }

    /**
     * The paper's continuous-action policy: a spherical Gaussian with mean μ (D, linear) and one
     * variance σ² = softplus(v) (v linear, 1), and a value head, over one torso.
     */
    public static Mlp gaussianActorCritic(int obsSize, int actionDim, int[] hidden, int lstm, Activation activation) {
        return gaussianActorCritic(obsSize, actionDim, hidden, lstm, activation, ValueNet.SHARED);
    }

    /**
     * The Gaussian policy with its value head on the policy's torso (SHARED) or, as the paper's
     * MuJoCo nets (200 ReLU → 128 LSTM, "a separate network"), on a torso of its own (SEPARATE).
     */
    public static Mlp gaussianActorCritic(int obsSize, int actionDim, int[] hidden, int lstm, Activation activation,
                                          ValueNet valueNet) {
        return new Mlp(obsSize, List.of(), hidden, lstm, activation,
                List.of(new Head("mu", actionDim), new Head("var", 1), new Head(VALUE_HEAD, 1)), valueNet);
    }

    /** Action values Q(s, ·) (A). */
    public static Mlp qNetwork(int obsSize, int actions, int[] hidden, Activation activation) {
        return qNetwork(obsSize, List.of(), actions, hidden, activation);
    }

    public static Mlp qNetwork(int obsSize, Conv conv, int actions, int[] hidden, Activation activation) {
        return qNetwork(obsSize, conv == null ? List.of() : List.of(conv), actions, hidden, activation);
    }

    public static Mlp qNetwork(int obsSize, List<Conv> convs, int actions, int[] hidden, Activation activation) {
        return new Mlp(obsSize, convs, hidden, 0, activation, List.of(new Head("q", actions)));
    }

    /** LSTM cells after the torso (each torso, with a separate value net); 0 when the network is feed-forward. */
    public int lstm() { return lstm; }

    /** The convolutions in front of the torso, first to last (empty for vector observations). */
    public List<Conv> convs() { return convs; }

    public Layout layout() { return layout; }

    public int obsSize() { return obsSize; }

    /** Width of head 0: the action count (or the action dimension of a Gaussian policy). */
    public int actions() {
        return heads.getFirst().size();
    }

    public List<Head> heads() { return heads; }

    public int[] hidden() { return hidden.clone(); }

    public Activation activation() { return activation; }

    public ValueNet valueNet() { return valueNet; }

    /** The torsos, by name prefix: {@link #POLICY_TORSO}, then {@link #VALUE_TORSO} with a separate value net. */
    public List<String> torsos() {
        return valueNet == ValueNet.SEPARATE ? List.of(POLICY_TORSO, VALUE_TORSO) : List.of(POLICY_TORSO);
    }

    /** The name prefix of the torso {@code head} reads. */
    public String torsoOf(Head head) {
        return valueNet == ValueNet.SEPARATE && head.name().equals(VALUE_HEAD) ? VALUE_TORSO : POLICY_TORSO;
    }

    /**
     * Torch's default initialisation, as the paper used: every weight and bias of a layer drawn
     * from U(−1/√fan_in, 1/√fan_in), fan_in being the layer's input size (C·K·K for the
     * convolution). Padding stays 0.
     */
    public void initialize(MemorySegment theta, long seed) {
        theta.asSlice(0, layout.byteSize()).fill((byte) 0);
        SplittableRandom rng = new SplittableRandom(seed);
        for (Layout.Tensor t : layout.tensors()) {
            long fanIn;
            if (t.name().startsWith(POLICY_TORSO + "lstm.") || t.name().startsWith(VALUE_TORSO + "lstm.")) {
                fanIn = lstm;  // Torch's LSTM: every weight and bias from U(±1/√hidden)
            } else {
                Layout.Tensor w = t.name().endsWith(".weight") ? t : layout.get(t.name().replace(".bias", ".weight"));
                fanIn = w.size() / w.shape()[0];  // in, or C·K·K for the convolution
            }
            double bound = 1.0 / Math.sqrt(fanIn);
            for (long i = 0; i < t.size(); i++) {
                theta.setAtIndex(JAVA_FLOAT, t.offset() + i, (float) rng.nextDouble(-bound, bound));
            }
        }
    }

    /**
     * One thread's working memory, allocated once in {@code arena} (the thread's own): its copy of
     * the parameters θ', its gradient dθ, and per-row activations for up to {@code rows} steps, so
     * the forward pass done while acting is the one the backward pass reuses.
     */
    public Workspace workspace(Arena arena, int rows) {
        return new Workspace(this, arena, rows, 1, null, null);
    }

    /**
     * The working memory of a thread that steps {@code K} environments in lock-step: {@code blocks}
     * blocks of K rows, row t·K + e holding environment e's step t, so that each step's forward is
     * one K-row batch ({@link Workspace#forward}) and an LSTM keeps one state per environment.
     */
    public Workspace workspace(Arena arena, int blocks, int K) {
        return new Workspace(this, arena, blocks, K, null, null);
    }

    /**
     * A forward-only workspace that computes with {@code params} in place (e.g. the shared target
     * network θ⁻) on the observation rows of another workspace ({@code obsOf}), so that
     * Q(s_i; θ⁻) is one forward of block i with nothing copied.
     */
    public Workspace targetWorkspace(Arena arena, MemorySegment params, Workspace obsOf) {
        return new Workspace(this, arena, obsOf.blocks, obsOf.K, params, obsOf.obs);
    }
}
