package dev.asyncrl.algo;

import dev.asyncrl.env.Env;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;

/**
 * One actor-learner thread of any of the four methods: {@link #run()} trains until the run stops;
 * {@link #learner(Arena)} gives the same loop one segment at a time (benchmarks, tests). A method
 * is built from its {@link Setup} on the trainer's thread and allocates its buffers only once it
 * runs, in the arena of the thread that runs it.
 */
public interface ActorLearner extends Runnable {

    /**
     * What the trainer hands one actor-learner thread.
     *
     * @param ctx    what every thread of the run shares: the kernel, θ (SharedParams), T, the stop signal
     * @param env    the thread's own environment
     * @param seed   the thread's seed (its random streams, and a Q method's final ε)
     * @param thread the thread's index: which per-thread optimizer block of the SharedParams is its own
     */
    record Setup(TrainingContext ctx, Mlp net, Hyperparameters hp, Env env, long seed, int thread) {}

    /** The hot loop, one segment (act, step, update) per call. */
    interface Segments {
        /** One segment and its update of θ; returns the steps taken. */
        int segment();
    }

    Setup setup();

    /** This thread's buffers, allocated once in {@code arena}. */
    Segments learner(Arena arena);

    @Override
    default void run() {
        // The thread's own arena: θ', dθ, activations and the method's buffers are touched by this thread only.
        try (Arena arena = Arena.ofConfined()) {
            Segments learner = learner(arena);
            while (!setup().ctx().shouldStop()) learner.segment();
        }
    }
}
