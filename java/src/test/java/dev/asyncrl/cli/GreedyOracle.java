package dev.asyncrl.cli;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.StepResult;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A run's greedy policy read and played without the code under test (TrainedPolicy, Mlp, the
 * kernels, EvalCommand): θ from params.f32, the tensors' places from config.json's layout table,
 * the feed-forward pass written out here, and the episodes played as eval documents them (the
 * environment seeded once, then reset in turn). Sums run in the Java kernel's order, so an eval on
 * the Java kernel must reproduce these returns exactly.
 */
final class GreedyOracle {
    private final float[] theta;
    private final Map<String, JsonNode> tensors = new HashMap<>();
    private final int[] hidden;
    private final boolean relu;
    private final String head;  // policy logits, Q values, or the Gaussian's mean

    /** What the episodes came to. */
    record Episodes(double[] returns, int[] lengths) {
        double mean() {
            double s = 0;
            for (double r : returns) s += r;
            return s / returns.length;
        }

        double meanLength() {
            double s = 0;
            for (int l : lengths) s += l;
            return s / lengths.length;
        }

        double min() {
            double m = returns[0];
            for (double r : returns) m = Math.min(m, r);
            return m;
        }

        double max() {
            double m = returns[0];
            for (double r : returns) m = Math.max(m, r);
            return m;
        }
    }

    GreedyOracle(Path runDir) throws IOException {
        JsonNode config = new ObjectMapper().readTree(runDir.resolve("config.json").toFile());
        for (JsonNode t : config.get("layout")) tensors.put(t.get("name").asText(), t);
        // config.json records a preset's conv even for vector observations: the layout says what was built
        if (config.path("lstm").asInt(0) != 0 || tensors.containsKey("conv.0.weight")) {
            throw new IllegalArgumentException("the oracle plays feed-forward MLPs over vectors only");
        }
        hidden = new int[config.get("hidden").size()];
        for (int i = 0; i < hidden.length; i++) hidden[i] = config.get("hidden").get(i).asInt();
        relu = config.get("activation").asText().equals("relu");
        head = tensors.containsKey("mu.weight") ? "mu" : tensors.containsKey("q.weight") ? "q" : "policy";
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(runDir.resolve("params.f32"))).order(ByteOrder.LITTLE_ENDIAN);
        theta = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(theta);
    }

    /** y = b + W·x, W (out, in) row-major at the tensor's offset. */
    private float[] dense(String name, float[] x) {
        JsonNode w = tensors.get(name + ".weight");
        int out = w.get("shape").get(0).asInt(), in = w.get("shape").get(1).asInt();
        int wo = w.get("offset").asInt(), bo = tensors.get(name + ".bias").get("offset").asInt();
        if (in != x.length) throw new IllegalStateException(name + " reads " + in + " inputs, got " + x.length);
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            float acc = theta[bo + o];
            for (int i = 0; i < in; i++) acc += x[i] * theta[wo + o * in + i];
            y[o] = acc;
        }
        return y;
    }

    /** The head's outputs for one observation. */
    float[] outputs(float[] obs) {
        float[] x = obs;
        for (int k = 0; k < hidden.length; k++) {
            x = dense("torso." + k, x);
            for (int i = 0; i < x.length; i++) x[i] = relu ? Math.max(x[i], 0f) : (float) Math.tanh(x[i]);
        }
        return dense(head, x);
    }

    /** Plays {@code episodes} greedy episodes of {@code envName}: argmax (first on ties), or the mean μ. */
    Episodes play(String envName, long seed, int episodes) {
        Env e = Envs.create(envName);
        double[] returns = new double[episodes];
        int[] lengths = new int[episodes];
        StepResult r = new StepResult();
        int D = e.observationSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment obs = arena.allocate((long) D * Float.BYTES);
            MemorySegment action = arena.allocate((long) Math.max(1, e.actionDim()) * Float.BYTES);
            for (int ep = 0; ep < episodes; ep++) {
                if (ep == 0) e.reset(seed, obs);
                else e.reset(obs);
                do {
                    float[] out = outputs(obs.toArray(JAVA_FLOAT));
                    if (e.actionCount() > 0) {
                        int best = 0;
                        for (int a = 1; a < out.length; a++) if (out[a] > out[best]) best = a;
                        e.step(best, obs, r);
                    } else {
                        MemorySegment.copy(out, 0, action, JAVA_FLOAT, 0, out.length);
                        e.step(action, obs, r);
                    }
                    returns[ep] += r.reward;
                    lengths[ep]++;
                } while (!r.done());
            }
        }
        return new Episodes(returns, lengths);
    }
}
