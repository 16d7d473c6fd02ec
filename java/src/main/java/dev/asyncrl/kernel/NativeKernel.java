package dev.asyncrl.kernel;

import java.lang.foreign.MemorySegment;

/**
 * A native kernel behind one of the three bindings (bindings/ffm, bindings/jna, bindings/javacpp):
 * what each does around every call, written once. A call checks every size in Java
 * ({@link KernelChecks}; skipped only on a kernel reopened unchecked, for conformance tests), refuses
 * a closed kernel, makes the call, and turns a non-OK status into a {@link KernelException} naming
 * the operation, the kernel and the kernel's own text for the status. A binding supplies only the
 * bare calls, {@code invoke*}: pass the arguments as its way in needs, return the status code.
 *
 * <p>A call site sees one binding, so the JIT inlines its {@code invoke*} into the checked method:
 * DowncallBench and BindingBench find this shape costs nothing against the same steps written
 * inline in each binding.
 */
public abstract class NativeKernel implements Kernel {

    private final boolean checked;
    private volatile boolean closed;

    /** @param checked whether calls run {@link KernelChecks} first (false only for conformance tests) */
    protected NativeKernel(boolean checked) {
        this.checked = checked;
    }

    /** Where the kernel is reached, for messages: its library's path, or the binding's name. */
    protected abstract String where();

    /** The kernel's asyncrl_status_string(status); "?" when it gives none. */
    protected abstract String statusText(int status);

    /** Throws IllegalStateException once the kernel is closed. */
    protected final void live() {
        if (closed) throw new IllegalStateException("kernel " + name() + " (" + where() + ") is closed");
    }

    /** Marks the kernel closed; true for the first call only, which then releases what it holds. */
    protected final synchronized boolean markClosed() {
        boolean first = !closed;
        closed = true;
        return first;
    }

    /**
     * A segment's address for a binding that passes raw addresses (JNA, JavaCPP): 0 for
     * {@link MemorySegment#NULL}. Like an FFM downcall, refuses a heap segment and one whose arena is
     * closed, so that even an unchecked kernel never passes a dangling address.
     */
    protected static long address(MemorySegment s) {
        if (KernelChecks.isNull(s)) return 0L;
        if (!s.isNative()) throw new IllegalArgumentException("Heap segment not allowed: " + s);
        if (!s.scope().isAlive()) throw new IllegalStateException("Already closed");
        return s.address();
    }

    private void status(String op, int status) {
        if (status != 0) throw KernelException.fromStatus(name(), op, status, statusText(status));
    }

    // ---- the bare calls: arguments in the contract's order, the status code back -------------------

    protected abstract int invokeDenseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                              long batch, long in, long out);

    protected abstract int invokeDenseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                               MemorySegment x, MemorySegment w, long batch, long in, long out);

    /** relu_forward, or tanh_forward when {@code tanh}: one C type, (y, x, N). */
    protected abstract int invokeActivationForward(boolean tanh, MemorySegment y, MemorySegment x, long n);

    /** relu_backward, or tanh_backward when {@code tanh}: one C type, (dx, dy, y, N). */
    protected abstract int invokeActivationBackward(boolean tanh, MemorySegment dx, MemorySegment dy, MemorySegment y,
                                                    long n);

    protected abstract int invokeConv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                               long batch, long channels, long height, long width, long filters,
                                               long kernelSize, long stride);

    protected abstract int invokeConv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db,
                                                MemorySegment dy, MemorySegment x, MemorySegment w, long batch,
                                                long channels, long height, long width, long filters,
                                                long kernelSize, long stride);

    protected abstract int invokeLstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates,
                                                 MemorySegment x, MemorySegment hPrev, MemorySegment cPrev,
                                                 MemorySegment wIh, MemorySegment wHh, MemorySegment b,
                                                 long batch, long in, long hidden);

    protected abstract int invokeLstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx,
                                                  MemorySegment dwIh, MemorySegment dwHh, MemorySegment db,
                                                  MemorySegment dh, MemorySegment dc, MemorySegment x,
                                                  MemorySegment hPrev, MemorySegment cPrev, MemorySegment c,
                                                  MemorySegment gates, MemorySegment wIh, MemorySegment wHh,
                                                  long batch, long in, long hidden);

    protected abstract int invokeA3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                                 MemorySegment logits, MemorySegment values, MemorySegment actions,
                                                 MemorySegment returns, long batch, long actionCount,
                                                 float entropyBeta, float valueCoef);

    protected abstract int invokeGaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues,
                                                      MemorySegment stats, MemorySegment mu, MemorySegment v,
                                                      MemorySegment values, MemorySegment actions,
                                                      MemorySegment returns, long batch, long actionDim,
                                                      float entropyBeta, float valueCoef);

    protected abstract int invokeQLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q,
                                               MemorySegment actions, MemorySegment targets, long batch,
                                               long actionCount, float coef);

    protected abstract int invokeMomentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n,
                                             float lr, float alpha);

    protected abstract int invokeClipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm);

    protected abstract int invokeSharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                                               float lr, float alpha, float eps);

    protected abstract int invokeCopy(MemorySegment dst, MemorySegment src, long n);

    // ---- the contract: check, call, status --------------------------------------------------------

    @Override
    public final void denseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                   long batch, long in, long out) {
        if (checked) KernelChecks.denseForward(y, x, w, b, batch, in, out);
        live();
        status("dense_forward", invokeDenseForward(y, x, w, b, batch, in, out));
    }

    @Override
    public final void denseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                    MemorySegment x, MemorySegment w, long batch, long in, long out) {
        if (checked) KernelChecks.denseBackward(dx, dw, db, dy, x, w, batch, in, out);
        live();
        status("dense_backward", invokeDenseBackward(dx, dw, db, dy, x, w, batch, in, out));
    }

    @Override
    public final void reluForward(MemorySegment y, MemorySegment x, long n) {
        activationForward(false, y, x, n);
    }

    @Override
    public final void reluBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        activationBackward(false, dx, dy, y, n);
    }

    @Override
    public final void tanhForward(MemorySegment y, MemorySegment x, long n) {
        activationForward(true, y, x, n);
    }

    @Override
    public final void tanhBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        activationBackward(true, dx, dy, y, n);
    }

    // tanh is a constant at each call above, so the JIT folds the choice away once these inline
    private void activationForward(boolean tanh, MemorySegment y, MemorySegment x, long n) {
        String op = tanh ? "tanh_forward" : "relu_forward";
        if (checked) KernelChecks.elementwise(op, "y (N)", y, "x (N)", x, null, null, n);
        live();
        status(op, invokeActivationForward(tanh, y, x, n));
    }

    private void activationBackward(boolean tanh, MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        String op = tanh ? "tanh_backward" : "relu_backward";
        if (checked) KernelChecks.elementwise(op, "dx (N)", dx, "dy (N)", dy, "y (N)", y, n);
        live();
        status(op, invokeActivationBackward(tanh, dx, dy, y, n));
    }

    @Override
    public final void conv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                    long batch, long channels, long height, long width, long filters,
                                    long kernelSize, long stride) {
        if (checked) KernelChecks.conv2dForward(y, x, w, b, batch, channels, height, width, filters, kernelSize, stride);
        live();
        status("conv2d_forward", invokeConv2dForward(y, x, w, b, batch, channels, height, width, filters,
                kernelSize, stride));
    }

    @Override
    public final void conv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                     MemorySegment x, MemorySegment w, long batch, long channels, long height,
                                     long width, long filters, long kernelSize, long stride) {
        if (checked) KernelChecks.conv2dBackward(dx, dw, db, dy, x, w, batch, channels, height, width, filters,
                kernelSize, stride);
        live();
        status("conv2d_backward", invokeConv2dBackward(dx, dw, db, dy, x, w, batch, channels, height, width,
                filters, kernelSize, stride));
    }

    @Override
    public final void lstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                                      MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh,
                                      MemorySegment b, long batch, long in, long hidden) {
        if (checked) KernelChecks.lstmCellForward(h, c, gates, x, hPrev, cPrev, wIh, wHh, b, batch, in, hidden);
        live();
        status("lstm_cell_forward", invokeLstmCellForward(h, c, gates, x, hPrev, cPrev, wIh, wHh, b,
                batch, in, hidden));
    }

    @Override
    public final void lstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx,
                                       MemorySegment dwIh, MemorySegment dwHh, MemorySegment db,
                                       MemorySegment dh, MemorySegment dc, MemorySegment x, MemorySegment hPrev,
                                       MemorySegment cPrev, MemorySegment c, MemorySegment gates,
                                       MemorySegment wIh, MemorySegment wHh, long batch, long in, long hidden) {
        if (checked) KernelChecks.lstmCellBackward(dhPrev, dcPrev, dx, dwIh, dwHh, db, dh, dc, x, hPrev, cPrev, c,
                gates, wIh, wHh, batch, in, hidden);
        live();
        status("lstm_cell_backward", invokeLstmCellBackward(dhPrev, dcPrev, dx, dwIh, dwHh, db, dh, dc, x,
                hPrev, cPrev, c, gates, wIh, wHh, batch, in, hidden));
    }

    @Override
    public final void a3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                      MemorySegment logits, MemorySegment values, MemorySegment actions,
                                      MemorySegment returns, long batch, long actionCount,
                                      float entropyBeta, float valueCoef) {
        if (checked) KernelChecks.a3cLossBackward(dLogits, dValues, stats, logits, values, actions, returns,
                batch, actionCount, entropyBeta, valueCoef);
        live();
        status("a3c_loss_backward", invokeA3cLossBackward(dLogits, dValues, stats, logits, values, actions,
                returns, batch, actionCount, entropyBeta, valueCoef));
    }

    @Override
    public final void gaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues,
                                           MemorySegment stats, MemorySegment mu, MemorySegment v,
                                           MemorySegment values, MemorySegment actions, MemorySegment returns,
                                           long batch, long actionDim, float entropyBeta, float valueCoef) {
        if (checked) KernelChecks.gaussianLossBackward(dMu, dV, dValues, stats, mu, v, values, actions, returns,
                batch, actionDim, entropyBeta, valueCoef);
        live();
        status("gaussian_loss_backward", invokeGaussianLossBackward(dMu, dV, dValues, stats, mu, v, values,
                actions, returns, batch, actionDim, entropyBeta, valueCoef));
    }

    @Override
    public final void qLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                                    MemorySegment targets, long batch, long actionCount, float coef) {
        if (checked) KernelChecks.qLossBackward(dq, stats, q, actions, targets, batch, actionCount, coef);
        live();
        status("q_loss_backward", invokeQLossBackward(dq, stats, q, actions, targets, batch, actionCount, coef));
    }

    @Override
    public final void momentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n,
                                  float lr, float alpha) {
        if (checked) KernelChecks.momentumSgd(theta, m, dTheta, n, lr, alpha);
        live();
        status("momentum_sgd", invokeMomentumSgd(theta, m, dTheta, n, lr, alpha));
    }

    @Override
    public final void clipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        if (checked) KernelChecks.clipGradNorm(grad, normOut, n, maxNorm);
        live();
        status("clip_grad_norm", invokeClipGradNorm(grad, normOut, n, maxNorm));
    }

    @Override
    public final void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                                    float lr, float alpha, float eps) {
        if (checked) KernelChecks.sharedRmsprop(theta, g, dTheta, n, lr, alpha, eps);
        live();
        status("shared_rmsprop", invokeSharedRmsprop(theta, g, dTheta, n, lr, alpha, eps));
    }

    @Override
    public final void copy(MemorySegment dst, MemorySegment src, long n) {
        if (checked) KernelChecks.copy(dst, src, n);
        live();
        status("copy", invokeCopy(dst, src, n));
    }
}
