package dev.asyncrl.bindings.jna;

import com.sun.jna.Pointer;

/**
 * {@link KernelFunctions} through JNA's direct mapping: native methods that
 * {@code Native.register} binds to one library's symbols. Never used from this class loader:
 * {@link JnaKernel} defines a fresh copy of this class for every library it opens, so that
 * several libraries exporting the same names can be bound at once.
 */
public final class DirectFunctions implements KernelFunctions {
    @Override
    public native int asyncrl_kernel_version();

    @Override
    public native String asyncrl_kernel_name();

    @Override
    public native String asyncrl_status_string(int status);

    @Override
    public native int asyncrl_dense_forward(Pointer y, Pointer x, Pointer w, Pointer b, long B, long I, long O);

    @Override
    public native int asyncrl_dense_backward(Pointer dx, Pointer dw, Pointer db, Pointer dy, Pointer x, Pointer w,
            long B, long I, long O);

    @Override
    public native int asyncrl_relu_forward(Pointer y, Pointer x, long N);

    @Override
    public native int asyncrl_relu_backward(Pointer dx, Pointer dy, Pointer y, long N);

    @Override
    public native int asyncrl_tanh_forward(Pointer y, Pointer x, long N);

    @Override
    public native int asyncrl_tanh_backward(Pointer dx, Pointer dy, Pointer y, long N);

    @Override
    public native int asyncrl_conv2d_forward(Pointer y, Pointer x, Pointer w, Pointer b, long B, long C, long H, long W,
            long F, long K, long S);

    @Override
    public native int asyncrl_conv2d_backward(Pointer dx, Pointer dw, Pointer db, Pointer dy, Pointer x, Pointer w,
            long B, long C, long H, long W, long F, long K, long S);

    @Override
    public native int asyncrl_lstm_cell_forward(Pointer h, Pointer c, Pointer gates, Pointer x, Pointer hPrev, Pointer cPrev,
            Pointer wIh, Pointer wHh, Pointer b, long B, long I, long H);

    @Override
    public native int asyncrl_lstm_cell_backward(Pointer dhPrev, Pointer dcPrev, Pointer dx, Pointer dwIh, Pointer dwHh,
            Pointer db, Pointer dh, Pointer dc, Pointer x, Pointer hPrev, Pointer cPrev,
            Pointer c, Pointer gates, Pointer wIh, Pointer wHh, long B, long I, long H);

    @Override
    public native int asyncrl_a3c_loss_backward(Pointer dlogits, Pointer dvalues, Pointer stats, Pointer logits, Pointer values,
            Pointer actions, Pointer returns, long B, long A, float entropyBeta,
            float valueCoef);

    @Override
    public native int asyncrl_gaussian_loss_backward(Pointer dmu, Pointer dv, Pointer dvalues, Pointer stats, Pointer mu,
            Pointer v, Pointer values, Pointer actions, Pointer returns, long B,
            long D, float entropyBeta, float valueCoef);

    @Override
    public native int asyncrl_q_loss_backward(Pointer dq, Pointer stats, Pointer q, Pointer actions, Pointer targets,
            long B, long A, float coef);

    @Override
    public native int asyncrl_clip_grad_norm(Pointer grad, Pointer normOut, long N, float maxNorm);

    @Override
    public native int asyncrl_shared_rmsprop(Pointer theta, Pointer g, Pointer dtheta, long N, float lr, float alpha, float eps);

    @Override
    public native int asyncrl_momentum_sgd(Pointer theta, Pointer m, Pointer dtheta, long N, float lr, float alpha);

    @Override
    public native int asyncrl_copy(Pointer dst, Pointer src, long N);
}
