package dev.asyncrl.algo;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import java.lang.foreign.MemorySegment;

/**
 * How a thread applies its accumulated gradient dθ to the shared θ: the paper's three optimizers
 * (supplementary section 7). All of them write θ without locks (Hogwild!): concurrent updates from
 * other threads may interleave element by element, which is the paper's design.
 *
 * <ul>
 *   <li>Shared RMSProp: g is shared by all threads (SharedParams.g), updated without locks.</li>
 *   <li>RMSProp: each thread keeps its own g, its block of SharedParams.</li>
 *   <li>Momentum SGD: each thread keeps its own momentum m, its block of SharedParams.</li>
 * </ul>
 */
public final class Optimizer {
    private final Hyperparameters.OptimizerKind kind;
    private final MemorySegment state;   // g (shared or per thread) or m (per thread): layout.size() floats
    private final float alpha, eps;

    private Optimizer(Hyperparameters.OptimizerKind kind, MemorySegment state, float alpha, float eps) {
        this.kind = kind;
        this.state = state;
        this.alpha = alpha;
        this.eps = eps;
    }

    /**
     * The optimizer of thread {@code thread}. Its statistics live in the shared memory, whose owner
     * hands them out: the g every thread shares (Shared RMSProp), or the thread's own block
     * ({@link SharedParams#optimizerState}, which checkpoints read too).
     */
    public static Optimizer forThread(Hyperparameters hp, SharedParams shared, int thread) {
        return switch (hp.optimizer()) {
            case SHARED_RMSPROP -> new Optimizer(hp.optimizer(), shared.g(), (float) hp.rmsAlpha(), (float) hp.rmsEps());
            case RMSPROP -> new Optimizer(hp.optimizer(), shared.optimizerState(thread), (float) hp.rmsAlpha(), (float) hp.rmsEps());
            case MOMENTUM -> new Optimizer(hp.optimizer(), shared.optimizerState(thread), (float) hp.momentum(), 0f);
        };
    }

    /** θ ← update(θ, dθ) with learning rate lr, over n floats. */
    public void apply(Kernel k, MemorySegment theta, MemorySegment dTheta, long n, float lr) {
        if (kind == Hyperparameters.OptimizerKind.MOMENTUM) k.momentumSgd(theta, state, dTheta, n, lr, alpha);
        else k.sharedRmsprop(theta, state, dTheta, n, lr, alpha, eps);
    }
}
