package dev.asyncrl.algo;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelChecks;
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
 *
 * <p>Staggered shards: the update is elementwise, so it is applied shard by shard, in
 * {@link #SHARD_FLOATS}-float shards, and thread i of P starts at shard ⌊i·S/P⌋ of S and wraps
 * around. Threads that update at the same moment then start on different cache lines instead of
 * all racing down θ and g from index 0. It cuts the lines each update writes by nothing: it only
 * keeps two threads' writes to one line from coinciding. On its own, a sharded update gives
 * exactly what one whole-vector call gives. An optimizer belongs to one thread (it keeps that
 * thread's shard slices).
 */
public final class Optimizer {
    /**
     * Floats per shard: 4096, 16 KB of θ, of g and of dθ (a multiple of 64 floats, so every shard
     * starts on a cache line of 64-byte-aligned memory). Small enough that the MinAtar network's
     * 132,695 floats make 33 shards, so up to 33 threads start apart; large enough that the call per
     * shard costs little next to the shard's 80 KB of memory traffic.
     */
    public static final int SHARD_FLOATS = 4096;

    private final Hyperparameters.OptimizerKind kind;
    private final MemorySegment state;   // g (shared or per thread) or m (per thread): layout.size() floats
    private final float alpha, eps;
    private final int stagger, of;       // starts at shard ⌊stagger·S/of⌋
    private final TrainingContext.WriteCounter writes;  // null: not counted
    private final long bytesPerFloat;    // shared bytes one update writes per float: θ, and g when shared
    // The shards of the last (θ, dθ, n) applied to; cut again only when they change (the hot path passes the same ones).
    private MemorySegment lastTheta, lastDTheta;
    private long lastN = -1;
    private MemorySegment[] thetaShards, stateShards, dThetaShards;
    private int first;

    private Optimizer(Hyperparameters.OptimizerKind kind, MemorySegment state, float alpha, float eps,
                      int stagger, int of, TrainingContext.WriteCounter writes) {
        if (stagger < 0 || stagger >= of) throw new IllegalArgumentException("thread " + stagger + " of " + of);
        this.kind = kind;
        this.state = state;
        this.alpha = alpha;
        this.eps = eps;
        this.stagger = stagger;
        this.of = of;
        this.writes = writes;
        this.bytesPerFloat = kind == Hyperparameters.OptimizerKind.SHARED_RMSPROP ? 2L * Float.BYTES : Float.BYTES;
    }

    /**
     * The optimizer of actor-learner {@code thread} of the run: staggered among {@link
     * TrainingContext#threads()}, counting the bytes it writes into shared memory in the context.
     */
    public static Optimizer forThread(Hyperparameters hp, TrainingContext ctx, int thread) {
        return forThread(hp, ctx.shared(), thread, ctx.threads(), ctx.sharedWriteCounter());
    }

    /** The optimizer of thread {@code thread} without a run's context: not staggered (starts at shard 0), not counted. */
    public static Optimizer forThread(Hyperparameters hp, SharedParams shared, int thread) {
        return create(hp, shared, thread, 0, 1, null);
    }

    /**
     * The optimizer of thread {@code thread} of {@code threads}, counting into {@code writes}
     * (null: not counted).
     */
    public static Optimizer forThread(Hyperparameters hp, SharedParams shared, int thread, int threads,
                                      TrainingContext.WriteCounter writes) {
        return create(hp, shared, thread, thread, threads, writes);
    }

    /**
     * Its statistics live in the shared memory, whose owner hands them out: the g every thread
     * shares (Shared RMSProp), or the thread's own block ({@link SharedParams#optimizerState}, which
     * checkpoints read too).
     */
    private static Optimizer create(Hyperparameters hp, SharedParams shared, int thread, int stagger, int of,
                                    TrainingContext.WriteCounter writes) {
        return switch (hp.optimizer()) {
            case SHARED_RMSPROP -> new Optimizer(hp.optimizer(), shared.g(), (float) hp.rmsAlpha(), (float) hp.rmsEps(),
                    stagger, of, writes);
            case RMSPROP -> new Optimizer(hp.optimizer(), shared.optimizerState(thread), (float) hp.rmsAlpha(),
                    (float) hp.rmsEps(), stagger, of, writes);
            case MOMENTUM -> new Optimizer(hp.optimizer(), shared.optimizerState(thread), (float) hp.momentum(), 0f,
                    stagger, of, writes);
        };
    }

    /**
     * θ ← update(θ, dθ) with learning rate lr, over n floats: shard by shard from this thread's
     * first shard. Counts 4n bytes written into shared memory (θ), 8n with Shared RMSProp (θ and g).
     */
    public void apply(Kernel k, MemorySegment theta, MemorySegment dTheta, long n, float lr) {
        if (theta != lastTheta || dTheta != lastDTheta || n != lastN) slice(theta, dTheta, n);
        int S = thetaShards.length;
        for (int j = 0, s = first; j < S; j++, s = s + 1 == S ? 0 : s + 1) {
            long len = thetaShards[s].byteSize() / Float.BYTES;
            if (kind == Hyperparameters.OptimizerKind.MOMENTUM) {
                k.momentumSgd(thetaShards[s], stateShards[s], dThetaShards[s], len, lr, alpha);
            } else {
                k.sharedRmsprop(thetaShards[s], stateShards[s], dThetaShards[s], len, lr, alpha, eps);
            }
        }
        if (writes != null) writes.add(bytesPerFloat * n);
    }

    /** How many shards n floats make: at least one (n = 0 makes one empty shard). */
    static int shards(long n) {
        return (int) Math.max(1, (n + SHARD_FLOATS - 1) / SHARD_FLOATS);
    }

    /** The shard thread {@code thread} of {@code threads} starts at, of the shards of n floats. */
    static int firstShard(long n, int thread, int threads) {
        return (int) ((long) thread * shards(n) / threads);
    }

    /** Cuts θ, the statistics and dθ into shards of their first n floats, checked as one whole call would be. */
    private void slice(MemorySegment theta, MemorySegment dTheta, long n) {
        if (kind == Hyperparameters.OptimizerKind.MOMENTUM) KernelChecks.momentumSgd(theta, state, dTheta, n, 0f, alpha);
        else KernelChecks.sharedRmsprop(theta, state, dTheta, n, 0f, alpha, eps);
        int S = shards(n);
        thetaShards = new MemorySegment[S];
        stateShards = new MemorySegment[S];
        dThetaShards = new MemorySegment[S];
        for (int s = 0; s < S; s++) {
            long off = (long) s * SHARD_FLOATS, len = Math.min(SHARD_FLOATS, n - off);
            thetaShards[s] = theta.asSlice(off * Float.BYTES, len * Float.BYTES);
            stateShards[s] = state.asSlice(off * Float.BYTES, len * Float.BYTES);
            dThetaShards[s] = dTheta.asSlice(off * Float.BYTES, len * Float.BYTES);
        }
        first = firstShard(n, stagger, of);
        lastTheta = theta;
        lastDTheta = dTheta;
        lastN = n;
    }
}
