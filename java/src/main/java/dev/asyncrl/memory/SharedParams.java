package dev.asyncrl.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The memory every actor-learner thread shares: parameters θ, the Shared RMSProp statistics g and,
 * for the Q methods, the target network θ⁻, all laid out by one {@link Layout}. They live in one shared arena owned by this object, which
 * the trainer closes only after every worker thread has joined. With the per-thread optimizers
 * (RMSProp, momentum SGD) each thread's statistics live here too, one block per thread: only
 * that thread updates its block, but the checkpoint writer reads them all.
 *
 * <p>Threads read and write θ and g without locks (Hogwild!, as in the paper): the race is
 * documented where the update is applied, in the kernel's shared_rmsprop and its caller.
 *
 * <p>Cache lines: every block (θ, g, θ⁻, each thread's optimizer block) starts on a {@link #ALIGN}-byte
 * boundary and holds a whole number of 64-byte lines (the layout's size is a multiple of 16
 * floats), so no two blocks share a cache line, nor the pair of lines the adjacent-line prefetcher
 * fetches together: thread i's writes to its own block never invalidate thread j's.
 */
public final class SharedParams implements AutoCloseable {
    /** Every block's alignment in bytes: two 64-byte cache lines. */
    public static final long ALIGN = 128;

    private final Arena arena;
    private final Layout layout;
    private final MemorySegment theta;
    private final MemorySegment g;
    private final MemorySegment target;
    private final MemorySegment[] optimizerStates;

    public SharedParams(Layout layout) {
        this(layout, false);
    }

    /** @param withTarget also allocate θ⁻ (the Q methods' target network) */
    public SharedParams(Layout layout, boolean withTarget) {
        this(layout, withTarget, 0);
    }

    /**
     * @param withTarget   also allocate θ⁻ (the Q methods' target network)
     * @param optimizerStates blocks of per-thread optimizer statistics to allocate (zeroed), one per thread
     */
    public SharedParams(Layout layout, boolean withTarget, int optimizerStates) {
        // Shared arena: the segments are accessed from every worker thread. ALIGN keeps each block,
        // and so each tensor (offsets are multiples of 16 floats), on a cache-line boundary.
        this.arena = Arena.ofShared();
        this.layout = layout;
        this.theta = arena.allocate(layout.byteSize(), ALIGN);
        this.g = arena.allocate(layout.byteSize(), ALIGN);
        this.target = withTarget ? arena.allocate(layout.byteSize(), ALIGN) : null;
        this.optimizerStates = new MemorySegment[optimizerStates];
        for (int i = 0; i < optimizerStates; i++) this.optimizerStates[i] = arena.allocate(layout.byteSize(), ALIGN);
    }

    public Layout layout() { return layout; }

    /** θ: the shared parameters (layout.size() floats). */
    public MemorySegment theta() { return theta; }

    /** g: the Shared RMSProp running mean of squared gradients (layout.size() floats), zero at start. */
    public MemorySegment g() { return g; }

    /** θ⁻: the shared target network (layout.size() floats), synced from θ every I_target steps. */
    public MemorySegment target() {
        if (target == null) throw new IllegalStateException("this run has no target network");
        return target;
    }

    public boolean hasTarget() {
        return target != null;
    }

    /** How many per-thread optimizer blocks there are (0 with Shared RMSProp). */
    public int optimizerStates() { return optimizerStates.length; }

    /**
     * Thread i's optimizer statistics (layout.size() floats): its RMSProp g or its momentum m,
     * handed to actor-learner i alone (only it writes the block; checkpoints read it).
     */
    public MemorySegment optimizerState(int i) {
        if (i < 0 || i >= optimizerStates.length) {
            throw new IllegalStateException("no per-thread optimizer block for thread " + i + " (there are "
                    + optimizerStates.length + ")");
        }
        return optimizerStates[i];
    }

    @Override
    public void close() {
        arena.close();
    }
}
