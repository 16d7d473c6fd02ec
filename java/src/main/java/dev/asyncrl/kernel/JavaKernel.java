package dev.asyncrl.kernel;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;

/**
 * The pure-Java kernel: the oracle every native kernel is tested against, and a kernel a user can
 * pick with {@code --kernel java}. Its loops run in the same order as the reference C++ kernel
 * (native/src/reference/kernel.cpp), accumulating in float where that one does, so the two agree
 * to rounding. Plain, not fast.
 */
public final class JavaKernel implements Kernel {

    @Override
    public String name() {
        return "java";
    }

    private static float f(MemorySegment s, long i) {
        return s.getAtIndex(JAVA_FLOAT, i);
    }

    private static void set(MemorySegment s, long i, float v) {
        s.setAtIndex(JAVA_FLOAT, i, v);
    }

    @Override
    public void denseForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                             long batch, long in, long out) {
        KernelChecks.denseForward(y, x, w, b, batch, in, out);
        for (long r = 0; r < batch; r++) {
            for (long o = 0; o < out; o++) {
                float acc = f(b, o);
                for (long i = 0; i < in; i++) acc += f(x, r * in + i) * f(w, o * in + i);
                set(y, r * out + o, acc);
            }
        }
    }

    @Override
    public void denseBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                              MemorySegment x, MemorySegment w, long batch, long in, long out) {
        KernelChecks.denseBackward(dx, dw, db, dy, x, w, batch, in, out);
        if (!KernelChecks.isNull(dx)) {
            for (long r = 0; r < batch; r++) {
                for (long i = 0; i < in; i++) {
                    float acc = 0f;
                    for (long o = 0; o < out; o++) acc += f(dy, r * out + o) * f(w, o * in + i);
                    set(dx, r * in + i, f(dx, r * in + i) + acc);
                }
            }
        }
        for (long o = 0; o < out; o++) {
            for (long i = 0; i < in; i++) {
                float acc = 0f;
                for (long r = 0; r < batch; r++) acc += f(dy, r * out + o) * f(x, r * in + i);
                set(dw, o * in + i, f(dw, o * in + i) + acc);
            }
        }
        for (long o = 0; o < out; o++) {
            float acc = 0f;
            for (long r = 0; r < batch; r++) acc += f(dy, r * out + o);
            set(db, o, f(db, o) + acc);
        }
    }

    @Override
    public void reluForward(MemorySegment y, MemorySegment x, long n) {
        KernelChecks.elementwise("relu_forward", "y (N)", y, "x (N)", x, null, null, n);
        for (long i = 0; i < n; i++) {
            // Math.max: NaN stays NaN (so a later norm check sees it) and -0 gives +0, as in the C++
            set(y, i, Math.max(f(x, i), 0f));
        }
    }

    @Override
    public void reluBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        KernelChecks.elementwise("relu_backward", "dx (N)", dx, "dy (N)", dy, "y (N)", y, n);
        for (long i = 0; i < n; i++) set(dx, i, f(y, i) > 0f ? f(dy, i) : 0f);
    }

    @Override
    public void tanhForward(MemorySegment y, MemorySegment x, long n) {
        KernelChecks.elementwise("tanh_forward", "y (N)", y, "x (N)", x, null, null, n);
        for (long i = 0; i < n; i++) set(y, i, (float) Math.tanh(f(x, i)));
    }

    @Override
    public void tanhBackward(MemorySegment dx, MemorySegment dy, MemorySegment y, long n) {
        KernelChecks.elementwise("tanh_backward", "dx (N)", dx, "dy (N)", dy, "y (N)", y, n);
        for (long i = 0; i < n; i++) {
            float v = f(y, i);
            set(dx, i, f(dy, i) * (1f - v * v));
        }
    }

    /** 1 / (1 + exp(−z)), as the C++ sigmoid: exp overflows to infinity for z < −88 and gives 0. */
    private static float sigmoid(float z) {
        return 1f / (1f + (float) Math.exp(-z));
    }

    @Override
    public void conv2dForward(MemorySegment y, MemorySegment x, MemorySegment w, MemorySegment b,
                              long batch, long channels, long height, long width, long filters,
                              long kernelSize, long stride) {
        KernelChecks.conv2dForward(y, x, w, b, batch, channels, height, width, filters, kernelSize, stride);
        long k = kernelSize, s = stride;
        long ho = (height - k) / s + 1, wo = (width - k) / s + 1;
        for (long n = 0; n < batch; n++) {
            for (long f = 0; f < filters; f++) {
                long yMap = (n * filters + f) * ho * wo;
                for (long oy = 0; oy < ho; oy++) {
                    for (long ox = 0; ox < wo; ox++) {
                        float acc = f(b, f);
                        for (long c = 0; c < channels; c++) {
                            long xMap = (n * channels + c) * height * width, wMap = (f * channels + c) * k * k;
                            for (long ki = 0; ki < k; ki++) {
                                long xRow = xMap + (oy * s + ki) * width + ox * s, wRow = wMap + ki * k;
                                for (long kj = 0; kj < k; kj++) acc += f(x, xRow + kj) * f(w, wRow + kj);
                            }
                        }
                        set(y, yMap + oy * wo + ox, acc);
                    }
                }
            }
        }
    }

    @Override
    public void conv2dBackward(MemorySegment dx, MemorySegment dw, MemorySegment db, MemorySegment dy,
                               MemorySegment x, MemorySegment w, long batch, long channels, long height,
                               long width, long filters, long kernelSize, long stride) {
        KernelChecks.conv2dBackward(dx, dw, db, dy, x, w, batch, channels, height, width, filters, kernelSize, stride);
        long k = kernelSize, s = stride;
        long ho = (height - k) / s + 1, wo = (width - k) / s + 1;
        // dx: for each input pixel, the taps (ki,kj) that read it, ki = iy mod S, + S, ... (see the C++)
        if (!KernelChecks.isNull(dx)) {
            for (long n = 0; n < batch; n++) {
                for (long c = 0; c < channels; c++) {
                    long dxMap = (n * channels + c) * height * width;
                    for (long iy = 0; iy < height; iy++) {
                        for (long ix = 0; ix < width; ix++) {
                            float acc = 0f;
                            for (long f = 0; f < filters; f++) {
                                long dyMap = (n * filters + f) * ho * wo, wMap = (f * channels + c) * k * k;
                                for (long ki = iy % s; ki < k && ki <= iy; ki += s) {
                                    long oy = (iy - ki) / s;
                                    if (oy >= ho) continue;
                                    for (long kj = ix % s; kj < k && kj <= ix; kj += s) {
                                        long ox = (ix - kj) / s;
                                        if (ox >= wo) continue;
                                        acc += f(dy, dyMap + oy * wo + ox) * f(w, wMap + ki * k + kj);
                                    }
                                }
                            }
                            long at = dxMap + iy * width + ix;
                            set(dx, at, f(dx, at) + acc);
                        }
                    }
                }
            }
        }
        for (long f = 0; f < filters; f++) {
            for (long c = 0; c < channels; c++) {
                long dwMap = (f * channels + c) * k * k;
                for (long ki = 0; ki < k; ki++) {
                    for (long kj = 0; kj < k; kj++) {
                        float acc = 0f;
                        for (long n = 0; n < batch; n++) {
                            long dyMap = (n * filters + f) * ho * wo, xMap = (n * channels + c) * height * width;
                            for (long oy = 0; oy < ho; oy++) {
                                for (long ox = 0; ox < wo; ox++) {
                                    acc += f(dy, dyMap + oy * wo + ox) * f(x, xMap + (oy * s + ki) * width + ox * s + kj);
                                }
                            }
                        }
                        long at = dwMap + ki * k + kj;
                        set(dw, at, f(dw, at) + acc);
                    }
                }
            }
        }
        for (long f = 0; f < filters; f++) {
            float acc = 0f;
            for (long n = 0; n < batch; n++) {
                long dyMap = (n * filters + f) * ho * wo;
                for (long i = 0; i < ho * wo; i++) acc += f(dy, dyMap + i);
            }
            set(db, f, f(db, f) + acc);
        }
    }

    @Override
    public void lstmCellForward(MemorySegment h, MemorySegment c, MemorySegment gates, MemorySegment x,
                                MemorySegment hPrev, MemorySegment cPrev, MemorySegment wIh, MemorySegment wHh,
                                MemorySegment b, long batch, long in, long hidden) {
        KernelChecks.lstmCellForward(h, c, gates, x, hPrev, cPrev, wIh, wHh, b, batch, in, hidden);
        long hh = hidden, g = 4 * hidden;
        for (long n = 0; n < batch; n++) {
            long gRow = n * g;  // i | f | g | o
            for (long k = 0; k < g; k++) {
                float z = f(b, k);
                for (long i = 0; i < in; i++) z += f(x, n * in + i) * f(wIh, k * in + i);
                for (long j = 0; j < hh; j++) z += f(hPrev, n * hh + j) * f(wHh, k * hh + j);
                // rows [2H, 3H) are the candidate g, under tanh; the other three gates are sigmoids
                set(gates, gRow + k, (k >= 2 * hh && k < 3 * hh) ? (float) Math.tanh(z) : sigmoid(z));
            }
            for (long j = 0; j < hh; j++) {
                float ig = f(gates, gRow + j), fg = f(gates, gRow + hh + j);
                float gg = f(gates, gRow + 2 * hh + j), og = f(gates, gRow + 3 * hh + j);
                float cj = fg * f(cPrev, n * hh + j) + ig * gg;
                set(c, n * hh + j, cj);
                set(h, n * hh + j, og * (float) Math.tanh(cj));
            }
        }
    }

    @Override
    public void lstmCellBackward(MemorySegment dhPrev, MemorySegment dcPrev, MemorySegment dx, MemorySegment dwIh,
                                 MemorySegment dwHh, MemorySegment db, MemorySegment dh, MemorySegment dc,
                                 MemorySegment x, MemorySegment hPrev, MemorySegment cPrev, MemorySegment c,
                                 MemorySegment gates, MemorySegment wIh, MemorySegment wHh,
                                 long batch, long in, long hidden) {
        KernelChecks.lstmCellBackward(dhPrev, dcPrev, dx, dwIh, dwHh, db, dh, dc, x, hPrev, cPrev, c, gates,
                wIh, wHh, batch, in, hidden);
        long hh = hidden, g = 4 * hidden;
        boolean withDx = !KernelChecks.isNull(dx);
        // row by row, unit by unit: the four gate gradients dz, then what each adds (as the C++)
        for (long n = 0; n < batch; n++) {
            long gRow = n * g;
            for (long j = 0; j < hh; j++) set(dhPrev, n * hh + j, 0f);
            for (long j = 0; j < hh; j++) {
                float ig = f(gates, gRow + j), fg = f(gates, gRow + hh + j);
                float gg = f(gates, gRow + 2 * hh + j), og = f(gates, gRow + 3 * hh + j);
                float tc = (float) Math.tanh(f(c, n * hh + j));
                float dhj = f(dh, n * hh + j);
                float dct = f(dc, n * hh + j) + dhj * og * (1f - tc * tc);
                set(dcPrev, n * hh + j, dct * fg);  // after reading dc: dcPrev may be dc
                float dzI = dct * gg * ig * (1f - ig);
                float dzF = dct * f(cPrev, n * hh + j) * fg * (1f - fg);
                float dzG = dct * ig * (1f - gg * gg);
                float dzO = dhj * tc * og * (1f - og);
                for (int q = 0; q < 4; q++) {
                    float d = switch (q) {
                        case 0 -> dzI;
                        case 1 -> dzF;
                        case 2 -> dzG;
                        default -> dzO;
                    };
                    long k = q * hh + j;
                    set(db, k, f(db, k) + d);
                    for (long i = 0; i < in; i++) set(dwIh, k * in + i, f(dwIh, k * in + i) + d * f(x, n * in + i));
                    if (withDx) {
                        for (long i = 0; i < in; i++) set(dx, n * in + i, f(dx, n * in + i) + d * f(wIh, k * in + i));
                    }
                    for (long jj = 0; jj < hh; jj++) {
                        set(dwHh, k * hh + jj, f(dwHh, k * hh + jj) + d * f(hPrev, n * hh + jj));
                    }
                    for (long jj = 0; jj < hh; jj++) {
                        set(dhPrev, n * hh + jj, f(dhPrev, n * hh + jj) + d * f(wHh, k * hh + jj));
                    }
                }
            }
        }
    }

    @Override
    public void a3cLossBackward(MemorySegment dLogits, MemorySegment dValues, MemorySegment stats,
                                MemorySegment logits, MemorySegment values, MemorySegment actions,
                                MemorySegment returns, long batch, long actionCount,
                                float entropyBeta, float valueCoef) {
        KernelChecks.a3cLossBackward(dLogits, dValues, stats, logits, values, actions, returns,
                batch, actionCount, entropyBeta, valueCoef);
        double policyLoss = 0, valueLoss = 0, entropy = 0;
        for (long r = 0; r < batch; r++) {
            long row = r * actionCount;
            float m = f(logits, row);
            for (long j = 1; j < actionCount; j++) m = Math.max(m, f(logits, row + j));
            float s = 0f;
            for (long j = 0; j < actionCount; j++) s += (float) Math.exp(f(logits, row + j) - m);
            float logS = (float) Math.log(s);
            float h = 0f;
            for (long j = 0; j < actionCount; j++) {
                float logp = (f(logits, row + j) - m) - logS;
                float p = (float) Math.exp(f(logits, row + j) - m) / s;
                h -= p * logp;
            }
            int a = actions.getAtIndex(JAVA_INT, r);
            float advantage = f(returns, r) - f(values, r);
            for (long j = 0; j < actionCount; j++) {
                float logp = (f(logits, row + j) - m) - logS;
                float p = (float) Math.exp(f(logits, row + j) - m) / s;
                float onehot = j == a ? 1f : 0f;
                set(dLogits, row + j, advantage * (p - onehot) + entropyBeta * p * (logp + h));
                if (j == a) policyLoss += -(double) logp * advantage;
            }
            set(dValues, r, 2f * valueCoef * (f(values, r) - f(returns, r)));
            valueLoss += (double) valueCoef * advantage * advantage;
            entropy += h;
        }
        set(stats, 0, (float) policyLoss);
        set(stats, 1, (float) valueLoss);
        set(stats, 2, (float) entropy);
    }

    /** log(2π) as the float the C++ uses. */
    private static final float LOG_2PI = 1.83787706641f;

    @Override
    public void gaussianLossBackward(MemorySegment dMu, MemorySegment dV, MemorySegment dValues, MemorySegment stats,
                                     MemorySegment mu, MemorySegment v, MemorySegment values, MemorySegment actions,
                                     MemorySegment returns, long batch, long actionDim,
                                     float entropyBeta, float valueCoef) {
        KernelChecks.gaussianLossBackward(dMu, dV, dValues, stats, mu, v, values, actions, returns,
                batch, actionDim, entropyBeta, valueCoef);
        double policyLoss = 0, valueLoss = 0, entropy = 0;
        float halfD = 0.5f * (float) actionDim;
        for (long r = 0; r < batch; r++) {
            long row = r * actionDim;
            float vr = f(v, r);
            // softplus without overflow, plus the floor: σ²
            float softplus = (float) Math.log1p((float) Math.exp(-Math.abs(vr))) + (vr > 0f ? vr : 0f);
            float variance = softplus + GAUSSIAN_VAR_FLOOR;
            float logVar = (float) Math.log(variance);
            float sq = 0f;
            for (long d = 0; d < actionDim; d++) {
                float diff = f(actions, row + d) - f(mu, row + d);
                sq += diff * diff;
            }
            float q = sq / variance;
            float negLogN = halfD * (LOG_2PI + logVar) + 0.5f * q;
            float h = halfD * (LOG_2PI + logVar + 1f);
            float advantage = f(returns, r) - f(values, r);
            for (long d = 0; d < actionDim; d++) {
                set(dMu, row + d, advantage * (f(mu, row + d) - f(actions, row + d)) / variance);
            }
            float dVariance = (advantage * (halfD - 0.5f * q) - entropyBeta * halfD) / variance;
            set(dV, r, dVariance * sigmoid(vr));
            set(dValues, r, 2f * valueCoef * (f(values, r) - f(returns, r)));
            policyLoss += (double) negLogN * advantage;
            valueLoss += (double) valueCoef * advantage * advantage;
            entropy += h;
        }
        set(stats, 0, (float) policyLoss);
        set(stats, 1, (float) valueLoss);
        set(stats, 2, (float) entropy);
    }

    @Override
    public void qLossBackward(MemorySegment dq, MemorySegment stats, MemorySegment q, MemorySegment actions,
                              MemorySegment targets, long batch, long actionCount, float coef) {
        KernelChecks.qLossBackward(dq, stats, q, actions, targets, batch, actionCount, coef);
        double loss = 0;
        for (long r = 0; r < batch; r++) {
            int a = actions.getAtIndex(JAVA_INT, r);
            long row = r * actionCount;
            float diff = f(q, row + a) - f(targets, r);
            for (long j = 0; j < actionCount; j++) set(dq, row + j, 0f);
            set(dq, row + a, (2f * coef) * diff);
            loss += (double) coef * diff * diff;
        }
        set(stats, 0, (float) loss);
    }

    @Override
    public void momentumSgd(MemorySegment theta, MemorySegment m, MemorySegment dTheta, long n, float lr, float alpha) {
        KernelChecks.momentumSgd(theta, m, dTheta, n, lr, alpha);
        for (long i = 0; i < n; i++) {
            float mi = alpha * f(m, i) + (1f - alpha) * f(dTheta, i);
            set(m, i, mi);
            set(theta, i, f(theta, i) - lr * mi);
        }
    }

    @Override
    public void clipGradNorm(MemorySegment grad, MemorySegment normOut, long n, float maxNorm) {
        KernelChecks.clipGradNorm(grad, normOut, n, maxNorm);
        double sq = 0;
        for (long i = 0; i < n; i++) {
            double v = f(grad, i);
            sq += v * v;
        }
        double norm = Math.sqrt(sq);
        float normF = (float) norm;
        set(normOut, 0, normF);
        // a norm beyond Float.MAX_VALUE cannot be reported in norm_out: it counts as infinite too
        if (!Float.isFinite(normF)) {
            throw new KernelException("clip_grad_norm", Status.NON_FINITE, "gradient norm is " + norm);
        }
        if (maxNorm > 0f && norm > maxNorm) {
            float scale = (float) (maxNorm / norm);
            for (long i = 0; i < n; i++) set(grad, i, f(grad, i) * scale);
        }
    }

    @Override
    public void sharedRmsprop(MemorySegment theta, MemorySegment g, MemorySegment dTheta, long n,
                              float lr, float alpha, float eps) {
        KernelChecks.sharedRmsprop(theta, g, dTheta, n, lr, alpha, eps);
        for (long i = 0; i < n; i++) {
            float d = f(dTheta, i);
            float gi = alpha * f(g, i) + (1f - alpha) * d * d;
            set(g, i, gi);
            set(theta, i, f(theta, i) - lr * d / (float) Math.sqrt(gi + eps));
        }
    }

    @Override
    public void copy(MemorySegment dst, MemorySegment src, long n) {
        KernelChecks.copy(dst, src, n);
        MemorySegment.copy(src, 0, dst, 0, n * Float.BYTES);
    }
}
