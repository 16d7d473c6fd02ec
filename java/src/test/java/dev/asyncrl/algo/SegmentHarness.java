package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import dev.asyncrl.net.Workspace;
import dev.asyncrl.run.Trainer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One actor-learner of a method on a {@link ScriptedEnv}, built as Trainer builds a run (the
 * network from {@link Trainer#network}, shared θ (and θ⁻), a TrainingContext, the worker from
 * {@link Algorithm#worker}), on a {@link RecordingKernel}, driven one {@link #segment()} at a time.
 * θ⁻ starts from other weights than θ, so a bootstrap taken from the wrong network shows.
 */
final class SegmentHarness implements AutoCloseable {
    final RecordingKernel kernel = new RecordingKernel();
    final ScriptedEnv env;
    final Mlp net;
    final SharedParams shared;
    final TrainingContext ctx;
    final ActorLearner worker;
    private final Arena arena = Arena.ofConfined();
    private final ActorLearner.Segments learner;
    private final JavaKernel oracle = new JavaKernel();
    private final Workspace probe;

    SegmentHarness(String algo, ScriptedEnv env, Hyperparameters hp, int lstm) {
        this.env = env;
        net = Trainer.network(algo, env, null, new int[] {8}, lstm, Activation.TANH, ValueNet.SHARED);
        boolean valueBased = !algo.equals("a3c");
        shared = new SharedParams(net.layout(), valueBased, 0);
        net.initialize(shared.theta(), 1);
        if (valueBased) net.initialize(shared.target(), 2);
        ctx = new TrainingContext(kernel, shared, 1_000_000, Double.NaN, 1_000_000);
        worker = Algorithm.parse(algo).worker(ctx, net, hp, env, 7, 0);
        learner = worker.learner(arena);
        probe = net.workspace(arena, 1);
    }

    /**
     * Hyperparameters for these tests: constant learning rate (the lr the loops see does not
     * depend on T), one final ε, clipping far above the gradients of this small net.
     */
    static Hyperparameters hp(int tMax, double gamma, long targetInterval, long epsilonSteps, double finalEpsilon) {
        return Hyperparameters.PAPER.withTMax(tMax).withGamma(gamma).withLr(1e-2).withLrSchedule(Hyperparameters.LrSchedule.CONSTANT)
                .withMaxGradNorm(1e6).withTargetInterval(targetInterval).withEpsilonSteps(epsilonSteps)
                .withEpsilons(new double[] {finalEpsilon}, new double[] {1.0});
    }

    int segment() {
        kernel.clear();
        return learner.segment();
    }

    float[] theta() {
        return read(shared.theta());
    }

    float[] target() {
        return read(shared.target());
    }

    private float[] read(MemorySegment s) {
        return s.asSlice(0, net.layout().byteSize()).toArray(JAVA_FLOAT);
    }

    /** Head {@code head}'s outputs on s_k of the script, for parameters {@code params}: a feed-forward pass of our own. */
    float[] outputs(float[] params, int head, int k) {
        MemorySegment.copy(params, 0, probe.params, JAVA_FLOAT, 0, params.length);
        float[] o = ScriptedEnv.obs(k);
        MemorySegment.copy(o, 0, probe.obsRow(0), JAVA_FLOAT, 0, o.length);
        probe.forward(oracle, 0);
        return probe.outRow(head, 0).toArray(JAVA_FLOAT);
    }

    static float max(float[] q) {
        float m = q[0];
        for (float v : q) m = Math.max(m, v);
        return m;
    }

    static int argmax(float[] q, int row, int A) {
        int best = 0;
        for (int a = 1; a < A; a++) if (q[row * A + a] > q[row * A + best]) best = a;
        return best;
    }

    @Override
    public void close() {
        arena.close();
        shared.close();
    }
}
