package dev.asyncrl.bindings.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelChecks;
import dev.asyncrl.kernel.KernelException;
import dev.asyncrl.kernel.KernelLoadException;
import dev.asyncrl.kernel.NativeKernel;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A native kernel reached through the Foreign Function and Memory API: any shared library that
 * exports the contract of native/include/asyncrl/kernel.h. Load one with {@link KernelLibraries}.
 *
 * <p>Each contract function has one static downcall handle that takes the function's address as
 * its first argument, so the handles are JIT constants shared by every loaded library; an instance
 * only holds the addresses it looked up. This class makes the bare downcalls; {@link NativeKernel}
 * wraps each in the checks every binding shares (sizes in Java first with {@link KernelChecks},
 * a non-OK status as a {@link KernelException} naming the operation). Calls are {@code critical}: kernels are short, never call back into Java, and must
 * not be interrupted by a thread-state transition on the hot path.
 *
 * <p>The library is opened in an automatic arena, so its function addresses need no acquire and
 * release around each call: a shared arena's is an atomic update of one counter, which every
 * actor-learner thread calling the one kernel would contend for (BindingBench measured it at
 * several times the cost of the bare downcall). The library then stays mapped until nothing
 * refers to this kernel any more, so no call can reach unmapped code; {@link #close()} marks the
 * kernel closed, and a later call throws IllegalStateException.
 */
public final class FfmKernel extends NativeKernel {

    /** Every symbol the contract requires, in header order. */
    static final List<String> SYMBOLS = List.of(
            "asyncrl_kernel_version", "asyncrl_kernel_name", "asyncrl_status_string",
            "asyncrl_dense_forward", "asyncrl_dense_backward",
            "asyncrl_relu_forward", "asyncrl_relu_backward",
            "asyncrl_tanh_forward", "asyncrl_tanh_backward",
            "asyncrl_conv2d_forward", "asyncrl_conv2d_backward",
            "asyncrl_lstm_cell_forward", "asyncrl_lstm_cell_backward",
            "asyncrl_a3c_loss_backward", "asyncrl_gaussian_loss_backward",
            "asyncrl_q_loss_backward", "asyncrl_clip_grad_norm",
            "asyncrl_shared_rmsprop", "asyncrl_momentum_sgd", "asyncrl_copy");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static MethodHandle handle(FunctionDescriptor fd) {
        // Address-unbound: the target address is the first argument at each call.
        return LINKER.downcallHandle(fd, CRITICAL);
    }

    private static final MethodHandle VERSION = LINKER.downcallHandle(FunctionDescriptor.of(JAVA_INT));
    // asyncrl_kernel_version() as the compute functions are called (critical), for kernelVersion()
    private static final MethodHandle VERSION_CALL = handle(FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle NAME = LINKER.downcallHandle(FunctionDescriptor.of(ADDRESS));
    private static final MethodHandle STATUS_STRING = LINKER.downcallHandle(FunctionDescriptor.of(ADDRESS, JAVA_INT));
    // (y, x, w, b, B, I, O)
    private static final MethodHandle DENSE_FORWARD = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    // (dx, dw, db, dy, x, w, B, I, O)
    private static final MethodHandle DENSE_BACKWARD = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    // (y, x, N): relu_forward, tanh_forward and copy
    private static final MethodHandle UNARY = handle(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    // (dx, dy, y, N): relu_backward and tanh_backward
    private static final MethodHandle UNARY_BACKWARD = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    // (y, x, w, b, B, C, H, W, F, K, S)
    private static final MethodHandle CONV2D_FORWARD = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG));
    // (dx, dw, db, dy, x, w, B, C, H, W, F, K, S)
    private static final MethodHandle CONV2D_BACKWARD = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
            JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    // (h, c, gates, x, h_prev, c_prev, w_ih, w_hh, b, B, I, H)
    private static final MethodHandle LSTM_FORWARD = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            JAVA_LONG, JAVA_LONG, JAVA_LONG));
    // (dh_prev, dc_prev, dx, dw_ih, dw_hh, db, dh, dc, x, h_prev, c_prev, c, gates, w_ih, w_hh, B, I, H)
    private static final MethodHandle LSTM_BACKWARD = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    // (dlogits, dvalues, stats, logits, values, actions, returns, B, A, beta, c)
    private static final MethodHandle A3C_LOSS = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG,
            JAVA_FLOAT, JAVA_FLOAT));
    // (dmu, dv, dvalues, stats, mu, v, values, actions, returns, B, D, beta, c)
    private static final MethodHandle GAUSSIAN_LOSS = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG,
            JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT));
    // (dq, stats, q, actions, targets, B, A, coef)
    private static final MethodHandle Q_LOSS = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_FLOAT));
    // (theta, m, dtheta, N, lr, alpha)
    private static final MethodHandle MOMENTUM = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT));
    // (grad, norm_out, N, max_norm)
    private static final MethodHandle CLIP = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT));
    // (theta, g, dtheta, N, lr, alpha, eps)
    private static final MethodHandle RMSPROP = handle(FunctionDescriptor.of(JAVA_INT,
            ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_FLOAT, JAVA_FLOAT, JAVA_FLOAT));

    // asyncrl_blas_bind(void *cblas_sgemm), exported by kernels that compute through a BLAS (blas_ext.h)
    private static final MethodHandle BLAS_BIND = LINKER.downcallHandle(FunctionDescriptor.of(JAVA_INT, ADDRESS));

    private final Path path;
    private final String name;
    private final Arena libraryArena;  // automatic: holding it keeps the library mapped
    private final SymbolLookup lookup;
    private final MemorySegment version, statusString;
    private final MemorySegment denseForward, denseBackward, reluForward, reluBackward,
            tanhForward, tanhBackward, conv2dForward, conv2dBackward, lstmCellForward, lstmCellBackward,
            a3cLoss, gaussianLoss, qLoss, clip, rmsprop, momentum, copy;

    private FfmKernel(Path path, Arena libraryArena, SymbolLookup lookup, boolean checked) {
        super(checked);
        this.path = path;
        this.libraryArena = libraryArena;
        this.lookup = lookup;
        List<String> missing = new ArrayList<>();
        for (String s : SYMBOLS) {
            if (lookup.find(s).isEmpty()) missing.add(s);
        }
        if (missing.contains("asyncrl_kernel_version")) {
            throw new KernelLoadException(path + " is not an asyncrl kernel: it does not export asyncrl_kernel_version"
                    + " (the contract is native/include/asyncrl/kernel.h, version " + CONTRACT_VERSION + ")");
        }
        int version = (int) call("asyncrl_kernel_version", VERSION, lookup);
        if (version != CONTRACT_VERSION) {
            throw new KernelLoadException(path + " implements kernel contract version " + version
                    + ", but this asyncrl needs version " + CONTRACT_VERSION);
        }
        if (!missing.isEmpty()) {
            throw new KernelLoadException(path + " is not a complete asyncrl kernel (contract version "
                    + CONTRACT_VERSION + "): missing " + String.join(", ", missing));
        }
        MemorySegment namePtr = (MemorySegment) call("asyncrl_kernel_name", NAME, lookup);
        this.name = namePtr.address() == 0 ? path.getFileName().toString()
                : namePtr.reinterpret(256).getString(0);
        this.version = lookup.find("asyncrl_kernel_version").orElseThrow();
        this.statusString = lookup.find("asyncrl_status_string").orElseThrow();
        this.denseForward = lookup.find("asyncrl_dense_forward").orElseThrow();
        this.denseBackward = lookup.find("asyncrl_dense_backward").orElseThrow();
        this.reluForward = lookup.find("asyncrl_relu_forward").orElseThrow();
        this.reluBackward = lookup.find("asyncrl_relu_backward").orElseThrow();
        this.tanhForward = lookup.find("asyncrl_tanh_forward").orElseThrow();
        this.tanhBackward = lookup.find("asyncrl_tanh_backward").orElseThrow();
        this.conv2dForward = lookup.find("asyncrl_conv2d_forward").orElseThrow();
        this.conv2dBackward = lookup.find("asyncrl_conv2d_backward").orElseThrow();
        this.lstmCellForward = lookup.find("asyncrl_lstm_cell_forward").orElseThrow();
        this.lstmCellBackward = lookup.find("asyncrl_lstm_cell_backward").orElseThrow();
        this.a3cLoss = lookup.find("asyncrl_a3c_loss_backward").orElseThrow();
        this.gaussianLoss = lookup.find("asyncrl_gaussian_loss_backward").orElseThrow();
        this.qLoss = lookup.find("asyncrl_q_loss_backward").orElseThrow();
        this.momentum = lookup.find("asyncrl_momentum_sgd").orElseThrow();
        this.clip = lookup.find("asyncrl_clip_grad_norm").orElseThrow();
        this.rmsprop = lookup.find("asyncrl_shared_rmsprop").orElseThrow();
        this.copy = lookup.find("asyncrl_copy").orElseThrow();
        bindBlas(lookup);
    }

    /**
     * A kernel that exports asyncrl_blas_bind gets the address of cblas_sgemm from the process's
     * one OpenBLAS before its first call (native/include/asyncrl/blas_ext.h).
     */
    private void bindBlas(SymbolLookup lookup) {
        MemorySegment bind = lookup.find("asyncrl_blas_bind").orElse(null);
        if (bind == null) return;
        MemorySegment sgemm;
        try {
            sgemm = OpenBlas.sgemm();
        } catch (KernelLoadException e) {
            throw new KernelLoadException("kernel '" + name + "' (" + path + ") computes through OpenBLAS's cblas_sgemm, and "
                    + e.getMessage(), e);
        }
        int st;
        try {
            st = (int) BLAS_BIND.invokeExact(bind, sgemm);
        } catch (Throwable t) {
            throw new KernelLoadException("calling asyncrl_blas_bind of " + path + " failed: " + t, t);
        }
        if (st != 0) {
            throw new KernelLoadException("asyncrl_blas_bind of " + path + " returned status " + st + " (" + statusText(st) + ")");
        }
    }

    private static Object call(String symbol, MethodHandle unbound, SymbolLookup lookup) {
        try {
            return unbound.bindTo(lookup.find(symbol).orElseThrow()).invoke();
        } catch (Throwable t) {
            throw new KernelLoadException("calling " + symbol + " failed: " + t, t);
        }
    }

    /** Opens the library at {@code path} and checks its version and symbols. */
    static FfmKernel open(Path path) {
        return open(path, true);
    }

    /**
     * The same library opened again without the Java-side size checks ({@link KernelChecks}), so
     * that a wrong call reaches the native code as it is: for conformance checks of a kernel's own
     * argument checks ({@code asyncrl kernel check}) and nothing else. A kernel that does not check
     * its arguments may then crash the JVM. Close it as any kernel.
     */
    public FfmKernel reopenUnchecked() {
        return open(path, false);
    }

    private static FfmKernel open(Path path, boolean checked) {
        KernelLibraries.checkLibraryFile(path);  // before dlopen: a truncated or foreign file is an error, not a SIGBUS
        // Automatic: no per-call liveness counter, and unloaded only once unreachable (class comment).
        Arena arena = Arena.ofAuto();
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(path, arena);
        } catch (IllegalArgumentException e) {
            throw new KernelLoadException("cannot load kernel library " + path
                    + ": not a shared library this platform can load (" + e.getMessage() + ")", e);
        }
        return new FfmKernel(path, arena, lookup, checked);
    }

    public Path path() {
        return path;
    }

    /**
     * A kernel that owns {@code library} and closes it with itself (the JNA and JavaCPP bindings,
     * built over a library this class opened and checked): {@code bind} builds it, and if that
     * fails the library is closed before the failure goes on.
     */
    public static <K extends Kernel> K owning(FfmKernel library, Function<FfmKernel, K> bind) {
        try {
            return bind.apply(library);
        } catch (RuntimeException | Error e) {
            library.close();
            throw e;
        }
    }

    /**
     * The address of a contract function in this library, for the JNA and JavaCPP bindings
     * (bindings/jna, bindings/javacpp), which reach the library this class found and checked.
     * Valid until {@link #close()}.
     */
    public long symbolAddress(String symbol) {
        if (!SYMBOLS.contains(symbol)) throw new IllegalArgumentException("not a contract function: " + symbol);
        live();
        return lookup.find(symbol).orElseThrow().address();
    }

    /**
     * asyncrl_kernel_version(), called again through a downcall like every compute call's (the
     * version was checked at load): the cheapest call of the contract, for BindingBench.
     */
    public int kernelVersion() {
        try {
            live();
            return (int) VERSION_CALL.invokeExact(version);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    protected String statusText(int code) {
        try {
            MemorySegment s = (MemorySegment) STATUS_STRING.invokeExact(statusString, code);
            return s.address() == 0 ? "?" : s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "?";
        }
    }

    @Override
    protected String where() {
        return path.toString();
    }

    /** A downcall's Throwable: unchecked ones as they are, checked ones (none in practice) wrapped. */
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    // ---- the bare downcalls; NativeKernel checks sizes first and maps the status --------------------

    @Override
    protected int invokeDenseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                     long batch, long in, long out) {
        try {
            return (int) DENSE_FORWARD.invokeExact(denseForward, y, x, w, b, batch, in, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeDenseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                      MemorySegment x, MemorySegment w, long batch, long in, long out) {
        try {
            return (int) DENSE_BACKWARD.invokeExact(denseBackward, dx, dw, db, dy, x, w, batch, in, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeActivationForward(boolean tanh, MemorySegment y, MemorySegment x, long n) {
        MemorySegment fn = tanh ? tanhForward : reluForward;  // a local: invokeExact needs its exact type
        try {
            return (int) UNARY.invokeExact(fn, y, x, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeActivationBackward(boolean tanh, MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        MemorySegment fn = tanh ? tanhBackward : reluBackward;
        try {
            return (int) UNARY_BACKWARD.invokeExact(fn, dx, dy, y, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeConv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                                      long batch, long channels, long height, long width, long filters,
                                      long kernelSize, long stride) {
        try {
            return (int) CONV2D_FORWARD.invokeExact(conv2dForward, y, x, w, b, batch, channels, height, width,
                    filters, kernelSize, stride);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeConv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                                       MemorySegment x, MemorySegment w, long batch, long channels, long height,
                                       long width, long filters, long kernelSize, long stride) {
        try {
            return (int) CONV2D_BACKWARD.invokeExact(conv2dBackward, dx, dw, db, dy, x, w, batch, channels, height,
                    width, filters, kernelSize, stride);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeLstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                                        MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh,
                                        MemorySegment wHh, MemorySegment b, long batch, long in, long hidden) {
        try {
            return (int) LSTM_FORWARD.invokeExact(lstmCellForward, h, c, gates, x, hPrev, cPrev, wIh, wHh, b,
                    batch, in, hidden);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeLstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx,
                                         MemorySegment dwIh, MemorySegment dwHh, MemorySegment db,
                                         MemorySegment dh, MemorySegment dc, MemorySegment x, MemorySegment hPrev,
                                         MemorySegment cPrev, MemorySegment c, MemorySegment gates,
                                         MemorySegment wIh, MemorySegment wHh, long batch, long in, long hidden) {
        try {
            return (int) LSTM_BACKWARD.invokeExact(lstmCellBackward, dhPrev, dcPrev, dx, dwIh, dwHh, db, dh, dc, x,
                    hPrev, cPrev, c, gates, wIh, wHh, batch, in, hidden);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeA3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                        MemorySegment logits, MemorySegment values, MemorySegment actions,
                                        MemorySegment returns, long batch, long actionCount,
                                        float entropyBeta, float valueCoef) {
        try {
            return (int) A3C_LOSS.invokeExact(a3cLoss, dLogits, dValues, stats, logits, values, actions,
                    returns, batch, actionCount, entropyBeta, valueCoef);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeGaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues,
                                             MemorySegment stats, MemorySegment mu, MemorySegment v,
                                             MemorySegment values, MemorySegment actions, MemorySegment returns,
                                             long batch, long actionDim, float entropyBeta, float valueCoef) {
        try {
            return (int) GAUSSIAN_LOSS.invokeExact(gaussianLoss, dMu, dV, dValues, stats, mu, v, values, actions,
                    returns, batch, actionDim, entropyBeta, valueCoef);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeQLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                                      MemorySegment targets, long batch, long actionCount, float coef) {
        try {
            return (int) Q_LOSS.invokeExact(qLoss, dq, stats, q, actions, targets, batch, actionCount, coef);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeMomentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n,
                                    float lr, float alpha) {
        try {
            return (int) MOMENTUM.invokeExact(momentum, theta, m, dTheta, n, lr, alpha);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeClipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        try {
            return (int) CLIP.invokeExact(clip, grad, normOut, n, maxNorm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeSharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                                      float lr, float alpha, float eps) {
        try {
            return (int) RMSPROP.invokeExact(rmsprop, theta, g, dTheta, n, lr, alpha, eps);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    protected int invokeCopy(MemorySegment dst, MemorySegment src, long n) {
        try {
            return (int) UNARY.invokeExact(copy, dst, src, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Closes the kernel: every later call throws IllegalStateException. Only call once no thread
     * uses this kernel any more. The library itself is unloaded once nothing refers to it.
     */
    @Override
    public void close() {
        markClosed();
    }

    @Override
    public String toString() {
        return "FfmKernel[" + name + " @ " + path + "]";
    }
}
