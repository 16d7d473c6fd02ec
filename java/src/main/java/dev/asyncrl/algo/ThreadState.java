package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Workspace;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What every actor-learner thread does around its method's own steps, the same for the four
 * methods: θ' ← θ and dθ ← 0 when a segment starts; taking a_t in each of its K environments and
 * recording r_t and s_{t+1}; T ← T + the steps taken; the clipped asynchronous update of θ with dθ;
 * and at the segment's end, for each environment, either the episode's end (its return counted,
 * the environment reset) or s_t carried to block 0 to start the next segment.
 *
 * <p>The K environments step in lock-step (K = 1 is the paper's form): step t forwards block t of
 * the workspace, K rows, row t·K + e being environment e's, in one batch; a segment lasts until
 * t_max steps or until every episode in it has ended. An environment whose episode ends early
 * waits out the segment: its later rows are forwarded with the rest but neither stepped nor
 * learned from (their loss gradient is zeroed before the backward), so each environment's segment
 * is exactly the paper's, and one update covers up to K·t_max steps. It owns the thread's
 * workspace (θ', dθ, activations of t_max + 1 blocks), its environments and random streams, the
 * actions and the rewards. One per thread, allocated in the thread's own arena; nothing here
 * allocates per step.
 */
final class ThreadState {
    /** How a method chooses a_t in environment e; block t has been forwarded through θ'. */
    interface Policy {
        int act(int t, int e);
    }

    final Kernel k;
    /** θ', dθ and blocks 0..t_max of K rows: s_i of environment e in row i·K + e, and its activations. */
    final Workspace ws;
    final RandomStreams streams;
    /** Environments per thread: rows per block. */
    final int K;
    /** a_i (rows (t_max + 1)·K) int32 of a discrete policy; block t_max holds Sarsa's a_t. */
    final MemorySegment actions;
    /** r_i (t_max·K, row i·K + e), scaled by the reward scale for learning; 0 in a waiting row. */
    final float[] rewards;

    private final TrainingContext ctx;
    private final Hyperparameters hp;
    private final Env[] envs;             // the thread's own
    private final SharedParams shared;
    private final Optimizer optimizer;
    private final Staleness.Recorder staleness;
    private final MemorySegment norm;     // (1) gradient norm before clipping
    private final StepResult step = new StepResult();
    private final int tMax;
    private final long n, obsBytes;
    private final float rewardScale;
    private long T;                       // the global step counter after this thread's last segment
    private final double[] episodeReturn; // of each environment: undiscounted, unscaled
    // Of each environment in the current segment: its episode ended; it ended in a terminal state;
    // the steps it took (t_e).
    private final boolean[] ended, terminal;
    private final int[] steps;
    private int running;                  // environments whose episode goes on in this segment
    private int taken;                    // steps taken in this segment, over all environments

    ThreadState(ActorLearner.Setup setup, Arena arena) {
        ctx = setup.ctx();
        k = ctx.kernel();
        shared = ctx.shared();
        envs = setup.envs().toArray(Env[]::new);
        K = envs.length;
        n = setup.net().layout().size();
        obsBytes = (long) setup.net().obsSize() * Float.BYTES;
        hp = setup.hp();
        tMax = hp.tMax();
        rewardScale = (float) hp.rewardScale();
        streams = RandomStreams.of(ctx.streamSeed(setup.seed()));  // a resumed run draws fresh streams (see Checkpoint)
        staleness = ctx.staleness().register();
        ws = setup.net().workspace(arena, tMax + 1, K);
        optimizer = Optimizer.forThread(hp, ctx, setup.thread());
        actions = arena.allocate((long) (tMax + 1) * K * Integer.BYTES, 64);
        rewards = new float[tMax * K];
        norm = arena.allocate(Float.BYTES, 64);
        episodeReturn = new double[K];
        ended = new boolean[K];
        terminal = new boolean[K];
        steps = new int[K];
        // Environment 0 is seeded as a one-environment thread's; the others from that seed and their index.
        for (int e = 0; e < K; e++) {
            envs[e].reset(e == 0 ? streams.envSeed() : RandomStreams.mix(streams.envSeed(), e), ws.obsRow(e));
        }
        ws.resetState();
    }

    /** A segment starts: θ' ← θ (a Hogwild read: other threads may be mid-update) ; dθ ← 0. */
    void sync() {
        staleness.sync();
        k.copy(ws.params, shared.theta(), n);
        ws.grads.fill((byte) 0);
        Arrays.fill(ended, false);
        Arrays.fill(terminal, false);
        running = K;
    }

    /**
     * Acts from block 0: at each step t forwards block t and takes a_t = policy(t, e) in every
     * environment whose episode goes on, until t = t_max or every episode has ended; then T ← T +
     * the steps taken. Returns t, the blocks acted.
     */
    int act(Policy policy) {
        int t = 0;
        while (acting(t)) {
            ws.forward(k, t);
            for (int e = 0; e < K; e++) {
                if (ended[e]) waitOut(t, e);
                else step(t, e, policy.act(t, e));
            }
            t++;
        }
        addSteps(t);
        return t;
    }

    /** Whether step t is taken: fewer than t_max steps so far, and some episode goes on. */
    boolean acting(int t) {
        return t < tMax && running > 0;
    }

    /** Takes a_t in environment e: it writes s_{t+1} into row (t + 1)·K + e; r_t is recorded. */
    void step(int t, int e, int a) {
        int r = t * K + e;
        actions.setAtIndex(JAVA_INT, r, a);
        envs[e].step(a, ws.obsRow(r + K), step);
        observe(t, e);
    }

    /** A continuous action a_t (D) in environment e; the environment clips it, the loss sees it as sampled. */
    void step(int t, int e, MemorySegment a) {
        envs[e].step(a, ws.obsRow(t * K + e + K), step);
        observe(t, e);
    }

    /** Environment e's episode ended before step t: its row t holds no step (action 0, reward 0), and is not learned from. */
    void waitOut(int t, int e) {
        int r = t * K + e;
        actions.setAtIndex(JAVA_INT, r, 0);
        rewards[r] = 0f;
    }

    private void observe(int t, int e) {
        rewards[t * K + e] = (float) step.reward * rewardScale;
        episodeReturn[e] += step.reward;
        if (step.done()) {
            ended[e] = true;
            terminal[e] = step.terminated;
            steps[e] = t + 1;
            running--;
        }
    }

    /** Environment e's episode ended in this segment (terminated, or truncated by a time limit). */
    boolean ended(int e) {
        return ended[e];
    }

    /** Environment e's last state s_{t_e} is terminal: its return bootstraps 0. A truncated episode's is not, and bootstraps. */
    boolean terminal(int e) {
        return terminal[e];
    }

    /** t_e: the steps environment e took in this segment (t, unless its episode ended earlier). */
    int steps(int e) {
        return steps[e];
    }

    /** Whether some environment bootstraps from block t, the segment's last (so it must be forwarded). */
    boolean bootstrapsAt(int t) {
        for (int e = 0; e < K; e++) if (steps[e] == t && !terminal[e]) return true;
        return false;
    }

    /** After t blocks: each environment still running took t steps; T ← T + the steps of all. */
    void addSteps(int t) {
        taken = 0;
        for (int e = 0; e < K; e++) {
            if (!ended[e]) steps[e] = t;
            taken += steps[e];
        }
        T = ctx.addSteps(taken);
    }

    /** Steps taken in this segment, over all environments (after {@link #addSteps}). */
    int taken() {
        return taken;
    }

    /** T after this thread's last segment. */
    long T() {
        return T;
    }

    /**
     * dθ ← ∂L/∂θ' over blocks 0..t−1, from the head gradients the method's loss wrote (zeroed first
     * in the rows of environments waiting out the segment); dθ clipped to its global norm; θ ←
     * Optimizer(θ, dθ, η_T). Hogwild!: the update goes straight into the shared θ, without locks
     * (see Optimizer). Counts the update and its staleness (updates landed since this thread's sync).
     */
    void update(int t) {
        for (int e = 0; e < K; e++) {
            for (int i = steps[e]; i < t; i++) ws.clearLossRow(i * K + e);
        }
        ws.backward(k, t);
        k.clipGradNorm(ws.grads, norm, n, (float) hp.maxGradNorm());
        optimizer.apply(k, shared.theta(), ws.grads, n, hp.learningRate(T, ctx.totalSteps()));
        staleness.landed();
    }

    /**
     * Ends a segment of t blocks: each environment whose episode ended has its return counted and
     * is reset into block 0 (an LSTM starts it from zero state); each other moves s_t to block 0 (an
     * LSTM keeps the state s_t was seen with). Returns the steps taken.
     */
    int endSegment(int t) {
        ws.carryState(t);
        for (int e = 0; e < K; e++) {
            if (ended[e]) {
                ctx.episodeFinished(episodeReturn[e]);
                episodeReturn[e] = 0;
                envs[e].reset(ws.obsRow(e));
                ws.resetState(e);
            } else {
                MemorySegment.copy(ws.obs, (long) (t * K + e) * obsBytes, ws.obs, e * obsBytes, obsBytes);
            }
        }
        return taken;
    }
}
