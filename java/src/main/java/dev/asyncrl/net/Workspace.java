package dev.asyncrl.net;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.Layout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * One thread's working memory for a network ({@link Mlp}), allocated once in the thread's own
 * arena: its copy of the parameters θ', its gradient dθ, and per-row activations for up to
 * {@code rows} steps, so that the forward pass done while acting is the one the backward pass
 * reuses; and the passes themselves, row by row (acting) or over all rows (learning). A
 * forward-only workspace computes with parameters it does not own (the shared target network θ⁻)
 * on another workspace's observation rows. Nothing here allocates after construction.
 */
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
    private final Dense[] head;           // head j's weight and bias in θ' and dθ
    // Per-row views, made once so that acting allocates nothing.
    private final MemorySegment[] obsRow;
    private final MemorySegment[][] outRow, dOutRow;

    private final Layout layout;
    private final List<Mlp.Conv> convs;
    private final List<Mlp.Head> heads;
    private final int[] hidden;           // H_k, of each dense layer
    private final int obsSize, lstm;
    private final Activation activation;

    /**
     * @param externalParams null: θ' and dθ of its own; else the parameters it computes with in place (forward only)
     * @param externalObs    null: observation rows of its own; else another workspace's
     */
    Workspace(Mlp net, Arena arena, int rows, MemorySegment externalParams, MemorySegment externalObs) {
        this.rows = rows;
        this.layout = net.layout();
        this.convs = net.convs();
        this.heads = net.heads();
        this.hidden = net.hidden();
        this.obsSize = net.obsSize();
        this.lstm = net.lstm();
        this.activation = net.activation();
        long n = layout.byteSize();
        fwdOnly = externalParams != null;
        params = fwdOnly ? externalParams : arena.allocate(n, 64);
        grads = fwdOnly ? MemorySegment.NULL : arena.allocate(n, 64);
        obs = externalObs != null ? externalObs : arena.allocate((long) rows * obsSize * Float.BYTES, 64);
        obsRow = new MemorySegment[rows];
        for (int r = 0; r < rows; r++) obsRow[r] = row(obs, r, obsSize);
        List<String> names = net.torsos();
        torsos = new Torso[names.size()];
        for (int i = 0; i < torsos.length; i++) torsos[i] = new Torso(arena, names.get(i));
        int J = heads.size();
        torsoOfHead = new Torso[J];
        out = new MemorySegment[J];
        dOut = new MemorySegment[J];
        dOutRow = new MemorySegment[J][rows];
        head = new Dense[J];
        outRow = new MemorySegment[J][rows];
        for (int j = 0; j < J; j++) {
            Mlp.Head h = heads.get(j);
            Torso t = torsos[names.indexOf(net.torsoOf(h))];
            torsoOfHead[j] = t;
            t.ownHeads = Arrays.copyOf(t.ownHeads, t.ownHeads.length + 1);
            t.ownHeads[t.ownHeads.length - 1] = j;
            out[j] = arena.allocate((long) rows * h.size() * Float.BYTES, 64);
            dOut[j] = arena.allocate((long) rows * h.size() * Float.BYTES, 64);
            head[j] = dense(h.name());
            for (int r = 0; r < rows; r++) {
                outRow[j][r] = row(out[j], r, h.size());
                dOutRow[j][r] = row(dOut[j], r, h.size());
            }
        }
    }

    /** A layer's weight w and bias b in θ', and their gradients dw, db in dθ (null when forward-only). */
    private record Dense(MemorySegment w, MemorySegment b, MemorySegment dw, MemorySegment db) {}

    /** The slices of the layer named {@code name} (its NAME.weight and NAME.bias). */
    private Dense dense(String name) {
        return new Dense(inParams(name + ".weight"), inParams(name + ".bias"), inGrads(name + ".weight"), inGrads(name + ".bias"));
    }

    /** Tensor {@code name} in θ'. */
    private MemorySegment inParams(String name) {
        return layout.get(name).in(params);
    }

    /** Tensor {@code name} in dθ; null in a forward-only workspace. */
    private MemorySegment inGrads(String name) {
        return fwdOnly ? null : layout.get(name).in(grads);
    }

    private static MemorySegment row(MemorySegment m, int r, int width) {
        return m.asSlice((long) r * width * Float.BYTES, (long) width * Float.BYTES);
    }

    /** Row r of obs: where the environment writes s_r, (D). */
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
            k.denseForward(outRow[j][r], t.top(r), head[j].w(), head[j].b(), 1, t.topSize, heads.get(j).size());
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
            k.denseForward(out[j], t.topBatch(), head[j].w(), head[j].b(), n, t.topSize, heads.get(j).size());
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
        private final Dense[] convParams;               // conv i's weight (F, C, K, K) and bias (F)
        private final MemorySegment[][] convRow;        // [i][r]
        private final MemorySegment[] h;      // h[k] (rows, H_k): dense outputs after activation
        private final MemorySegment[] dh;     // dh[k] (rows, H_k)
        private final Dense[] denseParams;    // dense layer k's weight (H_k, H_{k-1}) and bias (H_k)
        private final MemorySegment[][] hRow;
        // LSTM: hS/cS (rows + 1, H): row 0 the state carried in, row r + 1 the state after row r;
        // gates (rows, 4H); dhA/dhB (H) alternate as dh and dh_prev; dc (H) is dc and dc_prev.
        private final MemorySegment hS, cS, lstmGates, dhA, dhB, dc;
        private final MemorySegment wih, whh, lb, dwih, dwhh, dlb;
        private final MemorySegment[] hSRow, cSRow, gatesRow, topRow, dTopRow;

        Torso(Arena arena, String p) {
            convOut = new MemorySegment[V];
            dConv = new MemorySegment[V];
            convParams = new Dense[V];
            convRow = new MemorySegment[V][rows];
            for (int i = 0; i < V; i++) {
                Mlp.Conv conv = convs.get(i);
                convOut[i] = arena.allocate((long) rows * conv.outputSize() * Float.BYTES, 64);
                dConv[i] = arena.allocate((long) rows * conv.outputSize() * Float.BYTES, 64);
                convParams[i] = dense(p + "conv." + i);
                for (int r = 0; r < rows; r++) convRow[i][r] = row(convOut[i], r, conv.outputSize());
            }
            h = new MemorySegment[L];
            dh = new MemorySegment[L];
            denseParams = new Dense[L];
            hRow = new MemorySegment[L][rows];
            for (int k = 0; k < L; k++) {
                h[k] = arena.allocate((long) rows * hidden[k] * Float.BYTES, 64);
                dh[k] = arena.allocate((long) rows * hidden[k] * Float.BYTES, 64);
                denseParams[k] = dense(p + "torso." + k);
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
                wih = inParams(p + "lstm.weight_ih");
                whh = inParams(p + "lstm.weight_hh");
                lb = inParams(p + "lstm.bias");
                dwih = inGrads(p + "lstm.weight_ih");
                dwhh = inGrads(p + "lstm.weight_hh");
                dlb = inGrads(p + "lstm.bias");
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
                Mlp.Conv conv = convs.get(i);
                k.conv2dForward(convOut[i], x, convParams[i].w(), convParams[i].b(), n, conv.channels(), conv.height(), conv.width(),
                        conv.filters(), conv.kernel(), conv.stride());
                k.reluForward(convOut[i], convOut[i], (long) n * conv.outputSize());
                x = convOut[i];
                in = conv.outputSize();
            }
            for (int l = 0; l < L; l++) {
                k.denseForward(h[l], x, denseParams[l].w(), denseParams[l].b(), n, in, hidden[l]);
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
                Mlp.Conv conv = convs.get(i);
                k.conv2dForward(convRow[i][r], x, convParams[i].w(), convParams[i].b(), 1, conv.channels(), conv.height(), conv.width(),
                        conv.filters(), conv.kernel(), conv.stride());
                k.reluForward(convRow[i][r], convRow[i][r], conv.outputSize());
                x = convRow[i][r];
                in = conv.outputSize();
            }
            for (int l = 0; l < L; l++) {
                k.denseForward(hRow[l][r], x, denseParams[l].w(), denseParams[l].b(), 1, in, hidden[l]);
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
                        k.denseBackward(dhCur, head[j].dw(), head[j].db(), dOutRow[j][r], hSRow[r + 1], head[j].w(), 1, lstm,
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
                    k.denseBackward(dh[L - 1], head[j].dw(), head[j].db(), dOut[j], h[L - 1], head[j].w(), n, last,
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
                k.denseBackward(dx, denseParams[l].dw(), denseParams[l].db(), dh[l], x, denseParams[l].w(), n, in, hidden[l]);
            }
            for (int i = V - 1; i >= 0; i--) {
                Mlp.Conv conv = convs.get(i);
                k.reluBackward(dConv[i], dConv[i], convOut[i], (long) n * conv.outputSize());
                MemorySegment dx = MemorySegment.NULL;
                if (i > 0) {
                    dx = dConv[i - 1];
                    dx.fill((byte) 0);
                }
                k.conv2dBackward(dx, convParams[i].dw(), convParams[i].db(), dConv[i], i > 0 ? convOut[i - 1] : obs, convParams[i].w(), n, conv.channels(),
                        conv.height(), conv.width(), conv.filters(), conv.kernel(), conv.stride());
            }
        }
    }
}
