package dev.asyncrl.bindings.jna;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelChecks;
import dev.asyncrl.kernel.KernelException;
import dev.asyncrl.kernel.KernelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

/**
 * A native kernel reached through JNA (direct mapping, {@code Native.register}): the same
 * contract and the same checks as {@link FfmKernel}, there so that BindingBench can compare the
 * ways in. The product uses FfmKernel.
 *
 * <p>The library is the one {@link KernelLibraries} finds and checks (ELF header, contract
 * version, every symbol; the blas kernel also gets cblas_sgemm bound): this class opens it as an
 * FfmKernel first, keeps that open as the owner of the checked library, and then binds the same
 * file in JNA. Every call checks sizes with {@link KernelChecks} exactly as FfmKernel does, turns
 * each segment into a {@link Pointer} at its address, and maps a non-OK status to the same
 * {@link KernelException}.
 *
 * <p>Direct mapping binds a class's native methods to one library, so every kernel gets its own
 * copy of {@link DirectFunctions}, defined in a class loader of its own: several libraries that
 * export the same names can then be open at once, and {@link #close()} unregisters its copy.
 * Unlike FFM, JNA does not keep a segment's arena alive during the call: as everywhere in
 * asyncrl, close an arena only once no call uses its memory.
 */
public final class JnaKernel implements Kernel {

    private static final String DIRECT = "dev.asyncrl.bindings.jna.DirectFunctions";
    /** dlopen flags: RTLD_NOW, local. JNA's default adds RTLD_GLOBAL, which FFM does not use. */
    private static final int RTLD_NOW = 2;

    private final FfmKernel library;
    private final boolean checked;
    private final Class<?> bound;
    private final KernelFunctions fn;
    private final String name;
    private volatile boolean closed;

    private JnaKernel(FfmKernel library, boolean checked) {
        this.library = library;
        this.checked = checked;
        this.bound = bind(library.path());
        try {
            this.fn = (KernelFunctions) bound.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            Native.unregister(bound);
            throw new KernelLoadException("cannot instantiate the JNA binding of " + library.path() + ": " + e, e);
        }
        String reported = fn.asyncrl_kernel_name();
        this.name = reported == null ? library.path().getFileName().toString() : reported;
    }

    /** Finds and checks a kernel by name or path, as {@link KernelLibraries#load} does, and binds it through JNA. */
    public static JnaKernel load(String nameOrPath) {
        return over(KernelLibraries.load(nameOrPath));
    }

    /** Binds an open, checked library through JNA; the new kernel owns it and closes it. */
    public static JnaKernel over(FfmKernel library) {
        try {
            return new JnaKernel(library, true);
        } catch (RuntimeException | Error e) {
            library.close();
            throw e;
        }
    }

    /** The same library without the Java-side size checks, as {@link FfmKernel#reopenUnchecked()}: for conformance tests only. */
    public JnaKernel reopenUnchecked() {
        FfmKernel unchecked = library.reopenUnchecked();
        try {
            return new JnaKernel(unchecked, false);
        } catch (RuntimeException | Error e) {
            unchecked.close();
            throw e;
        }
    }

    /** A fresh copy of DirectFunctions, its natives registered to the library at {@code path}. */
    private static Class<?> bind(Path path) {
        byte[] bytes;
        try (InputStream in = JnaKernel.class.getResourceAsStream("DirectFunctions.class")) {
            if (in == null) throw new KernelLoadException("the JNA binding's DirectFunctions.class is not on the class path");
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new KernelLoadException("cannot read the JNA binding's DirectFunctions.class: " + e, e);
        }
        Class<?> copy = new OneClassLoader(JnaKernel.class.getClassLoader()).define(DIRECT, bytes);
        NativeLibrary lib;
        try {
            lib = NativeLibrary.getInstance(path.toString(), Map.of(Library.OPTION_OPEN_FLAGS, RTLD_NOW));
            Native.register(copy, lib);
        } catch (UnsatisfiedLinkError e) {
            throw new KernelLoadException("JNA cannot bind kernel library " + path + ": " + e.getMessage(), e);
        }
        return copy;
    }

    /** Defines one class, resolving everything else through its parent. */
    private static final class OneClassLoader extends ClassLoader {
        OneClassLoader(ClassLoader parent) {
            super(parent);
        }

        Class<?> define(String className, byte[] bytes) {
            return defineClass(className, bytes, 0, bytes.length);
        }
    }

    public Path path() {
        return library.path();
    }

    @Override
    public String name() {
        return name;
    }

    /** asyncrl_kernel_version(), called through JNA now: the cheapest call of the contract, for BindingBench. */
    public int kernelVersion() {
        live();
        return fn.asyncrl_kernel_version();
    }

    /** asyncrl_status_string(status) through JNA. */
    public String statusString(int status) {
        live();
        String s = fn.asyncrl_status_string(status);
        return s == null ? "?" : s;
    }

    private void live() {
        if (closed) throw new IllegalStateException("kernel " + name + " (JNA) is closed");
    }

    /**
     * A segment as JNA's pointer to its address: NULL for {@link MemorySegment#NULL}. Like an
     * FFM downcall, refuses a heap segment and one whose arena is closed, so that even an
     * unchecked kernel never passes a dangling address.
     */
    private static Pointer p(MemorySegment s) {
        if (KernelChecks.isNull(s)) return null;
        if (!s.isNative()) throw new IllegalArgumentException("Heap segment not allowed: " + s);
        if (!s.scope().isAlive()) throw new IllegalStateException("Already closed");
        return new Pointer(s.address());
    }

    private void check(String op, int status) {
        throw KernelException.fromStatus(name, op, status, statusString(status));
    }

    @Override
    public void denseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                             long batch, long in, long out) {
        if (checked) KernelChecks.denseForward(y, x, w, b, batch, in, out);
        live();
        int st = fn.asyncrl_dense_forward(p(y), p(x), p(w), p(b), batch, in, out);
        if (st != 0) check("dense_forward", st);
    }

    @Override
    public void denseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                              MemorySegment x, MemorySegment w, long batch, long in, long out) {
        if (checked) KernelChecks.denseBackward(dx, dw, db, dy, x, w, batch, in, out);
        live();
        int st = fn.asyncrl_dense_backward(p(dx), p(dw), p(db), p(dy), p(x), p(w), batch, in, out);
        if (st != 0) check("dense_backward", st);
    }

    @Override
    public void reluForward(MemorySegment y, MemorySegment x, long n) {
        if (checked) KernelChecks.elementwise("relu_forward", "y (N)", y, "x (N)", x, null, null, n);
        live();
        int st = fn.asyncrl_relu_forward(p(y), p(x), n);
        if (st != 0) check("relu_forward", st);
    }

    @Override
    public void reluBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        if (checked) KernelChecks.elementwise("relu_backward", "dx (N)", dx, "dy (N)", dy, "y (N)", y, n);
        live();
        int st = fn.asyncrl_relu_backward(p(dx), p(dy), p(y), n);
        if (st != 0) check("relu_backward", st);
    }

    @Override
    public void tanhForward(MemorySegment y, MemorySegment x, long n) {
        if (checked) KernelChecks.elementwise("tanh_forward", "y (N)", y, "x (N)", x, null, null, n);
        live();
        int st = fn.asyncrl_tanh_forward(p(y), p(x), n);
        if (st != 0) check("tanh_forward", st);
    }

    @Override
    public void tanhBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        if (checked) KernelChecks.elementwise("tanh_backward", "dx (N)", dx, "dy (N)", dy, "y (N)", y, n);
        live();
        int st = fn.asyncrl_tanh_backward(p(dx), p(dy), p(y), n);
        if (st != 0) check("tanh_backward", st);
    }

    @Override
    public void conv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                              long batch, long channels, long height, long width, long filters,
                              long kernelSize, long stride) {
        if (checked) KernelChecks.conv2dForward(y, x, w, b, batch, channels, height, width, filters, kernelSize, stride);
        live();
        int st = fn.asyncrl_conv2d_forward(p(y), p(x), p(w), p(b), batch, channels, height, width, filters,
                kernelSize, stride);
        if (st != 0) check("conv2d_forward", st);
    }

    @Override
    public void conv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                               MemorySegment x, MemorySegment w, long batch, long channels, long height,
                               long width, long filters, long kernelSize, long stride) {
        if (checked) KernelChecks.conv2dBackward(dx, dw, db, dy, x, w, batch, channels, height, width, filters, kernelSize, stride);
        live();
        int st = fn.asyncrl_conv2d_backward(p(dx), p(dw), p(db), p(dy), p(x), p(w), batch, channels, height, width,
                filters, kernelSize, stride);
        if (st != 0) check("conv2d_backward", st);
    }

    @Override
    public void lstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                                MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh,
                                MemorySegment b, long batch, long in, long hidden) {
        if (checked) KernelChecks.lstmCellForward(h, c, gates, x, hPrev, cPrev, wIh, wHh, b, batch, in, hidden);
        live();
        int st = fn.asyncrl_lstm_cell_forward(p(h), p(c), p(gates), p(x), p(hPrev), p(cPrev), p(wIh), p(wHh), p(b),
                batch, in, hidden);
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
        live();
        int st = fn.asyncrl_lstm_cell_backward(p(dhPrev), p(dcPrev), p(dx), p(dwIh), p(dwHh), p(db), p(dh), p(dc),
                p(x), p(hPrev), p(cPrev), p(c), p(gates), p(wIh), p(wHh), batch, in, hidden);
        if (st != 0) check("lstm_cell_backward", st);
    }

    @Override
    public void a3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                MemorySegment logits, MemorySegment values, MemorySegment actions,
                                MemorySegment returns, long batch, long actionCount,
                                float entropyBeta, float valueCoef) {
        if (checked) KernelChecks.a3cLossBackward(dLogits, dValues, stats, logits, values, actions, returns,
                batch, actionCount, entropyBeta, valueCoef);
        live();
        int st = fn.asyncrl_a3c_loss_backward(p(dLogits), p(dValues), p(stats), p(logits), p(values), p(actions),
                p(returns), batch, actionCount, entropyBeta, valueCoef);
        if (st != 0) check("a3c_loss_backward", st);
    }

    @Override
    public void gaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues, MemorySegment stats,
                                     MemorySegment mu, MemorySegment v, MemorySegment values, MemorySegment actions,
                                     MemorySegment returns, long batch, long actionDim,
                                     float entropyBeta, float valueCoef) {
        if (checked) KernelChecks.gaussianLossBackward(dMu, dV, dValues, stats, mu, v, values, actions, returns,
                batch, actionDim, entropyBeta, valueCoef);
        live();
        int st = fn.asyncrl_gaussian_loss_backward(p(dMu), p(dV), p(dValues), p(stats), p(mu), p(v), p(values),
                p(actions), p(returns), batch, actionDim, entropyBeta, valueCoef);
        if (st != 0) check("gaussian_loss_backward", st);
    }

    @Override
    public void qLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                              MemorySegment targets, long batch, long actionCount, float coef) {
        if (checked) KernelChecks.qLossBackward(dq, stats, q, actions, targets, batch, actionCount, coef);
        live();
        int st = fn.asyncrl_q_loss_backward(p(dq), p(stats), p(q), p(actions), p(targets), batch, actionCount, coef);
        if (st != 0) check("q_loss_backward", st);
    }

    @Override
    public void momentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n, float lr, float alpha) {
        if (checked) KernelChecks.momentumSgd(theta, m, dTheta, n, lr, alpha);
        live();
        int st = fn.asyncrl_momentum_sgd(p(theta), p(m), p(dTheta), n, lr, alpha);
        if (st != 0) check("momentum_sgd", st);
    }

    @Override
    public void clipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        if (checked) KernelChecks.clipGradNorm(grad, normOut, n, maxNorm);
        live();
        int st = fn.asyncrl_clip_grad_norm(p(grad), p(normOut), n, maxNorm);
        if (st != 0) check("clip_grad_norm", st);
    }

    @Override
    public void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                              float lr, float alpha, float eps) {
        if (checked) KernelChecks.sharedRmsprop(theta, g, dTheta, n, lr, alpha, eps);
        live();
        int st = fn.asyncrl_shared_rmsprop(p(theta), p(g), p(dTheta), n, lr, alpha, eps);
        if (st != 0) check("shared_rmsprop", st);
    }

    @Override
    public void copy(MemorySegment dst, MemorySegment src, long n) {
        if (checked) KernelChecks.copy(dst, src, n);
        live();
        int st = fn.asyncrl_copy(p(dst), p(src), n);
        if (st != 0) check("copy", st);
    }

    /**
     * Unregisters this kernel's natives and closes the library it owns. Only call once no thread
     * uses this kernel: a later call fails with an IllegalStateException. JNA itself keeps the
     * file mapped (its NativeLibrary is cached per path) until the JVM exits.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        Native.unregister(bound);
        library.close();
    }

    @Override
    public String toString() {
        return "JnaKernel[" + name + " @ " + library.path() + "]";
    }
}
