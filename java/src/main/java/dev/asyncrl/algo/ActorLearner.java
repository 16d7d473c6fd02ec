package dev.asyncrl.algo;

import dev.asyncrl.env.Env;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * One actor-learner thread of any of the four methods: {@link #run()} trains until the run stops;
 * {@link #learner(Arena)} gives the same loop one segment at a time (benchmarks, tests). It is
 * built on the trainer's thread; its buffers are allocated only once it runs, in the arena of the
 * thread that runs it.
 *
 * @param setup  what the trainer hands this thread
 * @param method how the algorithm builds the thread's learner ({@link Algorithm} picks it)
 */
public record ActorLearner(Setup setup, Method method) implements Runnable {

    /**
     * What the trainer hands one actor-learner thread.
     *
     * @param ctx    what every thread of the run shares: the kernel, θ (SharedParams), T, the stop signal
     * @param envs   the thread's own environments, as many as hp.envsPerThread()
     * @param seed   the thread's seed (its random streams, and a Q method's final ε)
     * @param thread the thread's index: which per-thread optimizer block of the SharedParams is its own
     */
    public record Setup(TrainingContext ctx, Mlp net, Hyperparameters hp, List<Env> envs, long seed, int thread) {
        public Setup {
            envs = List.copyOf(envs);
            if (envs.size() != hp.envsPerThread()) {
                throw new IllegalArgumentException("a thread with --envs-per-thread " + hp.envsPerThread() + " needs as many environments, got " + envs.size());
            }
        }

        /** The first environment: its spaces are every one's. */
        public Env env() {
            return envs.get(0);
        }
    }

    /** The hot loop, one segment (act, step, update) per call. */
    public interface Segments {
        /** One segment and its update of θ; returns the steps taken. */
        int segment();
    }

    /** A method's learner for one thread, its buffers allocated in {@code arena}. */
    public interface Method {
        Segments learner(Setup setup, Arena arena);
    }

    /** This thread's buffers, allocated once in {@code arena}. */
    public Segments learner(Arena arena) {
        return method.learner(setup, arena);
    }

    @Override
    public void run() {
        // The thread's own arena: θ', dθ, activations and the method's buffers are touched by this thread only.
        try (Arena arena = Arena.ofConfined()) {
            Segments learner = learner(arena);
            while (!setup.ctx().shouldStop()) learner.segment();
        }
    }
}
