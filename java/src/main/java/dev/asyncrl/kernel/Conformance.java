package dev.asyncrl.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The conformance suite of the kernel contract (native/include/asyncrl/kernel.h, version 3) that
 * {@code asyncrl kernel check} runs on one kernel. Three kinds of check, each a row of the table:
 * <ul>
 *   <li><b>oracle</b>: every function against the pure-Java kernel ({@link JavaKernel}) on random
 *       inputs of random shapes (seeded), with non-finite values where the contract says what they
 *       give;
 *   <li><b>gradient</b>: every backward against central finite differences of a loss built from the
 *       kernel's own forward (or, for the losses, its own statistics), so forward and backward
 *       must agree with each other, not only with Java;
 *   <li><b>status</b>: bad sizes, out-of-range values and non-finite input reach the kernel without
 *       the Java-side checks, and must get the status kernel.h names and leave the outputs alone.
 * </ul>
 *
 * <p>How each kind of row is decided, and its tolerance: {@link ConformanceHarness}.
 *
 * <p>What is not here: speed, thread safety under Hogwild!, sizes so large that a byte count
 * overflows and NULL pointers (a kernel that does not check those would crash the JVM instead of
 * failing a row; the native tests cover them for the shipped kernels).
 */
public final class Conformance extends ConformanceHarness {

    /** One row of the table. {@code error} and {@code bound} are NaN where they do not apply. */
    public record Row(String op, String check, boolean pass, double error, double bound, String detail) {}

    /**
     * @param kernel the kernel under test
     * @param raw    the same kernel without Java's size checks, for the status rows (the Java kernel
     *               is its own: its checks are its implementation)
     * @param seed   seeds the shapes and inputs
     * @param sink   receives each row as soon as it is decided
     */
    public Conformance(Kernel kernel, Kernel raw, long seed, Consumer<Row> sink) {
        super(kernel, raw, seed, sink);
    }

    /** Runs every check; returns the rows in order. */
    public List<Row> run() {
        for (int t = 0; t < 3; t++) dense(t == 0 ? 0 : 1 + rng.nextInt(8), 1 + rng.nextInt(40), 1 + rng.nextInt(24));
        for (int n : new int[] {0, 1, 7 + rng.nextInt(30), 100 + rng.nextInt(200)}) activations(n);
        conv(1 + rng.nextInt(3), 1 + rng.nextInt(3), 6 + rng.nextInt(6), 5 + rng.nextInt(7), 1 + rng.nextInt(5),
                1 + rng.nextInt(4), 1 + rng.nextInt(3));
        conv(2, 4, 10, 10, 16, 3, 1);      // MinAtar's convolution
        conv(1, 2, 20, 20, 4, 8, 4);       // the Atari net's first layer, narrower
        conv(0, 2, 5, 5, 3, 3, 1);         // empty batch
        lstm(1 + rng.nextInt(4), 1 + rng.nextInt(9), 1 + rng.nextInt(9));
        lstm(5, 7, 16);
        for (int t = 0; t < 2; t++) losses(1 + rng.nextInt(12), 1 + rng.nextInt(6));
        losses(0, 3);
        for (int n : new int[] {0, 1, 33 + rng.nextInt(100), 1000 + rng.nextInt(1000)}) optimisers(n);
        nonFinite();
        statuses();
        return rows;
    }

    public List<Row> rows() {
        return rows;
    }

    // ---- dense ------------------------------------------------------------------------------------

    private float[] denseForward(Kernel k, float[] x, float[] w, float[] b, int bs, int in, int out) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment y = seg(a, new float[bs * out]);
            k.denseForward(y, seg(a, x), seg(a, w), seg(a, b), bs, in, out);
            return read(y, bs * out);
        }
    }

    private float[][] denseBackward(Kernel k, float[] dx0, float[] dw0, float[] db0, float[] dy, float[] x, float[] w,
                                    int bs, int in, int out) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dx = seg(a, dx0), dw = seg(a, dw0), db = seg(a, db0);
            k.denseBackward(dx, dw, db, seg(a, dy), seg(a, x), seg(a, w), bs, in, out);
            return new float[][] {read(dx, bs * in), read(dw, out * in), read(db, out)};
        }
    }

    private void dense(int bs, int in, int out) {
        String shape = "B=" + bs + " I=" + in + " O=" + out;
        float[] x = uniform(bs * in, -1, 1), w = uniform(out * in, -1, 1), b = uniform(out, -1, 1);
        float[] dy = uniform(bs * out, -1, 1);
        float[] dx0 = uniform(bs * in, -1, 1), dw0 = uniform(out * in, -1, 1), db0 = uniform(out, -1, 1);
        oracle("dense_forward", shape, (k, a) -> out("y", denseForward(k, x, w, b, bs, in, out)),
                new double[] {in + 1}, new float[][] {denseForward(oracle, abs(x), abs(w), abs(b), bs, in, out)});
        float[][] mag = denseBackward(oracle, abs(dx0), abs(dw0), abs(db0), abs(dy), abs(x), abs(w), bs, in, out);
        oracle("dense_backward", shape, (k, a) -> {
            float[][] r = denseBackward(k, dx0, dw0, db0, dy, x, w, bs, in, out);
            return out("dx", r[0], "dw", r[1], "db", r[2]);
        }, new double[] {out + 1, bs + 1, bs + 1}, mag);
        if (bs == 0) return;
        float[][] g = denseBackward(kernel, new float[bs * in], new float[out * in], new float[out], dy, x, w, bs, in, out);
        gradient("dense_backward", "dx " + shape, x, g[0], v -> dot(dy, denseForward(kernel, v, w, b, bs, in, out)));
        gradient("dense_backward", "dw " + shape, w, g[1], v -> dot(dy, denseForward(kernel, x, v, b, bs, in, out)));
        gradient("dense_backward", "db " + shape, b, g[2], v -> dot(dy, denseForward(kernel, x, w, v, bs, in, out)));
    }

    // ---- activations ---------------------------------------------------------------------------

    private float[] unary(Kernel k, boolean relu, float[] x) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment y = seg(a, new float[x.length]);
            if (relu) k.reluForward(y, seg(a, x), x.length);
            else k.tanhForward(y, seg(a, x), x.length);
            return read(y, x.length);
        }
    }

    private float[] unaryBackward(Kernel k, boolean relu, float[] dy, float[] y) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dx = seg(a, uniform(dy.length, 5, 6));  // overwritten, not accumulated
            if (relu) k.reluBackward(dx, seg(a, dy), seg(a, y), dy.length);
            else k.tanhBackward(dx, seg(a, dy), seg(a, y), dy.length);
            return read(dx, dy.length);
        }
    }

    private void activations(int n) {
        String shape = "N=" + n;
        float[] x = uniform(n, -4, 4), dy = uniform(n, -1, 1), xg = awayFromZero(n);
        for (boolean relu : new boolean[] {true, false}) {
            String f = relu ? "relu" : "tanh";
            oracle(f + "_forward", shape, (k, a) -> out("y", unary(k, relu, x)), new double[] {1}, null);
            float[] y = unary(oracle, relu, x);
            oracle(f + "_backward", shape, (k, a) -> out("dx", unaryBackward(k, relu, dy, y)), new double[] {1}, null);
            if (n == 0) continue;
            float[] yg = unary(kernel, relu, xg);
            float[] g = unaryBackward(kernel, relu, dy, yg);
            gradient(f + "_backward", "dx " + shape, xg, g, v -> dot(dy, unary(kernel, relu, v)));
        }
    }

    // ---- conv2d ---------------------------------------------------------------------------------

    private void conv(int bs, int c, int h, int w, int f, int ksz, int s) {
        int kk = Math.min(ksz, Math.min(h, w));
        int ho = (h - kk) / s + 1, wo = (w - kk) / s + 1;
        String shape = String.format(Locale.ROOT, "B=%d C=%d H=%d W=%d F=%d K=%d S=%d", bs, c, h, w, f, kk, s);
        int nx = bs * c * h * w, nw = f * c * kk * kk, ny = bs * f * ho * wo;
        float[] x = uniform(nx, -1, 1), wt = uniform(nw, -1, 1), b = uniform(f, -1, 1), dy = uniform(ny, -1, 1);
        float[] dx0 = uniform(nx, -1, 1), dw0 = uniform(nw, -1, 1), db0 = uniform(f, -1, 1);
        Conv cv = new Conv(bs, c, h, w, f, kk, s, ny, nx, nw);
        oracle("conv2d_forward", shape, (k, a) -> out("y", cv.forward(k, x, wt, b)),
                new double[] {c * kk * kk + 1}, new float[][] {cv.forward(oracle, abs(x), abs(wt), abs(b))});
        float[][] mag = cv.backward(oracle, abs(dx0), abs(dw0), abs(db0), abs(dy), abs(x), abs(wt));
        double taps = (double) f * ((kk + s - 1) / s) * ((kk + s - 1) / s);
        oracle("conv2d_backward", shape, (k, a) -> {
            float[][] r = cv.backward(k, dx0, dw0, db0, dy, x, wt);
            return out("dx", r[0], "dw", r[1], "db", r[2]);
        }, new double[] {taps + 1, (double) bs * ho * wo + 1, (double) bs * ho * wo + 1}, mag);
        if (bs == 0 || nx > 2000) return;
        float[][] g = cv.backward(kernel, new float[nx], new float[nw], new float[f], dy, x, wt);
        gradient("conv2d_backward", "dx " + shape, x, g[0], v -> dot(dy, cv.forward(kernel, v, wt, b)));
        gradient("conv2d_backward", "dw " + shape, wt, g[1], v -> dot(dy, cv.forward(kernel, x, v, b)));
        gradient("conv2d_backward", "db " + shape, b, g[2], v -> dot(dy, cv.forward(kernel, x, wt, v)));
    }

    private record Conv(int bs, int c, int h, int w, int f, int k, int s, int ny, int nx, int nw) {
        float[] forward(Kernel kern, float[] x, float[] wt, float[] b) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment y = seg(a, new float[ny]);
                kern.conv2dForward(y, seg(a, x), seg(a, wt), seg(a, b), bs, c, h, w, f, k, s);
                return read(y, ny);
            }
        }

        float[][] backward(Kernel kern, float[] dx0, float[] dw0, float[] db0, float[] dy, float[] x, float[] wt) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment dx = seg(a, dx0), dw = seg(a, dw0), db = seg(a, db0);
                kern.conv2dBackward(dx, dw, db, seg(a, dy), seg(a, x), seg(a, wt), bs, c, h, w, f, k, s);
                return new float[][] {read(dx, nx), read(dw, nw), read(db, f)};
            }
        }
    }

    // ---- LSTM cell --------------------------------------------------------------------------------

    private record Lstm(int bs, int in, int hid) {
        /** h, c, gates. */
        float[][] forward(Kernel k, float[] x, float[] hp, float[] cp, float[] wih, float[] whh, float[] b) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment h = seg(a, new float[bs * hid]), c = seg(a, new float[bs * hid]),
                        g = seg(a, new float[bs * 4 * hid]);
                k.lstmCellForward(h, c, g, seg(a, x), seg(a, hp), seg(a, cp), seg(a, wih), seg(a, whh), seg(a, b),
                        bs, in, hid);
                return new float[][] {read(h, bs * hid), read(c, bs * hid), read(g, bs * 4 * hid)};
            }
        }

        /** dh_prev, dc_prev, dx, dw_ih, dw_hh, db (the last four accumulated onto zeros). */
        float[][] backward(Kernel k, float[] dh, float[] dc, float[] x, float[] hp, float[] cp, float[] c, float[] g,
                           float[] wih, float[] whh) {
            int g4 = 4 * hid;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment dhp = seg(a, new float[bs * hid]), dcp = seg(a, new float[bs * hid]),
                        dx = seg(a, new float[bs * in]), dwih = seg(a, new float[g4 * in]),
                        dwhh = seg(a, new float[g4 * hid]), db = seg(a, new float[g4]);
                k.lstmCellBackward(dhp, dcp, dx, dwih, dwhh, db, seg(a, dh), seg(a, dc), seg(a, x), seg(a, hp), seg(a, cp),
                        seg(a, c), seg(a, g), seg(a, wih), seg(a, whh), bs, in, hid);
                return new float[][] {read(dhp, bs * hid), read(dcp, bs * hid), read(dx, bs * in),
                        read(dwih, g4 * in), read(dwhh, g4 * hid), read(db, g4)};
            }
        }
    }

    private void lstm(int bs, int in, int hid) {
        String shape = "B=" + bs + " I=" + in + " H=" + hid;
        int g4 = 4 * hid;
        float[] x = uniform(bs * in, -1, 1), hp = uniform(bs * hid, -1, 1), cp = uniform(bs * hid, -1, 1);
        float[] wih = uniform(g4 * in, -0.5, 0.5), whh = uniform(g4 * hid, -0.5, 0.5), b = uniform(g4, -0.5, 0.5);
        float[] dh = uniform(bs * hid, -1, 1), dc = uniform(bs * hid, -1, 1);
        Lstm l = new Lstm(bs, in, hid);
        // gates are sums of I + H + 1 terms, then a sigmoid or tanh; c and h one product and sum more
        double len = in + hid + 2;
        oracle("lstm_cell_forward", shape, (k, a) -> {
            float[][] r = l.forward(k, x, hp, cp, wih, whh, b);
            return out("h", r[0], "c", r[1], "gates", r[2]);
        }, new double[] {len, len, len}, null);
        float[][] fw = l.forward(oracle, x, hp, cp, wih, whh, b);
        oracle("lstm_cell_backward", shape, (k, a) -> {
            float[][] r = l.backward(k, dh, dc, x, hp, cp, fw[1], fw[2], wih, whh);
            return out("dh_prev", r[0], "dc_prev", r[1], "dx", r[2], "dw_ih", r[3], "dw_hh", r[4], "db", r[5]);
        }, new double[] {g4, 1, g4, bs, bs, bs}, null);
        // L = dh · h + dc · c through the kernel's forward
        float[][] kf = l.forward(kernel, x, hp, cp, wih, whh, b);
        float[][] g = l.backward(kernel, dh, dc, x, hp, cp, kf[1], kf[2], wih, whh);
        ToDoubleFunction<float[][]> loss = r -> dot(dh, r[0]) + dot(dc, r[1]);
        gradient("lstm_cell_backward", "dh_prev " + shape, hp, g[0], v -> loss.applyAsDouble(l.forward(kernel, x, v, cp, wih, whh, b)));
        gradient("lstm_cell_backward", "dc_prev " + shape, cp, g[1], v -> loss.applyAsDouble(l.forward(kernel, x, hp, v, wih, whh, b)));
        gradient("lstm_cell_backward", "dx " + shape, x, g[2], v -> loss.applyAsDouble(l.forward(kernel, v, hp, cp, wih, whh, b)));
        gradient("lstm_cell_backward", "dw_ih " + shape, wih, g[3], v -> loss.applyAsDouble(l.forward(kernel, x, hp, cp, v, whh, b)));
        gradient("lstm_cell_backward", "dw_hh " + shape, whh, g[4], v -> loss.applyAsDouble(l.forward(kernel, x, hp, cp, wih, v, b)));
        gradient("lstm_cell_backward", "db " + shape, b, g[5], v -> loss.applyAsDouble(l.forward(kernel, x, hp, cp, wih, whh, v)));
    }

    // ---- losses ---------------------------------------------------------------------------------------

    private static final float BETA = 0.1f, VALUE_COEF = 0.5f, Q_COEF = 0.5f;

    /** dlogits, dvalues, stats. */
    private static float[][] a3c(Kernel k, float[] logits, float[] values, int[] actions, float[] returns, int bs, int na) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dl = seg(a, new float[bs * na]), dv = seg(a, new float[bs]), st = seg(a, new float[3]);
            k.a3cLossBackward(dl, dv, st, seg(a, logits), seg(a, values), ints(a, actions), seg(a, returns), bs, na,
                    BETA, VALUE_COEF);
            return new float[][] {read(dl, bs * na), read(dv, bs), read(st, 3)};
        }
    }

    /** dmu, dv, dvalues, stats. */
    private static float[][] gaussian(Kernel k, float[] mu, float[] v, float[] values, float[] actions, float[] returns,
                                      int bs, int d) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dmu = seg(a, new float[bs * d]), dv = seg(a, new float[bs]), dval = seg(a, new float[bs]),
                    st = seg(a, new float[3]);
            k.gaussianLossBackward(dmu, dv, dval, st, seg(a, mu), seg(a, v), seg(a, values), seg(a, actions),
                    seg(a, returns), bs, d, BETA, VALUE_COEF);
            return new float[][] {read(dmu, bs * d), read(dv, bs), read(dval, bs), read(st, 3)};
        }
    }

    /** dq, stats. */
    private static float[][] qLoss(Kernel k, float[] q, int[] actions, float[] targets, int bs, int na) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment dq = seg(a, new float[bs * na]), st = seg(a, new float[1]);
            k.qLossBackward(dq, st, seg(a, q), ints(a, actions), seg(a, targets), bs, na, Q_COEF);
            return new float[][] {read(dq, bs * na), read(st, 1)};
        }
    }

    private void losses(int bs, int na) {
        String shape = "B=" + bs + " A=" + na;
        float[] logits = uniform(bs * na, -3, 3), values = uniform(bs, -1, 1), returns = uniform(bs, -2, 2);
        int[] actions = new int[bs];
        for (int i = 0; i < bs; i++) actions[i] = rng.nextInt(na);
        oracle("a3c_loss_backward", shape, (k, a) -> {
            float[][] r = a3c(k, logits, values, actions, returns, bs, na);
            return out("dlogits", r[0], "dvalues", r[1], "stats", r[2]);
        }, new double[] {na, 1, (double) bs * na}, null);

        String gshape = "B=" + bs + " D=" + na;
        float[] mu = uniform(bs * na, -1, 1), v = uniform(bs, -2, 2), act = uniform(bs * na, -2, 2);
        oracle("gaussian_loss_backward", gshape, (k, a) -> {
            float[][] r = gaussian(k, mu, v, values, act, returns, bs, na);
            return out("dmu", r[0], "dv", r[1], "dvalues", r[2], "stats", r[3]);
        }, new double[] {1, na, 1, (double) bs * na}, null);

        float[] q = uniform(bs * na, -2, 2), targets = uniform(bs, -2, 2);
        oracle("q_loss_backward", shape, (k, a) -> {
            float[][] r = qLoss(k, q, actions, targets, bs, na);
            return out("dq", r[0], "stats", r[1]);
        }, new double[] {1, bs}, null);

        if (bs == 0) return;
        // the losses' own statistics are the functions differentiated: Lp = stats[0] - beta stats[2], Lv = stats[1]
        float[][] ga = a3c(kernel, logits, values, actions, returns, bs, na);
        gradient("a3c_loss_backward", "dlogits " + shape, logits, ga[0], p -> {
            float[] s = a3c(kernel, p, values, actions, returns, bs, na)[2];
            return s[0] - BETA * (double) s[2] + s[1];
        });
        gradient("a3c_loss_backward", "dvalues " + shape, values, ga[1],
                p -> a3c(kernel, logits, p, actions, returns, bs, na)[2][1]);
        float[][] gg = gaussian(kernel, mu, v, values, act, returns, bs, na);
        gradient("gaussian_loss_backward", "dmu " + gshape, mu, gg[0], p -> {
            float[] s = gaussian(kernel, p, v, values, act, returns, bs, na)[3];
            return s[0] - BETA * (double) s[2];
        });
        gradient("gaussian_loss_backward", "dv " + gshape, v, gg[1], p -> {
            float[] s = gaussian(kernel, mu, p, values, act, returns, bs, na)[3];
            return s[0] - BETA * (double) s[2];
        });
        gradient("gaussian_loss_backward", "dvalues " + gshape, values, gg[2],
                p -> gaussian(kernel, mu, v, p, act, returns, bs, na)[3][1]);
        float[][] gq = qLoss(kernel, q, actions, targets, bs, na);
        gradient("q_loss_backward", "dq " + shape, q, gq[0], p -> qLoss(kernel, p, actions, targets, bs, na)[1][0]);
    }

    // ---- optimisers and copy ---------------------------------------------------------------------------

    private void optimisers(int n) {
        String shape = "N=" + n;
        float[] theta = uniform(n, -1, 1), g0 = uniform(n, 0, 1), m0 = uniform(n, -0.1, 0.1), d = uniform(n, -1, 1);
        oracle("shared_rmsprop", shape, (k, a) -> {
            MemorySegment t = seg(a, theta), g = seg(a, g0);
            k.sharedRmsprop(t, g, seg(a, d), n, 7e-4f, 0.99f, 0.1f);
            return out("theta", read(t, n), "g", read(g, n));
        }, new double[] {1, 1}, null);
        oracle("momentum_sgd", shape, (k, a) -> {
            MemorySegment t = seg(a, theta), m = seg(a, m0);
            k.momentumSgd(t, m, seg(a, d), n, 1e-2f, 0.9f);
            return out("theta", read(t, n), "m", read(m, n));
        }, new double[] {1, 1}, null);
        for (float maxNorm : new float[] {0.5f, 1e9f, 0f}) {
            oracle("clip_grad_norm", shape + " max_norm=" + maxNorm, (k, a) -> {
                MemorySegment g = seg(a, d), norm = seg(a, new float[1]);
                k.clipGradNorm(g, norm, n, maxNorm);
                return out("grad", read(g, n), "norm", read(norm, 1));
            }, new double[] {n + 1, n + 1}, null);
        }
        oracle("copy", shape, (k, a) -> {
            MemorySegment dst = seg(a, new float[n]);
            k.copy(dst, seg(a, d), n);
            return out("dst", read(dst, n));
        }, new double[] {0}, null);
    }

    // ---- non-finite input: what the contract says it gives ------------------------------------------

    private void nonFinite() {
        float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
        float[] x = {1, nan, -inf, inf, -0f, 0f, -2, 3};
        oracle("relu_forward", "NaN, inf, -0", (k, a) -> out("y", unary(k, true, x)), new double[] {1}, null);
        oracle("tanh_forward", "NaN, inf, -0", (k, a) -> out("y", unary(k, false, x)), new double[] {1}, null);
        float[] xd = {1, 2, nan, 4, 5, 6}, w = {1, 0, 0, 0, 1, 0, 0, 0, 1}, b = {0, 0, 0};
        oracle("dense_forward", "NaN input row", (k, a) -> out("y", denseForward(k, xd, w, b, 2, 3, 3)),
                new double[] {4}, null);
        oracle("copy", "NaN, inf", (k, a) -> {
            MemorySegment dst = seg(a, new float[x.length]);
            k.copy(dst, seg(a, x), x.length);
            return out("dst", read(dst, x.length));
        }, new double[] {0}, null);
    }

    // ---- statuses -------------------------------------------------------------------------------

    private void statuses() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment big = seg(a, uniform(64, -1, 1));
            MemorySegment y = seg(a, new float[64]), y2 = seg(a, new float[64]), y3 = seg(a, new float[64]);
            MemorySegment acts = ints(a, new int[] {0, 1, 2, 3});
            status("dense_forward", "I=0", Status.BAD_SIZE, new MemorySegment[] {y},
                    k -> k.denseForward(y, big, big, big, 2, 0, 3));
            status("dense_forward", "B=-1", Status.BAD_SIZE, new MemorySegment[] {y},
                    k -> k.denseForward(y, big, big, big, -1, 2, 3));
            status("dense_backward", "O=0", Status.BAD_SIZE, new MemorySegment[] {y, y2, y3},
                    k -> k.denseBackward(y, y2, y3, big, big, big, 2, 3, 0));
            status("relu_forward", "N=-1", Status.BAD_SIZE, new MemorySegment[] {y}, k -> k.reluForward(y, big, -1));
            status("relu_backward", "N=-1", Status.BAD_SIZE, new MemorySegment[] {y}, k -> k.reluBackward(y, big, big, -1));
            status("tanh_forward", "N=-1", Status.BAD_SIZE, new MemorySegment[] {y}, k -> k.tanhForward(y, big, -1));
            status("tanh_backward", "N=-1", Status.BAD_SIZE, new MemorySegment[] {y}, k -> k.tanhBackward(y, big, big, -1));
            status("conv2d_forward", "K>H", Status.BAD_SIZE, new MemorySegment[] {y},
                    k -> k.conv2dForward(y, big, big, big, 1, 1, 3, 3, 1, 4, 1));
            status("conv2d_forward", "F=0", Status.BAD_SIZE, new MemorySegment[] {y},
                    k -> k.conv2dForward(y, big, big, big, 1, 1, 3, 3, 0, 2, 1));
            status("conv2d_backward", "C=0", Status.BAD_SIZE, new MemorySegment[] {y, y2, y3},
                    k -> k.conv2dBackward(y, y2, y3, big, big, big, 1, 0, 3, 3, 1, 2, 1));
            status("lstm_cell_forward", "H=0", Status.BAD_SIZE, new MemorySegment[] {y, y2, y3},
                    k -> k.lstmCellForward(y, y2, y3, big, big, big, big, big, big, 1, 2, 0));
            status("lstm_cell_backward", "I=0", Status.BAD_SIZE, new MemorySegment[] {y2, y3},
                    k -> k.lstmCellBackward(y, y, MemorySegment.NULL, y2, y3, y3, big, big, big, big, big, big, big, big,
                            big, 1, 0, 2));
            status("a3c_loss_backward", "A=0", Status.BAD_SIZE, new MemorySegment[] {y, y2, y3},
                    k -> k.a3cLossBackward(y, y2, y3, big, big, acts, big, 2, 0, BETA, VALUE_COEF));
            status("a3c_loss_backward", "action=A", Status.BAD_ARGUMENT, new MemorySegment[] {y, y2, y3},
                    k -> k.a3cLossBackward(y, y2, y3, big, big, acts, big, 4, 3, BETA, VALUE_COEF));
            status("a3c_loss_backward", "beta=NaN", Status.BAD_ARGUMENT, new MemorySegment[] {y, y2, y3},
                    k -> k.a3cLossBackward(y, y2, y3, big, big, acts, big, 2, 3, Float.NaN, VALUE_COEF));
            status("gaussian_loss_backward", "D=0", Status.BAD_SIZE, new MemorySegment[] {y, y2, y3},
                    k -> k.gaussianLossBackward(y, y2, y3, y3, big, big, big, big, big, 2, 0, BETA, VALUE_COEF));
            status("gaussian_loss_backward", "value_coef=inf", Status.BAD_ARGUMENT, new MemorySegment[] {y, y2, y3},
                    k -> k.gaussianLossBackward(y, y2, y3, y3, big, big, big, big, big, 2, 2, BETA, Float.POSITIVE_INFINITY));
            status("q_loss_backward", "action=-1", Status.BAD_ARGUMENT, new MemorySegment[] {y, y2},
                    k -> k.qLossBackward(y, y2, big, ints(a, new int[] {0, -1}), big, 2, 3, Q_COEF));
            status("q_loss_backward", "coef=NaN", Status.BAD_ARGUMENT, new MemorySegment[] {y, y2},
                    k -> k.qLossBackward(y, y2, big, acts, big, 2, 3, Float.NaN));
            MemorySegment withNaN = seg(a, new float[] {1, 2, Float.NaN, 4});
            MemorySegment withInf = seg(a, new float[] {1, Float.NEGATIVE_INFINITY, 3, 4});
            MemorySegment norm = seg(a, new float[1]);
            status("clip_grad_norm", "NaN in grad", Status.NON_FINITE, new MemorySegment[] {withNaN},
                    k -> k.clipGradNorm(withNaN, norm, 4, 1f));
            status("clip_grad_norm", "-inf in grad", Status.NON_FINITE, new MemorySegment[] {withInf},
                    k -> k.clipGradNorm(withInf, norm, 4, 1f));
            status("clip_grad_norm", "max_norm=NaN", Status.BAD_ARGUMENT, new MemorySegment[] {y},
                    k -> k.clipGradNorm(y, norm, 4, Float.NaN));
            status("shared_rmsprop", "lr=NaN", Status.BAD_ARGUMENT, new MemorySegment[] {y, y2},
                    k -> k.sharedRmsprop(y, y2, big, 4, Float.NaN, 0.99f, 0.1f));
            status("shared_rmsprop", "alpha=1.5", Status.BAD_ARGUMENT, new MemorySegment[] {y, y2},
                    k -> k.sharedRmsprop(y, y2, big, 4, 1e-3f, 1.5f, 0.1f));
            status("shared_rmsprop", "N=-1", Status.BAD_SIZE, new MemorySegment[] {y, y2},
                    k -> k.sharedRmsprop(y, y2, big, -1, 1e-3f, 0.99f, 0.1f));
            status("momentum_sgd", "alpha=NaN", Status.BAD_ARGUMENT, new MemorySegment[] {y, y2},
                    k -> k.momentumSgd(y, y2, big, 4, 1e-3f, Float.NaN));
            status("copy", "N=-1", Status.BAD_SIZE, new MemorySegment[] {y}, k -> k.copy(y, big, -1));
        }
    }
}
