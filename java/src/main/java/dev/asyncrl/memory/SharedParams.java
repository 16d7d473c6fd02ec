package dev.asyncrl.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The memory every actor-learner thread shares: parameters θ and the Shared RMSProp statistics g,
 * both laid out by one {@link Layout}. They live in one shared arena owned by this object, which
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

    public SharedParams(Layout layout) {
        // Shared arena: the segments are accessed from every worker thread; 64-byte alignment
        // keeps each tensor (offsets are multiples of 16 floats) on a cache-line boundary.
        this.arena = Arena.ofShared();
        this.layout = layout;
        this.theta = arena.allocate(layout.byteSize(), 64);
        this.g = arena.allocate(layout.byteSize(), 64);
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

    @Override
    public void close() {
        arena.close();
    }
}
