package dev.asyncrl.bindings.javacpp;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The contract of native/include/asyncrl/kernel.h (version 3) through JavaCPP: one native method
 * per C function, whose JNI glue JavaCPP's Builder generates and compiles with the machine's C++
 * compiler at build time (the javacpp plugin in pom.xml, in the compile phase, into
 * target/classes/dev/asyncrl/bindings/javacpp/linux-x86_64/libjniJavaCppFunctions.so).
 *
 * <p>The glue links no kernel: every method takes, first, the address of the contract function
 * to call (from the library that {@link JavaCppKernel} opened and checked) and calls it through
 * the trampoline of the same name in bindings/javacpp/src/main/cpp/asyncrl_javacpp.h. Pointers
 * are passed as their addresses (long, cast to the header's pointer type in the glue), as FFM
 * passes a segment's address; sizes are int64_t, coefficients float, statuses int.
 */
@Platform(include = "asyncrl_javacpp.h")
public final class JavaCppFunctions {
    static {
        Loader.load();
    }

    private JavaCppFunctions() {}

    /** Loads the JNI glue (done once, by this class's initialiser); throws if it was not built. */
    public static void load() {}

    @Name("asyncrl_javacpp_kernel_version")
    public static native int kernelVersion(@Cast("intptr_t") long fn);

    @Name("asyncrl_javacpp_kernel_name")
    public static native @Cast("const char*") String kernelName(@Cast("intptr_t") long fn);

    @Name("asyncrl_javacpp_status_string")
    public static native @Cast("const char*") String statusString(@Cast("intptr_t") long fn, int status);

    @Name("asyncrl_javacpp_dense_forward")
    public static native int denseForward(@Cast("intptr_t") long fn, @Cast("float*") long y,
            @Cast("const float*") long x, @Cast("const float*") long w, @Cast("const float*") long b,
            @Cast("int64_t") long B, @Cast("int64_t") long I, @Cast("int64_t") long O);

    @Name("asyncrl_javacpp_dense_backward")
    public static native int denseBackward(@Cast("intptr_t") long fn, @Cast("float*") long dx,
            @Cast("float*") long dw, @Cast("float*") long db, @Cast("const float*") long dy,
            @Cast("const float*") long x, @Cast("const float*") long w,
            @Cast("int64_t") long B, @Cast("int64_t") long I, @Cast("int64_t") long O);

    /** relu_forward, tanh_forward and copy: one C signature, (out, in, N), so one trampoline. */
    @Name("asyncrl_javacpp_unary")
    public static native int unary(@Cast("intptr_t") long fn, @Cast("float*") long out,
            @Cast("const float*") long in, @Cast("int64_t") long N);

    /** relu_backward and tanh_backward: one C signature, (dx, dy, y, N). */
    @Name("asyncrl_javacpp_unary_backward")
    public static native int unaryBackward(@Cast("intptr_t") long fn, @Cast("float*") long dx,
            @Cast("const float*") long dy, @Cast("const float*") long y, @Cast("int64_t") long N);

    @Name("asyncrl_javacpp_conv2d_forward")
    public static native int conv2dForward(@Cast("intptr_t") long fn, @Cast("float*") long y,
            @Cast("const float*") long x, @Cast("const float*") long w, @Cast("const float*") long b,
            @Cast("int64_t") long B, @Cast("int64_t") long C, @Cast("int64_t") long H, @Cast("int64_t") long W,
            @Cast("int64_t") long F, @Cast("int64_t") long K, @Cast("int64_t") long S);

    @Name("asyncrl_javacpp_conv2d_backward")
    public static native int conv2dBackward(@Cast("intptr_t") long fn, @Cast("float*") long dx,
            @Cast("float*") long dw, @Cast("float*") long db, @Cast("const float*") long dy,
            @Cast("const float*") long x, @Cast("const float*") long w,
            @Cast("int64_t") long B, @Cast("int64_t") long C, @Cast("int64_t") long H, @Cast("int64_t") long W,
            @Cast("int64_t") long F, @Cast("int64_t") long K, @Cast("int64_t") long S);

    @Name("asyncrl_javacpp_lstm_cell_forward")
    public static native int lstmCellForward(@Cast("intptr_t") long fn, @Cast("float*") long h,
            @Cast("float*") long c, @Cast("float*") long gates, @Cast("const float*") long x,
            @Cast("const float*") long hPrev, @Cast("const float*") long cPrev, @Cast("const float*") long wIh,
            @Cast("const float*") long wHh, @Cast("const float*") long b,
            @Cast("int64_t") long B, @Cast("int64_t") long I, @Cast("int64_t") long H);

    @Name("asyncrl_javacpp_lstm_cell_backward")
    public static native int lstmCellBackward(@Cast("intptr_t") long fn, @Cast("float*") long dhPrev,
            @Cast("float*") long dcPrev, @Cast("float*") long dx, @Cast("float*") long dwIh,
            @Cast("float*") long dwHh, @Cast("float*") long db, @Cast("const float*") long dh,
            @Cast("const float*") long dc, @Cast("const float*") long x, @Cast("const float*") long hPrev,
            @Cast("const float*") long cPrev, @Cast("const float*") long c, @Cast("const float*") long gates,
            @Cast("const float*") long wIh, @Cast("const float*") long wHh,
            @Cast("int64_t") long B, @Cast("int64_t") long I, @Cast("int64_t") long H);

    @Name("asyncrl_javacpp_a3c_loss_backward")
    public static native int a3cLossBackward(@Cast("intptr_t") long fn, @Cast("float*") long dlogits,
            @Cast("float*") long dvalues, @Cast("float*") long stats, @Cast("const float*") long logits,
            @Cast("const float*") long values, @Cast("const int32_t*") long actions,
            @Cast("const float*") long returns, @Cast("int64_t") long B, @Cast("int64_t") long A,
            float entropyBeta, float valueCoef);

    @Name("asyncrl_javacpp_gaussian_loss_backward")
    public static native int gaussianLossBackward(@Cast("intptr_t") long fn, @Cast("float*") long dmu,
            @Cast("float*") long dv, @Cast("float*") long dvalues, @Cast("float*") long stats,
            @Cast("const float*") long mu, @Cast("const float*") long v, @Cast("const float*") long values,
            @Cast("const float*") long actions, @Cast("const float*") long returns,
            @Cast("int64_t") long B, @Cast("int64_t") long D, float entropyBeta, float valueCoef);

    @Name("asyncrl_javacpp_q_loss_backward")
    public static native int qLossBackward(@Cast("intptr_t") long fn, @Cast("float*") long dq,
            @Cast("float*") long stats, @Cast("const float*") long q, @Cast("const int32_t*") long actions,
            @Cast("const float*") long targets, @Cast("int64_t") long B, @Cast("int64_t") long A, float coef);

    @Name("asyncrl_javacpp_clip_grad_norm")
    public static native int clipGradNorm(@Cast("intptr_t") long fn, @Cast("float*") long grad,
            @Cast("float*") long normOut, @Cast("int64_t") long N, float maxNorm);

    @Name("asyncrl_javacpp_shared_rmsprop")
    public static native int sharedRmsprop(@Cast("intptr_t") long fn, @Cast("float*") long theta,
            @Cast("float*") long g, @Cast("const float*") long dtheta, @Cast("int64_t") long N,
            float lr, float alpha, float eps);

    @Name("asyncrl_javacpp_momentum_sgd")
    public static native int momentumSgd(@Cast("intptr_t") long fn, @Cast("float*") long theta,
            @Cast("float*") long m, @Cast("const float*") long dtheta, @Cast("int64_t") long N,
            float lr, float alpha);
}
