package dev.asyncrl.api;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.export.OnnxExport;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainedPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A trained policy: its own copy of θ and one row of activations off-heap (free them with
 * {@link #close()}), and the kernel it computes with. Greedy actions are the argmax of the policy
 * logits (A3C) or of Q (the value-based methods), ties to the lowest action; for a Gaussian
 * policy, the mean μ. Sampled actions draw from π(·|s) as A3C does while training (a value-based
 * policy is greedy in Q: sampling gives its greedy action). An LSTM policy carries its state from
 * call to call: call {@link #reset()} when an episode starts. Not thread-safe: one thread at a time.
 */
public final class Policy implements AutoCloseable {
    private final TrainedPolicy policy;
    private final Kernel kernel;
    private final Map<String, String> metadata;
    private final MemorySegment obs;          // (observationSize) the network's input row
    private final int observationSize, actionCount, actionDim;
    private final float low, high;
    private final float[] action;             // (actionDim) a continuous action, on the heap
    private final MemorySegment actionSegment;

    Policy(TrainedPolicy policy, Kernel kernel, Map<String, String> metadata, int actionCount, int actionDim, float low, float high) {
        this.policy = policy;
        this.kernel = kernel;
        this.metadata = Map.copyOf(metadata);
        this.obs = policy.observation();
        this.observationSize = policy.network().obsSize();
        this.actionCount = actionCount;
        this.actionDim = actionDim;
        this.low = low;
        this.high = high;
        this.action = new float[actionDim];
        this.actionSegment = MemorySegment.ofArray(action);
    }

    /** The method that trained it: a3c, nstep-q, onestep-q or onestep-sarsa. */
    public String algorithm() { return policy.algo(); }

    /** Floats in an observation. */
    public int observationSize() { return observationSize; }

    /** Discrete actions: how many; 0 for a Gaussian policy. */
    public int actionCount() { return actionCount; }

    /** A Gaussian policy: floats in an action; 0 for discrete actions. */
    public int actionDim() { return actionDim; }

    /** A new episode: an LSTM policy starts again from zero state (a feed-forward one has none). */
    public void reset() {
        policy.startEpisode();
    }

    /** The greedy action for {@code observation} (observationSize() floats). */
    public int act(float[] observation) {
        load(observation, true);
        return policy.act(kernel);
    }

    /** An action drawn from π(·|observation) with {@code random}. */
    public int act(float[] observation, SplittableRandom random) {
        load(observation, true);
        return policy.sample(kernel, random);
    }

    /** A Gaussian policy's greedy action μ, clipped to the environment's bounds, as a new array. */
    public float[] actContinuous(float[] observation) {
        float[] a = new float[actionDim];
        actContinuous(observation, a);
        return a;
    }

    /** The same, written into {@code into} (actionDim() floats). */
    public void actContinuous(float[] observation, float[] into) {
        load(observation, false);
        policy.act(kernel, actionSegment);
        clipInto(into);
    }

    /** A Gaussian policy's action drawn from N(μ, σ²I) with {@code random}, clipped to the bounds, into {@code into}. */
    public void actContinuous(float[] observation, float[] into, SplittableRandom random) {
        load(observation, false);
        policy.sample(kernel, actionSegment, random);
        clipInto(into);
    }

    /**
     * Writes the policy as the ONNX model {@code asyncrl export} writes (see the README, "ONNX"):
     * the network's graph, θ as initializers named as the layout table, the metadata. Replaces
     * {@code file} if it exists; UncheckedIOException if it cannot be written.
     */
    public void exportOnnx(Path file) {
        try {
            OnnxExport.write(policy.network(), policy.parameters(), metadata, file);
        } catch (IOException e) {
            try {
                java.nio.file.Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".tmp"));
            } catch (IOException ignored) {
                // where nothing could be written there is nothing to remove
            }
            throw new UncheckedIOException("cannot write " + file + ": " + RunDirectory.reason(e), e);
        }
    }

    /** Frees θ and the activations, and closes the kernel. */
    @Override
    public void close() {
        try {
            policy.close();
        } finally {
            kernel.close();
        }
    }

    private void load(float[] observation, boolean discrete) {
        if (discrete != (actionCount > 0)) {
            throw new IllegalStateException(discrete ? "a Gaussian policy: use actContinuous" : "discrete actions: use act");
        }
        if (observation.length != observationSize) {
            throw new IllegalArgumentException("the observation holds " + observation.length + " floats, the policy takes " + observationSize);
        }
        MemorySegment.copy(observation, 0, obs, JAVA_FLOAT, 0, observationSize);
    }

    private void clipInto(float[] into) {
        if (into.length != actionDim) throw new IllegalArgumentException("the action array holds " + into.length + " floats, not " + actionDim);
        for (int d = 0; d < actionDim; d++) into[d] = Math.clamp(action[d], low, high);
    }
}
