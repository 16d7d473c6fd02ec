package dev.asyncrl.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The memory every actor-learner thread shares: parameters θ, the Shared RMSProp statistics g and,
 * for the Q methods, the target network θ⁻, all laid out by one {@link Layout}. They live in one shared arena owned by this object, which
 * the trainer closes only after every worker thread has joined.
 *
 * <p>Threads read and write θ and g without locks (Hogwild!, as in the paper): the race is
 * documented where the update is applied, in the kernel's shared_rmsprop and its caller.
 */
public final class SharedParams implements AutoCloseable {
    private final Arena arena;
    private final Layout layout;
    private final MemorySegment theta;
    private final MemorySegment g;
    private final MemorySegment target;

    public SharedParams(Layout layout) {
        this(layout, false);
    }

    /** @param withTarget also allocate θ⁻ (the Q methods' target network) */
    public SharedParams(Layout layout, boolean withTarget) {
        // Shared arena: the segments are accessed from every worker thread; 64-byte alignment
        // keeps each tensor (offsets are multiples of 16 floats) on a cache-line boundary.
        this.arena = Arena.ofShared();
        this.layout = layout;
        this.theta = arena.allocate(layout.byteSize(), 64);
        this.g = arena.allocate(layout.byteSize(), 64);
        this.target = withTarget ? arena.allocate(layout.byteSize(), 64) : null;
    }

    public Layout layout() {
        return layout;
    }

    /** θ: the shared parameters (layout.size() floats). */
    public MemorySegment theta() {
        return theta;
    }

    /** g: the Shared RMSProp running mean of squared gradients (layout.size() floats), zero at start. */
    public MemorySegment g() {
        return g;
    }

    /** θ⁻: the shared target network (layout.size() floats), synced from θ every I_target steps. */
    public MemorySegment target() {
        if (target == null) throw new IllegalStateException("this run has no target network");
        return target;
    }

    @Override
    public void close() {
        arena.close();
    }
}
