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
