package dev.asyncrl.net;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.Layout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The actor-critic network for vector observations: an MLP torso shared by a softmax policy head
 * and a linear value head (the paper shares all non-output layers).
 *
 * <pre>
 *   obs (D) → [dense → act] × L → h_L (H_L) ─┬→ policy: dense → logits (A)
 *                                            └→ value:  dense → V (1)
 * </pre>
 *
 * Parameter names in the layout table: torso.K.weight (H_K, H_{K-1}), torso.K.bias (H_K),
 * policy.weight (A, H_L), policy.bias (A), value.weight (1, H_L), value.bias (1). Weights are
 * stored (out, in), as ONNX Gemm with transB = 1 reads them.
 */
public final class MlpActorCritic {
    private final int obsSize;
    private final int actions;
    private final int[] hidden;
    private final Activation activation;
    private final Layout layout;

    public MlpActorCritic(int obsSize, int actions, int[] hidden, Activation activation) {
        if (obsSize < 1 || actions < 1) throw new IllegalArgumentException("observation size and action count must be >= 1");
        if (hidden.length == 0) throw new IllegalArgumentException("the torso needs at least one hidden layer");
        for (int h : hidden) if (h < 1) throw new IllegalArgumentException("hidden sizes must be >= 1, got " + Arrays.toString(hidden));
        this.obsSize = obsSize;
        this.actions = actions;
        this.hidden = hidden.clone();
        this.activation = activation;
        Layout.Builder b = Layout.builder();
        int in = obsSize;
        for (int k = 0; k < hidden.length; k++) {
            b.add("torso." + k + ".weight", hidden[k], in);
            b.add("torso." + k + ".bias", hidden[k]);
            in = hidden[k];
        }
        b.add("policy.weight", actions, in);
        b.add("policy.bias", actions);
        b.add("value.weight", 1, in);
        b.add("value.bias", 1);
        this.layout = b.build();
    }

    public Layout layout() {
        return layout;
    }

    public int obsSize() {
        return obsSize;
    }

    public int actions() {
        return actions;
    }

    public int[] hidden() {
        return hidden.clone();
    }

    public Activation activation() {
        return activation;
    }

    /**
     * Torch's default initialisation, as the paper used: every weight and bias of a layer drawn
     * from U(−1/√fan_in, 1/√fan_in), fan_in being the layer's input size. Padding stays 0.
     */
    public void initialize(MemorySegment theta, long seed) {
        theta.asSlice(0, layout.byteSize()).fill((byte) 0);
        SplittableRandom rng = new SplittableRandom(seed);
        for (Layout.Tensor t : layout.tensors()) {
            long fanIn = t.name().endsWith(".weight") ? t.shape()[1]
                    : layout.get(t.name().replace(".bias", ".weight")).shape()[1];
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
        return new Workspace(arena, rows);
    }

    public final class Workspace {
        public final int rows;
        /** θ' (layout.size()) and dθ (layout.size()). */
        public final MemorySegment params, grads;
        /** obs (rows, D): the environment writes each row directly. */
        public final MemorySegment obs;
        /** logits (rows, A) and values (rows) of the rows forwarded so far. */
        public final MemorySegment logits, values;
        /** dlogits (rows, A) and dvalues (rows): the loss writes them, backward reads them. */
        public final MemorySegment dLogits, dValues;

        private final MemorySegment[] h;   // h[k] (rows, H_k): torso outputs after activation
        private final MemorySegment[] dh;  // dh[k] (rows, H_k)
        private final MemorySegment[] w, b, dw, db; // torso layer k's slices of θ' and dθ
        private final MemorySegment pw, pb, vw, vb, dpw, dpb, dvw, dvb;
        // Per-row views, made once so that acting allocates nothing.
        private final MemorySegment[] obsRow, logitsRow, valueRow;
        private final MemorySegment[][] hRow;

        Workspace(Arena arena, int rows) {
            this.rows = rows;
            long n = layout.byteSize();
            params = arena.allocate(n, 64);
            grads = arena.allocate(n, 64);
            obs = arena.allocate((long) rows * obsSize * Float.BYTES, 64);
            logits = arena.allocate((long) rows * actions * Float.BYTES, 64);
            values = arena.allocate((long) rows * Float.BYTES, 64);
            dLogits = arena.allocate((long) rows * actions * Float.BYTES, 64);
            dValues = arena.allocate((long) rows * Float.BYTES, 64);
            int L = hidden.length;
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
                w[k] = layout.get("torso." + k + ".weight").in(params);
                b[k] = layout.get("torso." + k + ".bias").in(params);
                dw[k] = layout.get("torso." + k + ".weight").in(grads);
                db[k] = layout.get("torso." + k + ".bias").in(grads);
                for (int r = 0; r < rows; r++) hRow[k][r] = row(h[k], r, hidden[k]);
            }
            pw = layout.get("policy.weight").in(params);
            pb = layout.get("policy.bias").in(params);
            vw = layout.get("value.weight").in(params);
            vb = layout.get("value.bias").in(params);
            dpw = layout.get("policy.weight").in(grads);
            dpb = layout.get("policy.bias").in(grads);
            dvw = layout.get("value.weight").in(grads);
            dvb = layout.get("value.bias").in(grads);
            obsRow = new MemorySegment[rows];
            logitsRow = new MemorySegment[rows];
            valueRow = new MemorySegment[rows];
            for (int r = 0; r < rows; r++) {
                obsRow[r] = row(obs, r, obsSize);
                logitsRow[r] = row(logits, r, actions);
                valueRow[r] = row(values, r, 1);
            }
        }

        private static MemorySegment row(MemorySegment m, int r, int width) {
            return m.asSlice((long) r * width * Float.BYTES, (long) width * Float.BYTES);
        }

        public MemorySegment obsRow(int r) {
            return obsRow[r];
        }

        public MemorySegment logitsRow(int r) {
            return logitsRow[r];
        }

        public float value(int r) {
            return values.getAtIndex(JAVA_FLOAT, r);
        }

        /** Forward of one row r with θ': obs[r] → h[·][r] → logits[r], values[r]. */
        public void forward(Kernel k, int r) {
            MemorySegment x = obsRow[r];
            int in = obsSize;
            for (int l = 0; l < hidden.length; l++) {
                k.denseForward(hRow[l][r], x, w[l], b[l], 1, in, hidden[l]);
                activation.forward(k, hRow[l][r], hidden[l]);
                x = hRow[l][r];
                in = hidden[l];
            }
            k.denseForward(logitsRow[r], x, pw, pb, 1, in, actions);
            k.denseForward(valueRow[r], x, vw, vb, 1, in, 1);
        }

        /**
         * Backward over rows 0..n-1 (each forwarded with the current θ'), from dLogits and dValues
         * that the loss wrote; accumulates into dθ (the caller zeroes it at segment start).
         */
        public void backward(Kernel k, int n) {
            int L = hidden.length;
            int top = hidden[L - 1];
            dh[L - 1].fill((byte) 0); // the heads accumulate into it
            k.denseBackward(dh[L - 1], dpw, dpb, dLogits, h[L - 1], pw, n, top, actions);
            k.denseBackward(dh[L - 1], dvw, dvb, dValues, h[L - 1], vw, n, top, 1);
            for (int l = L - 1; l >= 0; l--) {
                activation.backward(k, dh[l], h[l], (long) n * hidden[l]);
                MemorySegment x = l == 0 ? obs : h[l - 1];
                int in = l == 0 ? obsSize : hidden[l - 1];
                MemorySegment dx = MemorySegment.NULL;
                if (l > 0) {
                    dx = dh[l - 1];
                    dx.fill((byte) 0);
                }
                k.denseBackward(dx, dw[l], db[l], dh[l], x, w[l], n, in, hidden[l]);
            }
        }
    }
}
