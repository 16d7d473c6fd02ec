package dev.asyncrl.bindings.jna;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.asyncrl.bindings.ffm.BoundKernel;
import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.KernelChecks;
import dev.asyncrl.kernel.KernelException;
import dev.asyncrl.kernel.KernelLoadException;
import dev.asyncrl.kernel.NativeKernel;
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
 * file in JNA. {@link NativeKernel} wraps every call in the checks FfmKernel's get too (sizes with
 * {@link KernelChecks}, a non-OK status as the same {@link KernelException}); this class turns
 * each segment into a {@link Pointer} at its address and makes the call.
 *
 * <p>Direct mapping binds a class's native methods to one library, so every kernel gets its own
 * copy of {@link DirectFunctions}, defined in a class loader of its own: several libraries that
 * export the same names can then be open at once, and {@link #close()} unregisters its copy.
 * Unlike FFM, JNA does not keep a segment's arena alive during the call: as everywhere in
 * asyncrl, close an arena only once no call uses its memory.
 */
public final class JnaKernel extends BoundKernel {

    private static final String DIRECT = "dev.asyncrl.bindings.jna.DirectFunctions";
    /** dlopen flags: RTLD_NOW, local. JNA's default adds RTLD_GLOBAL, which FFM does not use. */
    private static final int RTLD_NOW = 2;

    private final Class<?> bound;
    private final KernelFunctions fn;

    private JnaKernel(FfmKernel library, boolean checked) {
        super(library, checked, "JNA");
        this.bound = register(library.path());
        try {
            this.fn = (KernelFunctions) bound.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            Native.unregister(bound);
            throw new KernelLoadException("cannot instantiate the JNA binding of " + library.path() + ": " + e, e);
        }
    }

    @Override
    protected JnaKernel bind(FfmKernel library, boolean checked) {
        return new JnaKernel(library, checked);
    }

    /** Finds and checks a kernel by name or path, as {@link KernelLibraries#load} does, and binds it through JNA. */
    public static JnaKernel load(String nameOrPath) {
        return FfmKernel.owning(KernelLibraries.load(nameOrPath), l -> new JnaKernel(l, true));
    }

    /** A fresh copy of DirectFunctions, its natives registered to the library at {@code path}. */
    private static Class<?> register(Path path) {
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

    @Override
    protected String statusText(int status) {
        return statusString(status);
    }

    /** A segment as JNA's pointer to its address ({@link NativeKernel#address}): null for NULL. */
    private static Pointer p(MemorySegment s) {
        long a = address(s);
        return a == 0 ? null : new Pointer(a);
    }

    @Override
    protected int invokeDenseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                     long batch, long in, long out) {
        return fn.asyncrl_dense_forward(p(y), p(x), p(w), p(b), batch, in, out);
    }

    @Override
    protected int invokeDenseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                      MemorySegment x, MemorySegment w, long batch, long in, long out) {
        return fn.asyncrl_dense_backward(p(dx), p(dw), p(db), p(dy), p(x), p(w), batch, in, out);
    }

    @Override
    protected int invokeActivationForward(boolean tanh, MemorySegment y, MemorySegment x, long n) {
        return tanh ? fn.asyncrl_tanh_forward(p(y), p(x), n) : fn.asyncrl_relu_forward(p(y), p(x), n);
    }

    @Override
    protected int invokeActivationBackward(boolean tanh, MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        return tanh ? fn.asyncrl_tanh_backward(p(dx), p(dy), p(y), n) : fn.asyncrl_relu_backward(p(dx), p(dy), p(y), n);
    }

    @Override
    protected int invokeConv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                      long batch, long channels, long height, long width, long filters,
                                      long kernelSize, long stride) {
        return fn.asyncrl_conv2d_forward(p(y), p(x), p(w), p(b), batch, channels, height, width, filters,
                kernelSize, stride);
    }

    @Override
    protected int invokeConv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                       MemorySegment x, MemorySegment w, long batch, long channels, long height,
                                       long width, long filters, long kernelSize, long stride) {
        return fn.asyncrl_conv2d_backward(p(dx), p(dw), p(db), p(dy), p(x), p(w), batch, channels, height, width,
                filters, kernelSize, stride);
    }

    @Override
    protected int invokeLstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                                        MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh,
                                        MemorySegment b, long batch, long in, long hidden) {
        return fn.asyncrl_lstm_cell_forward(p(h), p(c), p(gates), p(x), p(hPrev), p(cPrev), p(wIh), p(wHh), p(b),
                batch, in, hidden);
    }

    @Override
    protected int invokeLstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx, MemorySegment dwIh,
                                         MemorySegment dwHh, MemorySegment db, MemorySegment dh, MemorySegment dc,
                                         MemorySegment x, MemorySegment hPrev, MemorySegment cPrev, MemorySegment c,
                                         MemorySegment gates, MemorySegment wIh, MemorySegment wHh,
                                         long batch, long in, long hidden) {
        return fn.asyncrl_lstm_cell_backward(p(dhPrev), p(dcPrev), p(dx), p(dwIh), p(dwHh), p(db), p(dh), p(dc),
                p(x), p(hPrev), p(cPrev), p(c), p(gates), p(wIh), p(wHh), batch, in, hidden);
    }

    @Override
    protected int invokeA3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                        MemorySegment logits, MemorySegment values, MemorySegment actions,
                                        MemorySegment returns, long batch, long actionCount,
                                        float entropyBeta, float valueCoef) {
        return fn.asyncrl_a3c_loss_backward(p(dLogits), p(dValues), p(stats), p(logits), p(values), p(actions),
                p(returns), batch, actionCount, entropyBeta, valueCoef);
    }

    @Override
    protected int invokeGaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues, MemorySegment stats,
                                             MemorySegment mu, MemorySegment v, MemorySegment values, MemorySegment actions,
                                             MemorySegment returns, long batch, long actionDim,
                                             float entropyBeta, float valueCoef) {
        return fn.asyncrl_gaussian_loss_backward(p(dMu), p(dV), p(dValues), p(stats), p(mu), p(v), p(values),
                p(actions), p(returns), batch, actionDim, entropyBeta, valueCoef);
    }

    @Override
    protected int invokeQLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                                      MemorySegment targets, long batch, long actionCount, float coef) {
        return fn.asyncrl_q_loss_backward(p(dq), p(stats), p(q), p(actions), p(targets), batch, actionCount, coef);
    }

    @Override
    protected int invokeMomentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n, float lr, float alpha) {
        return fn.asyncrl_momentum_sgd(p(theta), p(m), p(dTheta), n, lr, alpha);
    }

    @Override
    protected int invokeClipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        return fn.asyncrl_clip_grad_norm(p(grad), p(normOut), n, maxNorm);
    }

    @Override
    protected int invokeSharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                                      float lr, float alpha, float eps) {
        return fn.asyncrl_shared_rmsprop(p(theta), p(g), p(dTheta), n, lr, alpha, eps);
    }

    @Override
    protected int invokeCopy(MemorySegment dst, MemorySegment src, long n) {
        return fn.asyncrl_copy(p(dst), p(src), n);
    }

    /** Unregisters this kernel's natives. JNA itself keeps the file mapped (its NativeLibrary is cached per path) until the JVM exits. */
    @Override
    protected void release() {
        Native.unregister(bound);
    }
}
