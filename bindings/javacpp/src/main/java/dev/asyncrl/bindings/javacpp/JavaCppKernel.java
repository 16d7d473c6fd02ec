package dev.asyncrl.bindings.javacpp;

import dev.asyncrl.bindings.ffm.BoundKernel;
import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.KernelChecks;
import dev.asyncrl.kernel.KernelException;
import dev.asyncrl.kernel.KernelLoadException;
import dev.asyncrl.kernel.NativeKernel;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;

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
 * kernel chosen at run time works, several at once. {@link NativeKernel} wraps every call in the
 * checks FfmKernel's get too (sizes with {@link KernelChecks}, a non-OK status as the same
 * {@link KernelException}).
 *
 * <p>The addresses stay valid while the FfmKernel is reachable (it holds the library), so each
 * call ends with a reachability fence on it. Unlike FFM, JNI does not keep a segment's arena
 * alive during the call: as everywhere in asyncrl, close an arena only once no call uses its memory.
 */
public final class JavaCppKernel extends BoundKernel {

    private final long version, statusString, denseForward, denseBackward, reluForward, reluBackward,
            tanhForward, tanhBackward, conv2dForward, conv2dBackward, lstmCellForward, lstmCellBackward,
            a3cLoss, gaussianLoss, qLoss, clip, rmsprop, momentum, copy;

    private JavaCppKernel(FfmKernel library, boolean checked) {
        super(library, checked, "JavaCPP");
        try {
            JavaCppFunctions.load();
        } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new KernelLoadException("the JavaCPP binding's JNI library (libjniJavaCppFunctions) cannot be loaded"
                    + " (it is built by the Maven build, for " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + "): " + e, e);
        }
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
    }

    @Override
    protected JavaCppKernel bind(FfmKernel library, boolean checked) {
        return new JavaCppKernel(library, checked);
    }

    /** Finds and checks a kernel by name or path, as {@link KernelLibraries#load} does, and reaches it through JavaCPP. */
    public static JavaCppKernel load(String nameOrPath) {
        return FfmKernel.owning(KernelLibraries.load(nameOrPath), l -> new JavaCppKernel(l, true));
    }

    /** asyncrl_kernel_version(), called through JavaCPP now: the cheapest call of the contract, for BindingBench. */
    public int kernelVersion() {
        live();
        int v = JavaCppFunctions.kernelVersion(version);
        Reference.reachabilityFence(library);
        return v;
    }

    /** asyncrl_status_string(status) through JavaCPP. */
    public String statusString(int status) {
        live();
        String s = JavaCppFunctions.statusString(statusString, status);
        Reference.reachabilityFence(library);
        return s == null ? "?" : s;
    }

    @Override
    protected String statusText(int status) {
        return statusString(status);
    }

    /** A segment's address for the glue ({@link NativeKernel#address}): 0 for NULL. */
    private static long p(MemorySegment s) {
        return address(s);
    }

    @Override
    protected int invokeDenseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                     long batch, long in, long out) {
        int st = JavaCppFunctions.denseForward(denseForward, p(y), p(x), p(w), p(b), batch, in, out);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeDenseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                      MemorySegment x, MemorySegment w, long batch, long in, long out) {
        int st = JavaCppFunctions.denseBackward(denseBackward, p(dx), p(dw), p(db), p(dy), p(x), p(w),
                batch, in, out);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeActivationForward(boolean tanh, MemorySegment y, MemorySegment x, long n) {
        return unary(tanh ? tanhForward : reluForward, y, x, n);
    }

    @Override
    protected int invokeActivationBackward(boolean tanh, MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        int st = JavaCppFunctions.unaryBackward(tanh ? tanhBackward : reluBackward, p(dx), p(dy), p(y), n);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeConv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                      long batch, long channels, long height, long width, long filters,
                                      long kernelSize, long stride) {
        int st = JavaCppFunctions.conv2dForward(conv2dForward, p(y), p(x), p(w), p(b), batch, channels,
                height, width, filters, kernelSize, stride);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeConv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                       MemorySegment x, MemorySegment w, long batch, long channels, long height,
                                       long width, long filters, long kernelSize, long stride) {
        int st = JavaCppFunctions.conv2dBackward(conv2dBackward, p(dx), p(dw), p(db), p(dy), p(x), p(w),
                batch, channels, height, width, filters, kernelSize, stride);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeLstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                                        MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh,
                                        MemorySegment b, long batch, long in, long hidden) {
        int st = JavaCppFunctions.lstmCellForward(lstmCellForward, p(h), p(c), p(gates), p(x), p(hPrev),
                p(cPrev), p(wIh), p(wHh), p(b), batch, in, hidden);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeLstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx, MemorySegment dwIh,
                                         MemorySegment dwHh, MemorySegment db, MemorySegment dh, MemorySegment dc,
                                         MemorySegment x, MemorySegment hPrev, MemorySegment cPrev, MemorySegment c,
                                         MemorySegment gates, MemorySegment wIh, MemorySegment wHh,
                                         long batch, long in, long hidden) {
        int st = JavaCppFunctions.lstmCellBackward(lstmCellBackward, p(dhPrev), p(dcPrev), p(dx), p(dwIh),
                p(dwHh), p(db), p(dh), p(dc), p(x), p(hPrev), p(cPrev), p(c), p(gates), p(wIh), p(wHh), batch,
                in, hidden);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeA3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                        MemorySegment logits, MemorySegment values, MemorySegment actions,
                                        MemorySegment returns, long batch, long actionCount,
                                        float entropyBeta, float valueCoef) {
        int st = JavaCppFunctions.a3cLossBackward(a3cLoss, p(dLogits), p(dValues), p(stats), p(logits),
                p(values), p(actions), p(returns), batch, actionCount, entropyBeta, valueCoef);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeGaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues, MemorySegment stats,
                                             MemorySegment mu, MemorySegment v, MemorySegment values, MemorySegment actions,
                                             MemorySegment returns, long batch, long actionDim,
                                             float entropyBeta, float valueCoef) {
        int st = JavaCppFunctions.gaussianLossBackward(gaussianLoss, p(dMu), p(dV), p(dValues), p(stats),
                p(mu), p(v), p(values), p(actions), p(returns), batch, actionDim, entropyBeta, valueCoef);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeQLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                                      MemorySegment targets, long batch, long actionCount, float coef) {
        int st = JavaCppFunctions.qLossBackward(qLoss, p(dq), p(stats), p(q), p(actions), p(targets),
                batch, actionCount, coef);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeMomentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n, float lr, float alpha) {
        int st = JavaCppFunctions.momentumSgd(momentum, p(theta), p(m), p(dTheta), n, lr, alpha);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeClipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        int st = JavaCppFunctions.clipGradNorm(clip, p(grad), p(normOut), n, maxNorm);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeSharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                                      float lr, float alpha, float eps) {
        int st = JavaCppFunctions.sharedRmsprop(rmsprop, p(theta), p(g), p(dTheta), n, lr, alpha, eps);
        Reference.reachabilityFence(library);
        return st;
    }

    @Override
    protected int invokeCopy(MemorySegment dst, MemorySegment src, long n) {
        return unary(copy, dst, src, n);
    }

    /** relu_forward, tanh_forward and copy share one C type, so one trampoline: (out, in, N). */
    private int unary(long fn, MemorySegment out, MemorySegment in, long n) {
        int st = JavaCppFunctions.unary(fn, p(out), p(in), n);
        Reference.reachabilityFence(library);
        return st;
    }
}
