package dev.asyncrl.net;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.kernel.Kernel;
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
    public int lstm() {
        return lstm;
    }

    /** The convolutions in front of the torso, first to last (empty for vector observations). */
    public List<Conv> convs() {
        return convs;
    }

    public Layout layout() {
        return layout;
    }

    public int obsSize() {
        return obsSize;
    }

    /** Width of head 0: the action count (or the action dimension of a Gaussian policy). */
    public int actions() {
        return heads.getFirst().size();
    }

    public List<Head> heads() {
        return heads;
    }

    public int[] hidden() {
        return hidden.clone();
    }

    public Activation activation() {
        return activation;
    }

    public ValueNet valueNet() {
        return valueNet;
    }

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
        return new Workspace(arena, rows, null, null);
    }

    /**
     * A forward-only workspace that computes with {@code params} in place (e.g. the shared target
     * network θ⁻) on the observation rows of another workspace ({@code obsOf}), so that
     * Q(s_i; θ⁻) is one forward of row i with nothing copied.
     */
    public Workspace targetWorkspace(Arena arena, MemorySegment params, Workspace obsOf) {
        return new Workspace(arena, obsOf.rows, params, obsOf.obs);
    }

    private static MemorySegment row(MemorySegment m, int r, int width) {
        return m.asSlice((long) r * width * Float.BYTES, (long) width * Float.BYTES);
    }

    public final class Workspace {
        public final int rows;
        /** θ' (layout.size()) and dθ (layout.size(); NULL in a target workspace). */
        public final MemorySegment params, grads;
        /** obs (rows, D): the environment writes each row directly; every torso reads it. */
        public final MemorySegment obs;

        private final boolean fwdOnly;
        private final Torso[] torsos;         // [0] the policy's (every head's when shared), [1] a separate value net's
        private final Torso[] torsoOfHead;    // the torso head j reads
        private final MemorySegment[] out;    // out[j] (rows, size_j): head j's outputs
        private final MemorySegment[] dOut;   // dOut[j] (rows, size_j): the loss writes, backward reads
        private final MemorySegment[] hw, hb, dhw, dhb;  // head j's slices of θ' and dθ
        // Per-row views, made once so that acting allocates nothing.
        private final MemorySegment[] obsRow;
        private final MemorySegment[][] outRow, dOutRow;

        Workspace(Arena arena, int rows, MemorySegment externalParams, MemorySegment externalObs) {
            this.rows = rows;
            long n = layout.byteSize();
            fwdOnly = externalParams != null;
            params = fwdOnly ? externalParams : arena.allocate(n, 64);
            grads = fwdOnly ? MemorySegment.NULL : arena.allocate(n, 64);
            obs = externalObs != null ? externalObs : arena.allocate((long) rows * obsSize * Float.BYTES, 64);
            obsRow = new MemorySegment[rows];
            for (int r = 0; r < rows; r++) obsRow[r] = row(obs, r, obsSize);
            List<String> names = torsos();
            torsos = new Torso[names.size()];
            for (int i = 0; i < torsos.length; i++) torsos[i] = new Torso(arena, names.get(i));
            int J = heads.size();
            torsoOfHead = new Torso[J];
            out = new MemorySegment[J];
            dOut = new MemorySegment[J];
            dOutRow = new MemorySegment[J][rows];
            hw = new MemorySegment[J];
            hb = new MemorySegment[J];
            dhw = new MemorySegment[J];
            dhb = new MemorySegment[J];
            outRow = new MemorySegment[J][rows];
            for (int j = 0; j < J; j++) {
                Head head = heads.get(j);
                Torso t = torsos[names.indexOf(torsoOf(head))];
                torsoOfHead[j] = t;
                t.ownHeads = Arrays.copyOf(t.ownHeads, t.ownHeads.length + 1);
                t.ownHeads[t.ownHeads.length - 1] = j;
                out[j] = arena.allocate((long) rows * head.size() * Float.BYTES, 64);
                dOut[j] = arena.allocate((long) rows * head.size() * Float.BYTES, 64);
                hw[j] = layout.get(head.name() + ".weight").in(params);
                hb[j] = layout.get(head.name() + ".bias").in(params);
                dhw[j] = fwdOnly ? null : layout.get(head.name() + ".weight").in(grads);
                dhb[j] = fwdOnly ? null : layout.get(head.name() + ".bias").in(grads);
                for (int r = 0; r < rows; r++) {
                    outRow[j][r] = row(out[j], r, head.size());
                    dOutRow[j][r] = row(dOut[j], r, head.size());
                }
            }
        }

        public MemorySegment obsRow(int r) {
            return obsRow[r];
        }

        /** Head j's outputs for all rows: (rows, size_j). */
        public MemorySegment out(int j) {
            return out[j];
        }

        /** Head j's outputs for row r: (size_j). */
        public MemorySegment outRow(int j, int r) {
            return outRow[j][r];
        }

        /** The gradient of the loss w.r.t. head j's outputs, (rows, size_j): the loss writes it. */
        public MemorySegment dOut(int j) {
            return dOut[j];
        }

        /** out[j][r, c]. */
        public float output(int j, int r, int c) {
            return out[j].getAtIndex(JAVA_FLOAT, (long) r * heads.get(j).size() + c);
        }

        /** Forward of one row r: obs[r] → every torso → every head's out[·][r] (each from its own torso). */
        public void forward(Kernel k, int r) {
            for (Torso t : torsos) t.forward(k, r);
            for (int j = 0; j < heads.size(); j++) {
                Torso t = torsoOfHead[j];
                k.denseForward(outRow[j][r], t.top(r), hw[j], hb[j], 1, t.topSize, heads.get(j).size());
            }
        }

        /**
         * Forward of rows 0..n-1 at once, one kernel call of batch n per layer: the same
         * activations as {@code forward(k, r)} for each r < n (to the kernel's rounding), for
         * feed-forward networks only (an LSTM's rows depend on each other). NetBench compares it
         * with acting's one-row forwards.
         */
        public void forwardBatch(Kernel k, int n) {
            if (lstm > 0) throw new IllegalStateException("an LSTM network forwards one row at a time");
            if (n < 0 || n > rows) throw new IllegalArgumentException("rows must be in [0, " + rows + "], got " + n);
            for (Torso t : torsos) t.forwardBatch(k, n);
            for (int j = 0; j < heads.size(); j++) {
                Torso t = torsoOfHead[j];
                k.denseForward(out[j], t.topBatch(), hw[j], hb[j], n, t.topSize, heads.get(j).size());
            }
        }

        /** LSTM: zero the state carried into row 0 (an episode starts), in every torso. */
        public void resetState() {
            for (Torso t : torsos) t.resetState();
        }

        /** LSTM: carry the state before row r (the state s_r was seen with) into row 0, in every torso. */
        public void carryState(int r) {
            for (Torso t : torsos) t.carryState(r);
        }

        /**
         * Backward over rows 0..n-1 (each forwarded with the current parameters), from the head
         * gradients dOut that the loss wrote; accumulates into dθ (the caller zeroes it). Each torso
         * takes the gradients of its own heads only, so a separate value net's parameters get the
         * value loss's gradient and the policy's get the policy loss's.
         */
        public void backward(Kernel k, int n) {
            if (fwdOnly) throw new IllegalStateException("a target workspace is forward-only");
            for (Torso t : torsos) t.backward(k, n);
        }

        /**
         * One torso: convolutions, dense layers and the optional LSTM, its parameters the layout's
         * tensors under its name prefix, its activations its own; it reads the shared obs rows.
         */
        private final class Torso {
            int[] ownHeads = new int[0];                     // indices of the heads that read this torso
            final int topSize;                               // the width its heads read: lstm, or the last hidden size
            private final int V = convs.size(), L = hidden.length;
            private final MemorySegment[] convOut, dConv;   // conv i: (rows, F·Ho·Wo) after ReLU, and its gradient
            private final MemorySegment[] cw, cb, dcw, dcb; // conv i's slices of θ' and dθ
            private final MemorySegment[][] convRow;        // [i][r]
            private final MemorySegment[] h;      // h[k] (rows, H_k): dense outputs after activation
            private final MemorySegment[] dh;     // dh[k] (rows, H_k)
            private final MemorySegment[] w, b, dw, db;      // dense layer k's slices of θ' and dθ
            private final MemorySegment[][] hRow;
            // LSTM: hS/cS (rows + 1, H): row 0 the state carried in, row r + 1 the state after row r;
            // gates (rows, 4H); dhA/dhB (H) alternate as dh and dh_prev; dc (H) is dc and dc_prev.
            private final MemorySegment hS, cS, lstmGates, dhA, dhB, dc;
            private final MemorySegment wih, whh, lb, dwih, dwhh, dlb;
            private final MemorySegment[] hSRow, cSRow, gatesRow, topRow, dTopRow;

            Torso(Arena arena, String p) {
                convOut = new MemorySegment[V];
                dConv = new MemorySegment[V];
                cw = new MemorySegment[V];
                cb = new MemorySegment[V];
                dcw = new MemorySegment[V];
                dcb = new MemorySegment[V];
                convRow = new MemorySegment[V][rows];
                for (int i = 0; i < V; i++) {
                    Conv conv = convs.get(i);
                    convOut[i] = arena.allocate((long) rows * conv.outputSize() * Float.BYTES, 64);
                    dConv[i] = arena.allocate((long) rows * conv.outputSize() * Float.BYTES, 64);
                    cw[i] = layout.get(p + "conv." + i + ".weight").in(params);
                    cb[i] = layout.get(p + "conv." + i + ".bias").in(params);
                    dcw[i] = fwdOnly ? null : layout.get(p + "conv." + i + ".weight").in(grads);
                    dcb[i] = fwdOnly ? null : layout.get(p + "conv." + i + ".bias").in(grads);
                    for (int r = 0; r < rows; r++) convRow[i][r] = row(convOut[i], r, conv.outputSize());
                }
                h = new MemorySegment[L];
                dh = new MemorySegment[L];
                w = new MemorySegment[L];
                b = new MemorySegment[L];
                dw = new MemorySegment[L];
                db = new MemorySegment[L];
                hRow = new MemorySegment[L][rows];
                for (int k = 0; k < L; k++) {
                    h[k] = arena.allocate((long) rows * hidden[k] * Float.BYTES, 64);
                    dh[k] = arena.allocate((long) rows * hidden[k] * Float.BYTES, 64);
                    w[k] = layout.get(p + "torso." + k + ".weight").in(params);
                    b[k] = layout.get(p + "torso." + k + ".bias").in(params);
                    dw[k] = fwdOnly ? null : layout.get(p + "torso." + k + ".weight").in(grads);
                    db[k] = fwdOnly ? null : layout.get(p + "torso." + k + ".bias").in(grads);
                    for (int r = 0; r < rows; r++) hRow[k][r] = row(h[k], r, hidden[k]);
                }
                int last = hidden[L - 1];
                if (lstm > 0) {
                    long hBytes = (long) lstm * Float.BYTES;
                    hS = arena.allocate((rows + 1) * hBytes, 64);
                    cS = arena.allocate((rows + 1) * hBytes, 64);
                    lstmGates = arena.allocate(rows * 4 * hBytes, 64);
                    dhA = arena.allocate(hBytes, 64);
                    dhB = arena.allocate(hBytes, 64);
                    dc = arena.allocate(hBytes, 64);
                    wih = layout.get(p + "lstm.weight_ih").in(params);
                    whh = layout.get(p + "lstm.weight_hh").in(params);
                    lb = layout.get(p + "lstm.bias").in(params);
                    dwih = fwdOnly ? null : layout.get(p + "lstm.weight_ih").in(grads);
                    dwhh = fwdOnly ? null : layout.get(p + "lstm.weight_hh").in(grads);
                    dlb = fwdOnly ? null : layout.get(p + "lstm.bias").in(grads);
                    hSRow = new MemorySegment[rows + 1];
                    cSRow = new MemorySegment[rows + 1];
                    for (int r = 0; r <= rows; r++) {
                        hSRow[r] = row(hS, r, lstm);
                        cSRow[r] = row(cS, r, lstm);
                    }
                    gatesRow = new MemorySegment[rows];
                    topRow = new MemorySegment[rows];
                    dTopRow = new MemorySegment[rows];
                    for (int r = 0; r < rows; r++) {
                        gatesRow[r] = row(lstmGates, r, 4 * lstm);
                        topRow[r] = row(h[L - 1], r, last);
                        dTopRow[r] = row(dh[L - 1], r, last);
                    }
                    topSize = lstm;
                } else {
                    hS = cS = lstmGates = dhA = dhB = dc = wih = whh = lb = dwih = dwhh = dlb = null;
                    hSRow = cSRow = gatesRow = topRow = dTopRow = null;
                    topSize = last;
                }
            }

            /** What the heads read for row r (topSize): the LSTM's h after row r, or the last dense output. */
            MemorySegment top(int r) {
                return lstm > 0 ? hSRow[r + 1] : hRow[L - 1][r];
            }

            /** Feed-forward torsos: the last dense output for all rows, (rows, topSize). */
            MemorySegment topBatch() {
                return h[L - 1];
            }

            /** obs[0..n) → (conv) → h[·][0..n), one kernel call of batch n per layer (no LSTM). */
            void forwardBatch(Kernel k, int n) {
                MemorySegment x = obs;
                int in = obsSize;
                for (int i = 0; i < V; i++) {
                    Conv conv = convs.get(i);
                    k.conv2dForward(convOut[i], x, cw[i], cb[i], n, conv.channels(), conv.height(), conv.width(),
                            conv.filters(), conv.kernel(), conv.stride());
                    k.reluForward(convOut[i], convOut[i], (long) n * conv.outputSize());
                    x = convOut[i];
                    in = conv.outputSize();
                }
                for (int l = 0; l < L; l++) {
                    k.denseForward(h[l], x, w[l], b[l], n, in, hidden[l]);
                    activation.forward(k, h[l], (long) n * hidden[l]);
                    x = h[l];
                    in = hidden[l];
                }
            }

            /** obs[r] → (conv) → h[·][r] → (one LSTM step from the state before row r). */
            void forward(Kernel k, int r) {
                MemorySegment x = obsRow[r];
                int in = obsSize;
                for (int i = 0; i < V; i++) {
                    Conv conv = convs.get(i);
                    k.conv2dForward(convRow[i][r], x, cw[i], cb[i], 1, conv.channels(), conv.height(), conv.width(),
                            conv.filters(), conv.kernel(), conv.stride());
                    k.reluForward(convRow[i][r], convRow[i][r], conv.outputSize());
                    x = convRow[i][r];
                    in = conv.outputSize();
                }
                for (int l = 0; l < L; l++) {
                    k.denseForward(hRow[l][r], x, w[l], b[l], 1, in, hidden[l]);
                    activation.forward(k, hRow[l][r], hidden[l]);
                    x = hRow[l][r];
                    in = hidden[l];
                }
                if (lstm > 0) {
                    k.lstmCellForward(hSRow[r + 1], cSRow[r + 1], gatesRow[r], x, hSRow[r], cSRow[r], wih, whh, lb,
                            1, in, lstm);
                }
            }

            void resetState() {
                if (lstm > 0) {
                    hSRow[0].fill((byte) 0);
                    cSRow[0].fill((byte) 0);
                }
            }

            void carryState(int r) {
                if (lstm > 0 && r != 0) {
                    MemorySegment.copy(hSRow[r], 0, hSRow[0], 0, hSRow[0].byteSize());
                    MemorySegment.copy(cSRow[r], 0, cSRow[0], 0, cSRow[0].byteSize());
                }
            }

            /** This torso's heads, then its LSTM (through time over the n rows), dense layers and convolutions. */
            void backward(Kernel k, int n) {
                int last = hidden[L - 1];
                dh[L - 1].fill((byte) 0); // every head (or the LSTM) accumulates into it
                if (lstm > 0) {
                    // Truncated backpropagation through time over the n rows of this segment, last row
                    // first: dh of row r is what the heads send plus dh_prev from row r + 1 (0 for the last).
                    MemorySegment dhCur = dhA, dhPrev = dhB;
                    dhCur.fill((byte) 0);
                    dc.fill((byte) 0);
                    for (int r = n - 1; r >= 0; r--) {
                        for (int j : ownHeads) {
                            k.denseBackward(dhCur, dhw[j], dhb[j], dOutRow[j][r], hSRow[r + 1], hw[j], 1, lstm,
                                    heads.get(j).size());
                        }
                        k.lstmCellBackward(dhPrev, dc, dTopRow[r], dwih, dwhh, dlb, dhCur, dc, topRow[r], hSRow[r], cSRow[r],
                                cSRow[r + 1], gatesRow[r], wih, whh, 1, last, lstm);
                        MemorySegment swap = dhCur;
                        dhCur = dhPrev;
                        dhPrev = swap;
                    }
                } else {
                    for (int j : ownHeads) {
                        k.denseBackward(dh[L - 1], dhw[j], dhb[j], dOut[j], h[L - 1], hw[j], n, last,
                                heads.get(j).size());
                    }
                }
                for (int l = L - 1; l >= 0; l--) {
                    activation.backward(k, dh[l], h[l], (long) n * hidden[l]);
                    MemorySegment x = l > 0 ? h[l - 1] : V > 0 ? convOut[V - 1] : obs;
                    int in = l > 0 ? hidden[l - 1] : V > 0 ? convs.get(V - 1).outputSize() : obsSize;
                    MemorySegment dx = MemorySegment.NULL;
                    if (l > 0) dx = dh[l - 1];
                    else if (V > 0) dx = dConv[V - 1];
                    if (dx != MemorySegment.NULL) dx.fill((byte) 0);
                    k.denseBackward(dx, dw[l], db[l], dh[l], x, w[l], n, in, hidden[l]);
                }
                for (int i = V - 1; i >= 0; i--) {
                    Conv conv = convs.get(i);
                    k.reluBackward(dConv[i], dConv[i], convOut[i], (long) n * conv.outputSize());
                    MemorySegment dx = MemorySegment.NULL;
                    if (i > 0) {
                        dx = dConv[i - 1];
                        dx.fill((byte) 0);
                    }
                    k.conv2dBackward(dx, dcw[i], dcb[i], dConv[i], i > 0 ? convOut[i - 1] : obs, cw[i], n, conv.channels(),
                            conv.height(), conv.width(), conv.filters(), conv.kernel(), conv.stride());
                }
            }
        }
    }
}
