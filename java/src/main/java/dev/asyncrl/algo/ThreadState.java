package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Workspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What every actor-learner thread does around its method's own steps, the same for the four
 * methods: θ' ← θ and dθ ← 0 when a segment starts; taking a_t and recording r_t and s_{t+1};
 * T ← T + t; the clipped asynchronous update of θ with dθ; and at the segment's end either the
 * episode's end (its return counted, the environment reset) or s_t carried to row 0 to start the
 * next segment. It owns the thread's workspace (θ', dθ, activations of up to t_max + 1 rows), its
 * environment and random streams, the actions and the rewards. One per thread, allocated in the
 * thread's own arena; nothing here allocates per step.
 */
final class ThreadState {
    /** How a method chooses a_t in s_t (row t of the workspace); it forwards row t through θ' as it needs. */
    interface Policy {
        int act(int t);
    }

    final Kernel k;
    /** θ', dθ and rows 0..t_max: s_i (the environment writes row i + 1) and the activations of step i. */
    final Workspace ws;
    final RandomStreams streams;
    /** a_i (t_max + 1) int32 of a discrete policy; slot t_max holds Sarsa's a_t. */
    final MemorySegment actions;
    /** r_i (t_max), scaled by the reward scale for learning. */
    final float[] rewards;

    private final TrainingContext ctx;
    private final Hyperparameters hp;
    private final Env env;                // the thread's own
    private final SharedParams shared;
    private final Optimizer optimizer;
    private final Staleness.Recorder staleness;
    private final MemorySegment norm;     // (1) gradient norm before clipping
    private final StepResult step = new StepResult();
    private final int tMax;
    private final long n, obsBytes;
    private final float rewardScale;
    private long T;                       // the global step counter after this thread's last segment
    private double episodeReturn;         // undiscounted, unscaled
    private boolean ended, terminal;      // of the current segment: the episode ended; it ended in a terminal state

    ThreadState(ActorLearner.Setup setup, Arena arena) {
        ctx = setup.ctx();
        k = ctx.kernel();
        shared = ctx.shared();
        env = setup.env();
        n = setup.net().layout().size();
        obsBytes = (long) setup.net().obsSize() * Float.BYTES;
        hp = setup.hp();
        tMax = hp.tMax();
        rewardScale = (float) hp.rewardScale();
        streams = RandomStreams.of(ctx.streamSeed(setup.seed()));  // a resumed run draws fresh streams (see Checkpoint)
        staleness = ctx.staleness().register();
        ws = setup.net().workspace(arena, tMax + 1);
        optimizer = Optimizer.forThread(hp, ctx, setup.thread());
        actions = arena.allocate((long) (tMax + 1) * Integer.BYTES, 64);
        rewards = new float[tMax];
        norm = arena.allocate(Float.BYTES, 64);
        env.reset(streams.envSeed(), ws.obsRow(0));
        ws.resetState();
    }

    /** A segment starts: θ' ← θ (a Hogwild read: other threads may be mid-update) ; dθ ← 0. */
    void sync() {
        staleness.sync();
        k.copy(ws.params, shared.theta(), n);
        ws.grads.fill((byte) 0);
        ended = terminal = false;
    }

    /**
     * Acts from s_0 with a_t = policy(t), until s_t is terminal or t = t_max; then T ← T + t.
     * Returns t.
     */
    int act(Policy policy) {
        int t = 0;
        while (acting(t)) {
            step(t, policy.act(t));
            t++;
        }
        addSteps(t);
        return t;
    }

    /** Whether step t is taken: fewer than t_max steps so far, and the episode goes on. */
    boolean acting(int t) {
        return t < tMax && !ended;
    }

    /** Takes a_t in s_t: the environment writes s_{t+1} into row t + 1; r_t is recorded. */
    void step(int t, int a) {
        actions.setAtIndex(JAVA_INT, t, a);
        env.step(a, ws.obsRow(t + 1), step);
        observe(t);
    }

    /** A continuous action a_t (D) in s_t; the environment clips it, the loss sees it as sampled. */
    void step(int t, MemorySegment a) {
        env.step(a, ws.obsRow(t + 1), step);
        observe(t);
    }

    private void observe(int t) {
        rewards[t] = (float) step.reward * rewardScale;
        episodeReturn += step.reward;
        if (step.done()) {
            ended = true;
            terminal = step.terminated;
        }
    }

    /** The episode ended in this segment (terminated, or truncated by a time limit). */
    boolean ended() {
        return ended;
    }

    /** s_t is terminal: the return bootstraps 0. A truncated episode's s_t is not, and bootstraps. */
    boolean terminal() {
        return terminal;
    }

    /** T ← T + t after a segment of t steps. */
    void addSteps(int t) {
        T = ctx.addSteps(t);
    }

    /** T after this thread's last segment. */
    long T() {
        return T;
    }

    /**
     * dθ ← ∂L/∂θ' over rows 0..t−1, from the head gradients the method's loss wrote; dθ clipped to
     * its global norm; θ ← Optimizer(θ, dθ, η_T). Hogwild!: the update goes straight into the
     * shared θ, without locks (see Optimizer). Counts the update and its staleness (updates landed
     * since this thread's sync).
     */
    void update(int t) {
        ws.backward(k, t);
        k.clipGradNorm(ws.grads, norm, n, (float) hp.maxGradNorm());
        optimizer.apply(k, shared.theta(), ws.grads, n, hp.learningRate(T, ctx.totalSteps()));
        staleness.landed();
    }

    /**
     * Ends a segment of t steps: after the episode's end its return is counted and the environment
     * reset into row 0 (an LSTM starts from zero state); otherwise s_t moves to row 0 (an LSTM
     * keeps the state s_t was seen with). Returns t.
     */
    int endSegment(int t) {
        if (ended) {
            ctx.episodeFinished(episodeReturn);
            episodeReturn = 0;
            env.reset(ws.obsRow(0));
            ws.resetState();
        } else {
            MemorySegment.copy(ws.obs, t * obsBytes, ws.obs, 0, obsBytes);
            ws.carryState(t);
        }
        return t;
    }
}
