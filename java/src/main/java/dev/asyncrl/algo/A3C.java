package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.run.Staleness;
import dev.asyncrl.run.TrainingContext;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * A3C, asynchronous advantage actor-critic (Mnih et al. 2016, Algorithm S3), feed-forward. Discrete
 * actions use a softmax policy; continuous actions (an environment with actionDim() &gt; 0) the
 * paper's spherical Gaussian N(μ, σ²I), σ² = softplus(v), with the same entropy bonus and value
 * head ({@link Mlp#gaussianActorCritic}). One {@link Worker} per actor-learner thread; all of them
 * update the shared θ.
 *
 * <pre>
 * repeat
 *   θ' ← θ ; dθ ← 0                                 (sync, zero)
 *   act up to t_max steps with a ~ π(·|s; θ'), or until the episode ends
 *   R ← 0 if terminal, else V(s_t; θ')             (a truncated episode bootstraps)
 *   for i = t−1 … 0:  R ← r_i + γR
 *     dθ += ∇[−log π(a_i|s_i)(R − V(s_i)) − β H(π(s_i))] + ∇ c·(R − V(s_i))²
 *   clip dθ to global norm; θ ← Optimizer(θ, dθ, η_T)     (Shared RMSProp by default)
 * until T ≥ T_max
 * </pre>
 *
 * The forward pass done while acting fills one row per step of the thread's workspace, so the
 * backward over the segment reuses those activations instead of recomputing them.
 */
public final class A3C {
    private A3C() {}

    /** One actor-learner thread: its own environment, random stream, θ', dθ and activations. */
    public static final class Worker implements ActorLearner {
        private final TrainingContext ctx;
        private final Mlp net;
        private final Hyperparameters hp;
        private final Env env;
        private final long streamSeed;
        private final MemorySegment optimizerState;  // per-thread optimizers: this thread's statistics, or null

        public Worker(TrainingContext ctx, Mlp net, Hyperparameters hp, Env env, long seed) {
            this.ctx = ctx;
            this.net = net;
            this.hp = hp;
            this.env = env;
            this.streamSeed = ctx.streamSeed(seed);  // a resumed run draws fresh streams (see Checkpoint)
            this.optimizerState = ctx.claimOptimizerState();
        }

        @Override
        public void run() {
            // The thread's own arena: θ', dθ and the activations are touched by this thread only.
            try (Arena arena = Arena.ofConfined()) {
                Learner learner = new Learner(arena);
                while (!ctx.shouldStop()) learner.segment();
            }
        }

        @Override
        public Learner learner(Arena arena) {
            return new Learner(arena);
        }

        public final class Learner implements Segments {
            private final Kernel k = ctx.kernel();
            private final SharedParams shared = ctx.shared();
            private final int tMax = hp.tMax();
            private final int A = net.actions();
            private final long n = net.layout().size();
            private final Mlp.Workspace ws;
            private final Optimizer optimizer;
            private final MemorySegment actions;  // (t_max) int32, or (t_max, D) float32 for a Gaussian policy
            private final MemorySegment[] actionRow;  // Gaussian: row t of actions, (D)
            private final boolean continuous = env.actionDim() > 0;
            private final int D = env.actionDim();
            private final MemorySegment returns;  // (t_max)
            private final MemorySegment stats;    // (3) policy loss, value loss, entropy
            private final MemorySegment norm;     // (1) gradient norm before clipping
            private final float[] rewards;        // (t_max) scaled rewards of the segment
            private final long obsBytes = (long) net.obsSize() * Float.BYTES;
            private final float gamma = (float) hp.gamma();
            private final float beta = (float) hp.entropyBeta();
            private final float valueCoef = (float) hp.valueCoef();
            private final float rewardScale = (float) hp.rewardScale();
            private final RandomStreams streams = RandomStreams.of(streamSeed);
            private final SplittableRandom rng = streams.actions();
            private final StepResult step = new StepResult();
            private final Staleness.Recorder staleness = ctx.staleness().register();
            private double episodeReturn;

            Learner(Arena arena) {
                ws = net.workspace(arena, tMax + 1);
                optimizer = Optimizer.forThread(hp, shared, arena, optimizerState);
                actions = continuous ? arena.allocate((long) tMax * D * Float.BYTES, 64)
                        : arena.allocate((long) tMax * Integer.BYTES, 64);
                actionRow = new MemorySegment[tMax];
                if (continuous) {
                    for (int r = 0; r < tMax; r++) actionRow[r] = actions.asSlice((long) r * D * Float.BYTES, (long) D * Float.BYTES);
                }
                returns = arena.allocate((long) tMax * Float.BYTES, 64);
                stats = arena.allocate(3 * Float.BYTES, 64);
                norm = arena.allocate(Float.BYTES, 64);
                rewards = new float[tMax];
                env.reset(streams.envSeed(), ws.obsRow(0));
                ws.resetState();
            }

            /** One segment of up to t_max steps and its update of θ; returns the steps taken. */
            @Override
            public int segment() {
                staleness.sync();
                k.copy(ws.params, shared.theta(), n);   // θ' ← θ: a Hogwild read, other threads may be mid-update
                ws.grads.fill((byte) 0);                // dθ ← 0

                int t = 0;
                boolean done = false, terminal = false;
                while (t < tMax) {
                    ws.forward(k, t);
                    if (continuous) {
                        sampleGaussian(actionRow[t], ws.outRow(Mlp.MU, t), ws.output(Mlp.VAR, t, 0), D, rng);
                        env.step(actionRow[t], ws.obsRow(t + 1), step);  // the env clips; the loss sees the sample
                    } else {
                        int a = sample(ws.outRow(Mlp.POLICY, t), A, rng);
                        actions.setAtIndex(JAVA_INT, t, a);
                        env.step(a, ws.obsRow(t + 1), step);
                    }
                    rewards[t] = (float) step.reward * rewardScale;
                    episodeReturn += step.reward;
                    t++;
                    if (step.done()) {
                        done = true;
                        terminal = step.terminated;
                        break;
                    }
                }
                long T = ctx.addSteps(t);

                float bootstrap = 0f;
                if (!terminal) {                         // bootstrap from V(s_t; θ'), truncation included
                    ws.forward(k, t);
                    bootstrap = ws.output(continuous ? Mlp.GAUSS_VALUE : Mlp.VALUE, t, 0);
                }
                Returns.nStep(returns, rewards, t, bootstrap, gamma);
                if (continuous) {
                    k.gaussianLossBackward(ws.dOut(Mlp.MU), ws.dOut(Mlp.VAR), ws.dOut(Mlp.GAUSS_VALUE), stats,
                            ws.out(Mlp.MU), ws.out(Mlp.VAR), ws.out(Mlp.GAUSS_VALUE), actions, returns, t, D, beta, valueCoef);
                } else {
                    k.a3cLossBackward(ws.dOut(Mlp.POLICY), ws.dOut(Mlp.VALUE), stats, ws.out(Mlp.POLICY),
                            ws.out(Mlp.VALUE), actions, returns, t, A, beta, valueCoef);
                }
                ws.backward(k, t);
                k.clipGradNorm(ws.grads, norm, n, (float) hp.maxGradNorm());
                // Hogwild!: the update goes straight into the shared θ, without locks (see Optimizer).
                optimizer.apply(k, shared.theta(), ws.grads, n, hp.learningRate(T, ctx.totalSteps()));
                staleness.landed();                     // counts the update; its staleness: updates landed since the sync

                if (done) {
                    ctx.episodeFinished(episodeReturn);
                    episodeReturn = 0;
                    env.reset(ws.obsRow(0));
                    ws.resetState();                     // LSTM: a new episode starts from zero state
                } else {
                    MemorySegment.copy(ws.obs, t * obsBytes, ws.obs, 0, obsBytes); // s_t starts the next segment
                    ws.carryState(t);                    // LSTM: with the state it was seen with
                }
                return t;
            }
        }

        /**
         * a ~ N(μ, σ²I) with σ² = softplus(v) + the kernel's floor, written into action (D). The
         * softplus is the kernel's stable form, so the loss sees the σ the sample was drawn with.
         */
        public static void sampleGaussian(MemorySegment action, MemorySegment mu, float v, int D, SplittableRandom rng) {
            double softplus = Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0f);
            double sigma = Math.sqrt(softplus + Kernel.GAUSSIAN_VAR_FLOOR);
            for (int d = 0; d < D; d++) {
                action.setAtIndex(JAVA_FLOAT, d, (float) (mu.getAtIndex(JAVA_FLOAT, d) + sigma * rng.nextGaussian()));
            }
        }

        /** a ~ softmax(logits (A)), by inverting the cumulative distribution. */
        public static int sample(MemorySegment logits, int A, SplittableRandom rng) {
            float m = logits.getAtIndex(JAVA_FLOAT, 0);
            for (int j = 1; j < A; j++) m = Math.max(m, logits.getAtIndex(JAVA_FLOAT, j));
            double z = 0;
            for (int j = 0; j < A; j++) z += Math.exp(logits.getAtIndex(JAVA_FLOAT, j) - m);
            double u = rng.nextDouble() * z;
            for (int j = 0; j < A - 1; j++) {
                u -= Math.exp(logits.getAtIndex(JAVA_FLOAT, j) - m);
                if (u < 0) return j;
            }
            return A - 1;
        }

    }
}
