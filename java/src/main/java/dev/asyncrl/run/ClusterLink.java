package dev.asyncrl.run;

import dev.asyncrl.algo.TrainingContext;
import dev.asyncrl.memory.SharedParams;
import java.lang.foreign.MemorySegment;
import java.util.Map;

/**
 * What a run on several nodes adds to {@link Trainer} (dev.asyncrl.cluster implements it; a run on
 * one machine has none). The trainer calls it from its own thread, in this order: {@link #config},
 * {@link #start} once θ is initialised or restored and before any worker starts, {@link #refreshCheckpoint}
 * before each checkpoint, {@link #finish} once every worker has joined, {@link #summary} last.
 */
public interface ClusterLink {

    /** Adds the cluster's settings to config.json's map (e.g. {@code nodes}). */
    void config(Map<String, Object> config);

    /**
     * The node's θ (and g, θ⁻) are ready: the coordinator publishes them as the cluster's, a
     * joining node replaces them with the cluster's; then the exchange starts. {@code ctx} is the
     * node's context: its T becomes the run's global T.
     */
    void start(TrainingContext ctx, SharedParams shared);

    /**
     * The θ block checkpoints write instead of the node's own θ: the cluster's θ, refreshed by
     * {@link #refreshCheckpoint}. Null where the node's θ is written (a node without a run directory).
     */
    MemorySegment checkpointTheta();

    /** Reads the cluster's θ into {@link #checkpointTheta}; T as the checkpoint records it is the context's. */
    void refreshCheckpoint();

    /**
     * Every worker of this node has joined: the last exchange; the coordinator stops the other
     * nodes, waits for their last exchanges and reads the cluster's θ and T into its own.
     */
    void finish(TrainingContext ctx, SharedParams shared);

    /** Adds the per-node figures to summary.json's map ({@code nodes}, {@code node_stats}). */
    void summary(Map<String, Object> summary);
}
