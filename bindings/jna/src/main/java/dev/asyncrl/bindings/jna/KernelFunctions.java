package dev.asyncrl.bindings.jna;

import com.sun.jna.Pointer;

/**
 * The contract of native/include/asyncrl/kernel.h (version 3) as JNA maps it: one method per C
 * function, the C names, pointers as {@link Pointer} (null is NULL), int64_t as long, int32_t and
 * asyncrl_status as int, const char * as String. {@link DirectFunctions} implements it with JNA's
 * direct mapping; {@link JnaKernel} calls it. Public only because each library's copy of
 * DirectFunctions lives in a class loader of its own (see JnaKernel).
 */
public interface KernelFunctions {
    int asyncrl_kernel_version();

    String asyncrl_kernel_name();

    String asyncrl_status_string(int status);

    int asyncrl_dense_forward(Pointer y, Pointer x, Pointer w, Pointer b, long B, long I, long O);

    int asyncrl_dense_backward(Pointer dx, Pointer dw, Pointer db, Pointer dy, Pointer x, Pointer w,
            long B, long I, long O);

    int asyncrl_relu_forward(Pointer y, Pointer x, long N);

    int asyncrl_relu_backward(Pointer dx, Pointer dy, Pointer y, long N);

    int asyncrl_tanh_forward(Pointer y, Pointer x, long N);

    int asyncrl_tanh_backward(Pointer dx, Pointer dy, Pointer y, long N);

    int asyncrl_conv2d_forward(Pointer y, Pointer x, Pointer w, Pointer b, long B, long C, long H, long W,
            long F, long K, long S);

    int asyncrl_conv2d_backward(Pointer dx, Pointer dw, Pointer db, Pointer dy, Pointer x, Pointer w,
            long B, long C, long H, long W, long F, long K, long S);

    int asyncrl_lstm_cell_forward(Pointer h, Pointer c, Pointer gates, Pointer x, Pointer hPrev, Pointer cPrev,
            Pointer wIh, Pointer wHh, Pointer b, long B, long I, long H);

    int asyncrl_lstm_cell_backward(Pointer dhPrev, Pointer dcPrev, Pointer dx, Pointer dwIh, Pointer dwHh,
            Pointer db, Pointer dh, Pointer dc, Pointer x, Pointer hPrev, Pointer cPrev,
            Pointer c, Pointer gates, Pointer wIh, Pointer wHh, long B, long I, long H);

    int asyncrl_a3c_loss_backward(Pointer dlogits, Pointer dvalues, Pointer stats, Pointer logits, Pointer values,
            Pointer actions, Pointer returns, long B, long A, float entropyBeta,
            float valueCoef);

    int asyncrl_gaussian_loss_backward(Pointer dmu, Pointer dv, Pointer dvalues, Pointer stats, Pointer mu,
            Pointer v, Pointer values, Pointer actions, Pointer returns, long B,
            long D, float entropyBeta, float valueCoef);

    int asyncrl_q_loss_backward(Pointer dq, Pointer stats, Pointer q, Pointer actions, Pointer targets,
            long B, long A, float coef);

    int asyncrl_clip_grad_norm(Pointer grad, Pointer normOut, long N, float maxNorm);

    int asyncrl_shared_rmsprop(Pointer theta, Pointer g, Pointer dtheta, long N, float lr, float alpha, float eps);

    int asyncrl_momentum_sgd(Pointer theta, Pointer m, Pointer dtheta, long N, float lr, float alpha);

    int asyncrl_copy(Pointer dst, Pointer src, long N);
}
