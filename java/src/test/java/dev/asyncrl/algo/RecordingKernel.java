package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java kernel, computing as always, that also keeps copies of what a training loop hands it:
 * the returns and values of each A3C loss, the targets, Q rows and actions of each Q loss, the
 * state going into and out of each LSTM step, and how many optimizer updates were applied. Tests
 * of the loops read these instead of reaching into a worker's private buffers.
 */
final class RecordingKernel implements Kernel {
    /** One a3c_loss_backward call: R_i (B) and V(s_i) (B) as the loss saw them. */
    record A3cCall(float[] returns, float[] values) {}

    /** One q_loss_backward call: y_i (B), Q(s_i, ·; θ') (B, A), a_0..a_B (B + 1: Sarsa's a_t in the last slot). */
    record QCall(float[] targets, float[] q, int[] actions) {}

    /** One lstm_cell_forward call: the state carried in and the state it produced, (B, H) each. */
    record LstmCall(float[] hPrev, float[] cPrev, float[] h, float[] c) {}

    private final Kernel k = new JavaKernel();
    final List<A3cCall> a3c = new ArrayList<>();
    final List<QCall> q = new ArrayList<>();
    final List<LstmCall> lstm = new ArrayList<>();
    int optimizerUpdates;

    void clear() {
        a3c.clear();
        q.clear();
        lstm.clear();
        optimizerUpdates = 0;
    }

    private static float[] floats(MemorySegment s, long n) {
        return s.asSlice(0, n * Float.BYTES).toArray(JAVA_FLOAT);
    }

    @Override
    public String name() {
        return "recording-java";
    }

    @Override
    public void denseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b, long batch, long in, long out) {
        k.denseForward(y, x, w, b, batch, in, out);
    }

    @Override
    public void denseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy, MemorySegment x,
                              MemorySegment w, long batch, long in, long out) {
        k.denseBackward(dx, dw, db, dy, x, w, batch, in, out);
    }

    @Override
    public void reluForward(MemorySegment y, MemorySegment x, long n) {
        k.reluForward(y, x, n);
    }

    @Override
    public void reluBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        k.reluBackward(dx, dy, y, n);
    }

    @Override
    public void tanhForward(MemorySegment y, MemorySegment x, long n) {
        k.tanhForward(y, x, n);
    }

    @Override
    public void tanhBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        k.tanhBackward(dx, dy, y, n);
    }

    @Override
    public void conv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b, long batch, long channels,
                              long height, long width, long filters, long kernelSize, long stride) {
        k.conv2dForward(y, x, w, b, batch, channels, height, width, filters, kernelSize, stride);
    }

    @Override
    public void conv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy, MemorySegment x,
                               MemorySegment w, long batch, long channels, long height, long width, long filters,
                               long kernelSize, long stride) {
        k.conv2dBackward(dx, dw, db, dy, x, w, batch, channels, height, width, filters, kernelSize, stride);
    }

    @Override
    public void lstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x, MemorySegment hPrev,
                                MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh, MemorySegment b, long batch,
                                long in, long hidden) {
        float[] hIn = floats(hPrev, batch * hidden), cIn = floats(cPrev, batch * hidden);
        k.lstmCellForward(h, c, gates, x, hPrev, cPrev, wIh, wHh, b, batch, in, hidden);
        lstm.add(new LstmCall(hIn, cIn, floats(h, batch * hidden), floats(c, batch * hidden)));
    }

    @Override
    public void lstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx, MemorySegment dwIh,
                                 MemorySegment dwHh, MemorySegment db, MemorySegment dh, MemorySegment dc, MemorySegment x,
                                 MemorySegment hPrev, MemorySegment cPrev, MemorySegment c, MemorySegment gates,
                                 MemorySegment wIh, MemorySegment wHh, long batch, long in, long hidden) {
        k.lstmCellBackward(dhPrev, dcPrev, dx, dwIh, dwHh, db, dh, dc, x, hPrev, cPrev, c, gates, wIh, wHh, batch, in, hidden);
    }

    @Override
    public void a3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats, MemorySegment logits,
                                MemorySegment values, MemorySegment actions, MemorySegment returns, long batch,
                                long actionCount, float entropyBeta, float valueCoef) {
        a3c.add(new A3cCall(floats(returns, batch), floats(values, batch)));
        k.a3cLossBackward(dLogits, dValues, stats, logits, values, actions, returns, batch, actionCount, entropyBeta, valueCoef);
    }

    @Override
    public void gaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues, MemorySegment stats,
                                     MemorySegment mu, MemorySegment v, MemorySegment values, MemorySegment actions,
                                     MemorySegment returns, long batch, long actionDim, float entropyBeta, float valueCoef) {
        a3c.add(new A3cCall(floats(returns, batch), floats(values, batch)));
        k.gaussianLossBackward(dMu, dV, dValues, stats, mu, v, values, actions, returns, batch, actionDim, entropyBeta, valueCoef);
    }

    @Override
    public void qLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                              MemorySegment targets, long batch, long actionCount, float coef) {
        long slots = Math.min(actions.byteSize() / Integer.BYTES, batch + 1);
        this.q.add(new QCall(floats(targets, batch), floats(q, batch * actionCount),
                actions.asSlice(0, slots * Integer.BYTES).toArray(JAVA_INT)));
        k.qLossBackward(dq, stats, q, actions, targets, batch, actionCount, coef);
    }

    @Override
    public void momentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n, float lr, float alpha) {
        optimizerUpdates++;
        k.momentumSgd(theta, m, dTheta, n, lr, alpha);
    }

    @Override
    public void clipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        k.clipGradNorm(grad, normOut, n, maxNorm);
    }

    @Override
    public void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n, float lr, float alpha,
                              float eps) {
        optimizerUpdates++;
        k.sharedRmsprop(theta, g, dTheta, n, lr, alpha, eps);
    }

    @Override
    public void copy(MemorySegment dst, MemorySegment src, long n) {
        k.copy(dst, src, n);
    }
}
