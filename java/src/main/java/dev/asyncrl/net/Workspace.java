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
 * arena: its copy of the parameters θ', its gradient dθ, and activations for {@code blocks} blocks
 * of K rows, so that the forward pass done while acting is the one the backward pass reuses; and
 * the passes themselves, block by block (acting) or over all blocks (learning). A thread that steps
 * K environments in lock-step keeps environment e's step t in row t·K + e: each step's forward is
 * one K-row batch, and an LSTM carries one state per environment (K = 1 is one row per step). A
 * forward-only workspace computes with parameters it does not own (the shared target network θ⁻)
 * on another workspace's observation rows. Nothing here allocates after construction.
 */
public final class Workspace {
    /** Rows in all (blocks · K), blocks, and rows per block: the environments a thread steps together. */
    public final int rows, blocks, K;
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
    // Per-row and per-block views, made once so that acting allocates nothing.
    private final MemorySegment[] obsRow, obsBlock;
    private final MemorySegment[][] outRow, outBlock, dOutRow, dOutBlock;

    private final Layout layout;
    private final List<Mlp.Conv> convs;
    private final List<Mlp.Head> heads;
    private final int[] hidden;           // H_k, of each dense layer
    private final int obsSize, lstm;
    private final Activation activation;

    /**
     * @param blocks         blocks of K rows (steps, with the bootstrap state's)
     * @param K              rows per block: the environments stepped together
     * @param externalParams null: θ' and dθ of its own; else the parameters it computes with in place (forward only)
     * @param externalObs    null: observation rows of its own; else another workspace's
     */
    Workspace(Mlp net, Arena arena, int blocks, int K, MemorySegment externalParams, MemorySegment externalObs) {
        if (blocks < 1 || K < 1) throw new IllegalArgumentException("a workspace needs blocks >= 1 and K >= 1, got " + blocks + " and " + K);
        this.blocks = blocks;
        this.K = K;
        this.rows = Math.multiplyExact(blocks, K);
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
        obsRow = rowViews(obs, rows, obsSize, 1);
        obsBlock = rowViews(obs, blocks, obsSize, K);
        List<String> names = net.torsos();
        torsos = new Torso[names.size()];
        for (int i = 0; i < torsos.length; i++) torsos[i] = new Torso(arena, names.get(i));
        int J = heads.size();
        torsoOfHead = new Torso[J];
        out = new MemorySegment[J];
        dOut = new MemorySegment[J];
        outRow = new MemorySegment[J][];
        outBlock = new MemorySegment[J][];
        dOutRow = new MemorySegment[J][];
        dOutBlock = new MemorySegment[J][];
        head = new Dense[J];
        for (int j = 0; j < J; j++) {
            Mlp.Head h = heads.get(j);
            Torso t = torsos[names.indexOf(net.torsoOf(h))];
            torsoOfHead[j] = t;
            t.ownHeads = Arrays.copyOf(t.ownHeads, t.ownHeads.length + 1);
            t.ownHeads[t.ownHeads.length - 1] = j;
            out[j] = arena.allocate((long) rows * h.size() * Float.BYTES, 64);
            dOut[j] = arena.allocate((long) rows * h.size() * Float.BYTES, 64);
            head[j] = dense(h.name());
            outRow[j] = rowViews(out[j], rows, h.size(), 1);
            outBlock[j] = rowViews(out[j], blocks, h.size(), K);
            dOutRow[j] = rowViews(dOut[j], rows, h.size(), 1);
            dOutBlock[j] = rowViews(dOut[j], blocks, h.size(), K);
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

    /** count views of m, view i the {@code per} rows of width {@code width} from row i·per. */
    private static MemorySegment[] rowViews(MemorySegment m, int count, int width, int per) {
        MemorySegment[] v = new MemorySegment[count];
        long bytes = (long) per * width * Float.BYTES;
        for (int i = 0; i < count; i++) v[i] = m.asSlice(i * bytes, bytes);
        return v;
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

    /**
     * Zeroes every head's loss gradient in row r: a row the loss must not learn from (an
     * environment that waited out the rest of a segment after its episode ended).
     */
    public void clearLossRow(int r) {
        for (MemorySegment[] d : dOutRow) d[r].fill((byte) 0);
    }

    /** out[j][r, c]. */
    public float output(int j, int r, int c) {
        return out[j].getAtIndex(JAVA_FLOAT, (long) r * heads.get(j).size() + c);
    }

    /**
     * Forward of block b, its K rows in one batch: obs → every torso → every head's outputs (each
     * from its own torso); an LSTM steps from the state before block b.
     */
    public void forward(Kernel k, int b) {
        for (Torso t : torsos) t.forward(k, b);
        for (int j = 0; j < heads.size(); j++) {
            Torso t = torsoOfHead[j];
            k.denseForward(outBlock[j][b], t.top(b), head[j].w(), head[j].b(), K, t.topSize, heads.get(j).size());
        }
    }

    /**
     * Forward of rows 0..n-1 at once, one kernel call of batch n per layer: the same
     * activations as forwarding each of their blocks (to the kernel's rounding), for
     * feed-forward networks only (an LSTM's rows depend on each other). NetBench compares it
     * with acting's one-row forwards.
     */
    public void forwardBatch(Kernel k, int n) {
        if (lstm > 0) throw new IllegalStateException("an LSTM network forwards one block at a time");
        if (n < 0 || n > rows) throw new IllegalArgumentException("rows must be in [0, " + rows + "], got " + n);
        for (Torso t : torsos) t.forwardBatch(k, n);
        for (int j = 0; j < heads.size(); j++) {
            Torso t = torsoOfHead[j];
            k.denseForward(out[j], t.topBatch(), head[j].w(), head[j].b(), n, t.topSize, heads.get(j).size());
        }
    }

    /** LSTM: zero the state carried into block 0 (every environment's episode starts), in every torso. */
    public void resetState() {
        for (Torso t : torsos) t.resetState();
    }

    /** LSTM: zero environment e's state carried into block 0 (its episode starts), in every torso. */
    public void resetState(int e) {
        for (Torso t : torsos) t.resetState(e);
    }

    /** LSTM: carry the state before block b (the state block b was seen with) into block 0, in every torso. */
    public void carryState(int b) {
        for (Torso t : torsos) t.carryState(b);
    }

    /**
     * Backward over blocks 0..n-1 (each forwarded with the current parameters), from the head
     * gradients dOut that the loss wrote; accumulates into dθ (the caller zeroes it). Each torso
     * takes the gradients of its own heads only, so a separate value net's parameters get the
     * value loss's gradient and the policy's get the policy loss's.
     */
    public void backward(Kernel k, int n) {
        if (fwdOnly) throw new IllegalStateException("a target workspace is forward-only");
        if (n < 0 || n > blocks) throw new IllegalArgumentException("blocks must be in [0, " + blocks + "], got " + n);
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
        private final MemorySegment[][] convBlock;      // [i][b]
        private final MemorySegment[] h;      // h[l] (rows, H_l): dense outputs after activation
        private final MemorySegment[] dh;     // dh[l] (rows, H_l)
        private final Dense[] denseParams;    // dense layer l's weight (H_l, H_{l-1}) and bias (H_l)
        private final MemorySegment[][] hBlock;
        // LSTM: hS/cS (rows + K, H): block 0 the states carried in, block b + 1 the states after
        // block b (row e of a block is environment e's); gates (rows, 4H); dhA/dhB (K, H) alternate
        // as dh and dh_prev; dc (K, H) is dc and dc_prev.
        private final MemorySegment hS, cS, lstmGates, dhA, dhB, dc;
        private final MemorySegment wih, whh, lb, dwih, dwhh, dlb;
        private final MemorySegment[] hSBlock, cSBlock, hSRow0, cSRow0, gatesBlock, topBlock, dTopBlock;

        Torso(Arena arena, String p) {
            convOut = new MemorySegment[V];
            dConv = new MemorySegment[V];
            convParams = new Dense[V];
            convBlock = new MemorySegment[V][];
            for (int i = 0; i < V; i++) {
                Mlp.Conv conv = convs.get(i);
                convOut[i] = arena.allocate((long) rows * conv.outputSize() * Float.BYTES, 64);
                dConv[i] = arena.allocate((long) rows * conv.outputSize() * Float.BYTES, 64);
                convParams[i] = dense(p + "conv." + i);
                convBlock[i] = rowViews(convOut[i], blocks, conv.outputSize(), K);
            }
            h = new MemorySegment[L];
            dh = new MemorySegment[L];
            denseParams = new Dense[L];
            hBlock = new MemorySegment[L][];
            for (int l = 0; l < L; l++) {
                h[l] = arena.allocate((long) rows * hidden[l] * Float.BYTES, 64);
                dh[l] = arena.allocate((long) rows * hidden[l] * Float.BYTES, 64);
                denseParams[l] = dense(p + "torso." + l);
                hBlock[l] = rowViews(h[l], blocks, hidden[l], K);
            }
            int last = hidden[L - 1];
            if (lstm > 0) {
                long hBytes = (long) lstm * Float.BYTES;
                hS = arena.allocate((long) (rows + K) * hBytes, 64);
                cS = arena.allocate((long) (rows + K) * hBytes, 64);
                lstmGates = arena.allocate(rows * 4 * hBytes, 64);
                dhA = arena.allocate(K * hBytes, 64);
                dhB = arena.allocate(K * hBytes, 64);
                dc = arena.allocate(K * hBytes, 64);
                wih = inParams(p + "lstm.weight_ih");
                whh = inParams(p + "lstm.weight_hh");
                lb = inParams(p + "lstm.bias");
                dwih = inGrads(p + "lstm.weight_ih");
                dwhh = inGrads(p + "lstm.weight_hh");
                dlb = inGrads(p + "lstm.bias");
                hSBlock = rowViews(hS, blocks + 1, lstm, K);
                cSBlock = rowViews(cS, blocks + 1, lstm, K);
                hSRow0 = rowViews(hS, K, lstm, 1);
                cSRow0 = rowViews(cS, K, lstm, 1);
                gatesBlock = rowViews(lstmGates, blocks, 4 * lstm, K);
                topBlock = hBlock[L - 1];
                dTopBlock = rowViews(dh[L - 1], blocks, last, K);
                topSize = lstm;
            } else {
                hS = cS = lstmGates = dhA = dhB = dc = wih = whh = lb = dwih = dwhh = dlb = null;
                hSBlock = cSBlock = hSRow0 = cSRow0 = gatesBlock = topBlock = dTopBlock = null;
                topSize = last;
            }
        }

        /** What the heads read for block b (K, topSize): the LSTM's h after block b, or the last dense output. */
        MemorySegment top(int b) {
            return lstm > 0 ? hSBlock[b + 1] : hBlock[L - 1][b];
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

        /** obs of block b → (conv) → h[·] of block b → (one LSTM step from the states before block b), batch K. */
        void forward(Kernel k, int b) {
            MemorySegment x = obsBlock[b];
            int in = obsSize;
            for (int i = 0; i < V; i++) {
                Mlp.Conv conv = convs.get(i);
                k.conv2dForward(convBlock[i][b], x, convParams[i].w(), convParams[i].b(), K, conv.channels(), conv.height(), conv.width(),
                        conv.filters(), conv.kernel(), conv.stride());
                k.reluForward(convBlock[i][b], convBlock[i][b], (long) K * conv.outputSize());
                x = convBlock[i][b];
                in = conv.outputSize();
            }
            for (int l = 0; l < L; l++) {
                k.denseForward(hBlock[l][b], x, denseParams[l].w(), denseParams[l].b(), K, in, hidden[l]);
                activation.forward(k, hBlock[l][b], (long) K * hidden[l]);
                x = hBlock[l][b];
                in = hidden[l];
            }
            if (lstm > 0) {
                k.lstmCellForward(hSBlock[b + 1], cSBlock[b + 1], gatesBlock[b], x, hSBlock[b], cSBlock[b], wih, whh, lb,
                        K, in, lstm);
            }
        }

        void resetState() {
            if (lstm > 0) {
                hSBlock[0].fill((byte) 0);
                cSBlock[0].fill((byte) 0);
            }
        }

        void resetState(int e) {
            if (lstm > 0) {
                hSRow0[e].fill((byte) 0);
                cSRow0[e].fill((byte) 0);
            }
        }

        void carryState(int b) {
            if (lstm > 0 && b != 0) {
                MemorySegment.copy(hSBlock[b], 0, hSBlock[0], 0, hSBlock[0].byteSize());
                MemorySegment.copy(cSBlock[b], 0, cSBlock[0], 0, cSBlock[0].byteSize());
            }
        }

        /** This torso's heads, then its LSTM (through time over the n blocks), dense layers and convolutions. */
        void backward(Kernel k, int n) {
            int last = hidden[L - 1];
            int nRows = n * K;
            dh[L - 1].fill((byte) 0); // every head (or the LSTM) accumulates into it
            if (lstm > 0) {
                // Truncated backpropagation through time over the n blocks of this segment, last block
                // first (each environment's row on its own): dh of block b is what the heads send plus
                // dh_prev from block b + 1 (0 for the last).
                MemorySegment dhCur = dhA, dhPrev = dhB;
                dhCur.fill((byte) 0);
                dc.fill((byte) 0);
                for (int b = n - 1; b >= 0; b--) {
                    for (int j : ownHeads) {
                        k.denseBackward(dhCur, head[j].dw(), head[j].db(), dOutBlock[j][b], hSBlock[b + 1], head[j].w(), K, lstm,
                                heads.get(j).size());
                    }
                    k.lstmCellBackward(dhPrev, dc, dTopBlock[b], dwih, dwhh, dlb, dhCur, dc, topBlock[b], hSBlock[b], cSBlock[b],
                            cSBlock[b + 1], gatesBlock[b], wih, whh, K, last, lstm);
                    MemorySegment swap = dhCur;
                    dhCur = dhPrev;
                    dhPrev = swap;
                }
            } else {
                for (int j : ownHeads) {
                    k.denseBackward(dh[L - 1], head[j].dw(), head[j].db(), dOut[j], h[L - 1], head[j].w(), nRows, last,
                            heads.get(j).size());
                }
            }
            for (int l = L - 1; l >= 0; l--) {
                activation.backward(k, dh[l], h[l], (long) nRows * hidden[l]);
                MemorySegment x = l > 0 ? h[l - 1] : V > 0 ? convOut[V - 1] : obs;
                int in = l > 0 ? hidden[l - 1] : V > 0 ? convs.get(V - 1).outputSize() : obsSize;
                MemorySegment dx = MemorySegment.NULL;
                if (l > 0) dx = dh[l - 1];
                else if (V > 0) dx = dConv[V - 1];
                if (dx != MemorySegment.NULL) dx.fill((byte) 0);
                k.denseBackward(dx, denseParams[l].dw(), denseParams[l].db(), dh[l], x, denseParams[l].w(), nRows, in, hidden[l]);
            }
            for (int i = V - 1; i >= 0; i--) {
                Mlp.Conv conv = convs.get(i);
                k.reluBackward(dConv[i], dConv[i], convOut[i], (long) nRows * conv.outputSize());
                MemorySegment dx = MemorySegment.NULL;
                if (i > 0) {
                    dx = dConv[i - 1];
                    dx.fill((byte) 0);
                }
                k.conv2dBackward(dx, convParams[i].dw(), convParams[i].db(), dConv[i], i > 0 ? convOut[i - 1] : obs, convParams[i].w(), nRows, conv.channels(),
                        conv.height(), conv.width(), conv.filters(), conv.kernel(), conv.stride());
            }
        }
    }
}
