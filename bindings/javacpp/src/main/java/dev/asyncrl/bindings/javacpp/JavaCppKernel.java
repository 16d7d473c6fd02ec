package dev.asyncrl.bindings.javacpp;

import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelChecks;
import dev.asyncrl.kernel.KernelException;
import dev.asyncrl.kernel.KernelLoadException;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.nio.file.Path;

/**
 * A native kernel reached through JavaCPP ({@link JavaCppFunctions}, JNI glue that JavaCPP's
 * Builder generates and compiles at build time): the same contract and the same checks as
 * {@link FfmKernel}, there so that BindingBench can compare the ways in. The product uses
 * FfmKernel.
 *
 * <p>The library is the one {@link KernelLibraries} finds and checks (ELF header, contract
 * version, every symbol; the blas kernel also gets cblas_sgemm bound): this class opens it as an
 * FfmKernel, keeps that open as the owner of the dlopen'ed library, and takes the address of
 * every contract function from it once ({@link FfmKernel#symbolAddress}). The JNI glue links no
 * kernel; each call passes the function's address and the segments' addresses to it, so any
 * kernel chosen at run time works, several at once. Every call checks sizes with
 * {@link KernelChecks} exactly as FfmKernel does and maps a non-OK status to the same
 * {@link KernelException}.
 *
 * <p>The addresses stay valid while the FfmKernel is reachable (it holds the library), so each
 * call ends with a reachability fence on it. Unlike FFM, JNI does not keep a segment's arena
 * alive during the call: as everywhere in asyncrl, close an arena only once no call uses its memory.
 */
public final class JavaCppKernel implements Kernel {

    private final FfmKernel library;
    private final boolean checked;
    private final String name;
    private final long version, statusString, denseForward, denseBackward, reluForward, reluBackward,
            tanhForward, tanhBackward, conv2dForward, conv2dBackward, lstmCellForward, lstmCellBackward,
            a3cLoss, gaussianLoss, qLoss, clip, rmsprop, momentum, copy;
    private volatile boolean closed;

    private JavaCppKernel(FfmKernel library, boolean checked) {
        try {
            JavaCppFunctions.load();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new KernelLoadException("the JavaCPP binding's JNI library (libjniJavaCppFunctions) cannot be loaded"
                    + " (it is built by the Maven build, for " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + "): " + e, e);
        }
        this.library = library;
        this.checked = checked;
        this.version = library.symbolAddress("asyncrl_kernel_version");
        this.statusString = library.symbolAddress("asyncrl_status_string");
        this.denseForward = library.symbolAddress("asyncrl_dense_forward");
        this.denseBackward = library.symbolAddress("asyncrl_dense_backward");
        this.reluForward = library.symbolAddress("asyncrl_relu_forward");
        this.reluBackward = library.symbolAddress("asyncrl_relu_backward");
        this.tanhForward = library.symbolAddress("asyncrl_tanh_forward");
        this.tanhBackward = library.symbolAddress("asyncrl_tanh_backward");
        this.conv2dForward = library.symbolAddress("asyncrl_conv2d_forward");
        this.conv2dBackward = library.symbolAddress("asyncrl_conv2d_backward");
        this.lstmCellForward = library.symbolAddress("asyncrl_lstm_cell_forward");
        this.lstmCellBackward = library.symbolAddress("asyncrl_lstm_cell_backward");
        this.a3cLoss = library.symbolAddress("asyncrl_a3c_loss_backward");
        this.gaussianLoss = library.symbolAddress("asyncrl_gaussian_loss_backward");
        this.qLoss = library.symbolAddress("asyncrl_q_loss_backward");
        this.clip = library.symbolAddress("asyncrl_clip_grad_norm");
        this.rmsprop = library.symbolAddress("asyncrl_shared_rmsprop");
        this.momentum = library.symbolAddress("asyncrl_momentum_sgd");
        this.copy = library.symbolAddress("asyncrl_copy");
        String reported = JavaCppFunctions.kernelName(library.symbolAddress("asyncrl_kernel_name"));
        this.name = reported == null ? library.path().getFileName().toString() : reported;
    }

    /** Finds and checks a kernel by name or path, as {@link KernelLibraries#load} does, and reaches it through JavaCPP. */
    public static JavaCppKernel load(String nameOrPath) {
        return over(KernelLibraries.load(nameOrPath));
    }

    /** Reaches an open, checked library through JavaCPP; the new kernel owns it and closes it. */
    public static JavaCppKernel over(FfmKernel library) {
        try {
            return new JavaCppKernel(library, true);
        } catch (RuntimeException | Error e) {
            library.close();
            throw e;
        }
    }

    /** The same library without the Java-side size checks, as {@link FfmKernel#reopenUnchecked()}: for conformance tests only. */
    public JavaCppKernel reopenUnchecked() {
        FfmKernel unchecked = library.reopenUnchecked();
        try {
            return new JavaCppKernel(unchecked, false);
        } catch (RuntimeException | Error e) {
            unchecked.close();
            throw e;
        }
    }

    public Path path() {
        return library.path();
    }

    @Override
    public String name() {
        return name;
    }

    /** asyncrl_kernel_version(), called through JavaCPP now: the cheapest call of the contract, for BindingBench. */
    public int kernelVersion() {
        int v = JavaCppFunctions.kernelVersion(fn(version));
        Reference.reachabilityFence(library);
        return v;
    }

    /** asyncrl_status_string(status) through JavaCPP. */
    public String statusString(int status) {
        String s = JavaCppFunctions.statusString(fn(statusString), status);
        Reference.reachabilityFence(library);
        return s == null ? "?" : s;
    }

    /** A function's address, while the library is open. */
    private long fn(long address) {
        if (closed) throw new IllegalStateException("kernel " + name + " (JavaCPP) is closed");
        return address;
    }

    /**
     * A segment's address for the glue: 0 for {@link MemorySegment#NULL}. Like an FFM downcall,
     * refuses a heap segment and one whose arena is closed, so that even an unchecked kernel
     * never passes a dangling address.
     */
    private static long p(MemorySegment s) {
        if (KernelChecks.isNull(s)) return 0L;
        if (!s.isNative()) throw new IllegalArgumentException("Heap segment not allowed: " + s);
        if (!s.scope().isAlive()) throw new IllegalStateException("Already closed");
        return s.address();
    }

    private void check(String op, int status) {
        throw KernelException.fromStatus(name, op, status, statusString(status));
    }

    @Override
    public void denseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                             long batch, long in, long out) {
        if (checked) KernelChecks.denseForward(y, x, w, b, batch, in, out);
        int st = JavaCppFunctions.denseForward(fn(denseForward), p(y), p(x), p(w), p(b), batch, in, out);
        Reference.reachabilityFence(library);
        if (st != 0) check("dense_forward", st);
    }

    @Override
    public void denseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                              MemorySegment x, MemorySegment w, long batch, long in, long out) {
        if (checked) KernelChecks.denseBackward(dx, dw, db, dy, x, w, batch, in, out);
        int st = JavaCppFunctions.denseBackward(fn(denseBackward), p(dx), p(dw), p(db), p(dy), p(x), p(w),
                batch, in, out);
        Reference.reachabilityFence(library);
        if (st != 0) check("dense_backward", st);
    }

    @Override
    public void reluForward(MemorySegment y, MemorySegment x, long n) {
        if (checked) KernelChecks.elementwise("relu_forward", "y (N)", y, "x (N)", x, null, null, n);
        int st = JavaCppFunctions.reluForward(fn(reluForward), p(y), p(x), n);
        Reference.reachabilityFence(library);
        if (st != 0) check("relu_forward", st);
    }

    @Override
    public void reluBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        if (checked) KernelChecks.elementwise("relu_backward", "dx (N)", dx, "dy (N)", dy, "y (N)", y, n);
        int st = JavaCppFunctions.reluBackward(fn(reluBackward), p(dx), p(dy), p(y), n);
        Reference.reachabilityFence(library);
        if (st != 0) check("relu_backward", st);
    }

    @Override
    public void tanhForward(MemorySegment y, MemorySegment x, long n) {
        if (checked) KernelChecks.elementwise("tanh_forward", "y (N)", y, "x (N)", x, null, null, n);
        int st = JavaCppFunctions.tanhForward(fn(tanhForward), p(y), p(x), n);
        Reference.reachabilityFence(library);
        if (st != 0) check("tanh_forward", st);
    }

    @Override
    public void tanhBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        if (checked) KernelChecks.elementwise("tanh_backward", "dx (N)", dx, "dy (N)", dy, "y (N)", y, n);
        int st = JavaCppFunctions.tanhBackward(fn(tanhBackward), p(dx), p(dy), p(y), n);
        Reference.reachabilityFence(library);
        if (st != 0) check("tanh_backward", st);
    }

    @Override
    public void conv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                              long batch, long channels, long height, long width, long filters,
                              long kernelSize, long stride) {
        if (checked) KernelChecks.conv2dForward(y, x, w, b, batch, channels, height, width, filters, kernelSize, stride);
        int st = JavaCppFunctions.conv2dForward(fn(conv2dForward), p(y), p(x), p(w), p(b), batch, channels,
                height, width, filters, kernelSize, stride);
        Reference.reachabilityFence(library);
        if (st != 0) check("conv2d_forward", st);
    }

    @Override
    public void conv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                               MemorySegment x, MemorySegment w, long batch, long channels, long height,
                               long width, long filters, long kernelSize, long stride) {
        if (checked) KernelChecks.conv2dBackward(dx, dw, db, dy, x, w, batch, channels, height, width, filters, kernelSize, stride);
        int st = JavaCppFunctions.conv2dBackward(fn(conv2dBackward), p(dx), p(dw), p(db), p(dy), p(x), p(w),
                batch, channels, height, width, filters, kernelSize, stride);
        Reference.reachabilityFence(library);
        if (st != 0) check("conv2d_backward", st);
    }

    @Override
    public void lstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                                MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh,
                                MemorySegment b, long batch, long in, long hidden) {
        if (checked) KernelChecks.lstmCellForward(h, c, gates, x, hPrev, cPrev, wIh, wHh, b, batch, in, hidden);
        int st = JavaCppFunctions.lstmCellForward(fn(lstmCellForward), p(h), p(c), p(gates), p(x), p(hPrev),
                p(cPrev), p(wIh), p(wHh), p(b), batch, in, hidden);
        Reference.reachabilityFence(library);
        if (st != 0) check("lstm_cell_forward", st);
    }

    @Override
    public void lstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx, MemorySegment dwIh,
                                 MemorySegment dwHh, MemorySegment db, MemorySegment dh, MemorySegment dc,
                                 MemorySegment x, MemorySegment hPrev, MemorySegment cPrev, MemorySegment c,
                                 MemorySegment gates, MemorySegment wIh, MemorySegment wHh,
                                 long batch, long in, long hidden) {
        if (checked) KernelChecks.lstmCellBackward(dhPrev, dcPrev, dx, dwIh, dwHh, db, dh, dc, x, hPrev, cPrev, c, gates,
                wIh, wHh, batch, in, hidden);
        int st = JavaCppFunctions.lstmCellBackward(fn(lstmCellBackward), p(dhPrev), p(dcPrev), p(dx), p(dwIh),
                p(dwHh), p(db), p(dh), p(dc), p(x), p(hPrev), p(cPrev), p(c), p(gates), p(wIh), p(wHh), batch,
                in, hidden);
        Reference.reachabilityFence(library);
        if (st != 0) check("lstm_cell_backward", st);
    }

    @Override
    public void a3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                MemorySegment logits, MemorySegment values, MemorySegment actions,
                                MemorySegment returns, long batch, long actionCount,
                                float entropyBeta, float valueCoef) {
        if (checked) KernelChecks.a3cLossBackward(dLogits, dValues, stats, logits, values, actions, returns,
                batch, actionCount, entropyBeta, valueCoef);
        int st = JavaCppFunctions.a3cLossBackward(fn(a3cLoss), p(dLogits), p(dValues), p(stats), p(logits),
                p(values), p(actions), p(returns), batch, actionCount, entropyBeta, valueCoef);
        Reference.reachabilityFence(library);
        if (st != 0) check("a3c_loss_backward", st);
    }

    @Override
    public void gaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues, MemorySegment stats,
                                     MemorySegment mu, MemorySegment v, MemorySegment values, MemorySegment actions,
                                     MemorySegment returns, long batch, long actionDim,
                                     float entropyBeta, float valueCoef) {
        if (checked) KernelChecks.gaussianLossBackward(dMu, dV, dValues, stats, mu, v, values, actions, returns,
                batch, actionDim, entropyBeta, valueCoef);
        int st = JavaCppFunctions.gaussianLossBackward(fn(gaussianLoss), p(dMu), p(dV), p(dValues), p(stats),
                p(mu), p(v), p(values), p(actions), p(returns), batch, actionDim, entropyBeta, valueCoef);
        Reference.reachabilityFence(library);
        if (st != 0) check("gaussian_loss_backward", st);
    }

    @Override
    public void qLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                              MemorySegment targets, long batch, long actionCount, float coef) {
        if (checked) KernelChecks.qLossBackward(dq, stats, q, actions, targets, batch, actionCount, coef);
        int st = JavaCppFunctions.qLossBackward(fn(qLoss), p(dq), p(stats), p(q), p(actions), p(targets),
                batch, actionCount, coef);
        Reference.reachabilityFence(library);
        if (st != 0) check("q_loss_backward", st);
    }

    @Override
    public void momentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n, float lr, float alpha) {
        if (checked) KernelChecks.momentumSgd(theta, m, dTheta, n, lr, alpha);
        int st = JavaCppFunctions.momentumSgd(fn(momentum), p(theta), p(m), p(dTheta), n, lr, alpha);
        Reference.reachabilityFence(library);
        if (st != 0) check("momentum_sgd", st);
    }

    @Override
    public void clipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        if (checked) KernelChecks.clipGradNorm(grad, normOut, n, maxNorm);
        int st = JavaCppFunctions.clipGradNorm(fn(clip), p(grad), p(normOut), n, maxNorm);
        Reference.reachabilityFence(library);
        if (st != 0) check("clip_grad_norm", st);
    }

    @Override
    public void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                              float lr, float alpha, float eps) {
        if (checked) KernelChecks.sharedRmsprop(theta, g, dTheta, n, lr, alpha, eps);
        int st = JavaCppFunctions.sharedRmsprop(fn(rmsprop), p(theta), p(g), p(dTheta), n, lr, alpha, eps);
        Reference.reachabilityFence(library);
        if (st != 0) check("shared_rmsprop", st);
    }

    @Override
    public void copy(MemorySegment dst, MemorySegment src, long n) {
        if (checked) KernelChecks.copy(dst, src, n);
        int st = JavaCppFunctions.copy(fn(copy), p(dst), p(src), n);
        Reference.reachabilityFence(library);
        if (st != 0) check("copy", st);
    }

    /**
     * Closes the library this kernel owns. Only call once no thread uses this kernel: a later call
     * fails with an IllegalStateException. The JNI glue stays loaded (it holds no kernel).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        library.close();
    }

    @Override
    public String toString() {
        return "JavaCppKernel[" + name + " @ " + library.path() + "]";
    }
}
