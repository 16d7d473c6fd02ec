package dev.asyncrl.algo;

import java.lang.foreign.Arena;

/**
 * One actor-learner thread of any of the four methods: {@link #run()} trains until the run stops;
 * {@link #learner(Arena)} gives the same loop one segment at a time (benchmarks, tests).
 */
public interface ActorLearner extends Runnable {

    /** The hot loop, one segment (act, step, update) per call. */
    interface Segments {
        /** One segment and its update of θ; returns the steps taken. */
        int segment();
    }

    /** This thread's buffers, allocated once in {@code arena}. */
    Segments learner(Arena arena);
}
