package dev.asyncrl.algo;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * How a thread applies its accumulated gradient dθ to the shared θ: the paper's three optimizers
 * (supplementary section 7). All of them write θ without locks (Hogwild!): concurrent updates from
 * other threads may interleave element by element, which is the paper's design.
 *
 * <ul>
 *   <li>Shared RMSProp: g is shared by all threads (SharedParams.g), updated without locks.</li>
 *   <li>RMSProp: each thread keeps its own g, in its own arena.</li>
 *   <li>Momentum SGD: each thread keeps its own momentum m, in its own arena.</li>
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

    /** The optimizer of one thread; per-thread state is allocated (zeroed) in {@code threadArena}. */
    public static Optimizer forThread(Hyperparameters hp, SharedParams shared, Arena threadArena) {
        return forThread(hp, shared, threadArena, null);
    }

    /**
     * The optimizer of one thread; per-thread state is {@code ownState} (a block the trainer keeps,
     * so checkpoints can read it) or, when null, allocated (zeroed) in {@code threadArena}.
     */
    public static Optimizer forThread(Hyperparameters hp, SharedParams shared, Arena threadArena, MemorySegment ownState) {
        MemorySegment own = hp.optimizer() == Hyperparameters.OptimizerKind.SHARED_RMSPROP ? null
                : ownState != null ? ownState : threadArena.allocate(shared.layout().byteSize(), 64);
        return switch (hp.optimizer()) {
            case SHARED_RMSPROP -> new Optimizer(hp.optimizer(), shared.g(), (float) hp.rmsAlpha(), (float) hp.rmsEps());
            case RMSPROP -> new Optimizer(hp.optimizer(), own, (float) hp.rmsAlpha(), (float) hp.rmsEps());
            case MOMENTUM -> new Optimizer(hp.optimizer(), own, (float) hp.momentum(), 0f);
        };
    }

    /** θ ← update(θ, dθ) with learning rate lr, over n floats. */
    public void apply(Kernel k, MemorySegment theta, MemorySegment dTheta, long n, float lr) {
        if (kind == Hyperparameters.OptimizerKind.MOMENTUM) k.momentumSgd(theta, state, dTheta, n, lr, alpha);
        else k.sharedRmsprop(theta, state, dTheta, n, lr, alpha, eps);
    }
}
