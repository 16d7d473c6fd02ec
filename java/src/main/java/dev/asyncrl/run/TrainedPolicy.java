package dev.asyncrl.run;

import dev.asyncrl.algo.A3C;
import dev.asyncrl.algo.Algorithm;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.net.Activation;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.net.ValueNet;
import dev.asyncrl.net.Workspace;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The greedy policy of a run, rebuilt from its run directory: config.json names the
 * algorithm, the environment and the network (conv, hidden, lstm, activation, value_net), from which {@link
 * Trainer#network} builds the same network; its layout table must match the rebuilt one tensor for
 * tensor. θ comes from the run's checkpoint (checkpoint.safetensors, the {@code param.*} tensors,
 * verified as {@link Checkpoint} does: a run still training has one too), or, in a run directory
 * from before checkpoints, from params.f32, which must hold exactly the layout's floats. Greedy means argmax of the policy
 * logits for A3C and argmax of Q for the value-based methods (both are head 0); ties go to the lowest
 * action. For a Gaussian policy (continuous actions) it is the mean μ. An LSTM policy carries its
 * state from step to step and starts each episode from zero.
 *
 * <p>Every problem with the directory is an IllegalArgumentException naming the directory and the
 * file, which the command line reports as bad input (exit 2). Memory: θ and one row of
 * activations, in an arena owned by this object and used by one thread.
 */
public final class TrainedPolicy implements AutoCloseable {
    private final Arena arena;
    private final String algo;
    private final String envName;
    private final Mlp net;
    private final Workspace ws;

    private TrainedPolicy(Arena arena, String algo, String envName, Mlp net, Workspace ws) {
        this.arena = arena;
        this.algo = algo;
        this.envName = envName;
        this.net = net;
        this.ws = ws;
    }

    /** Reads {@code runDir}'s config.json and its checkpoint (or params.f32); throws IllegalArgumentException on any problem. */
    public static TrainedPolicy load(Path runDir) {
        String where = "--run " + runDir;
        if (!Files.exists(runDir)) throw new IllegalArgumentException(where + ": no such directory");
        if (!Files.isDirectory(runDir)) throw new IllegalArgumentException(where + " is a file, not a run directory");
        Path configFile = runDir.resolve(RunDirectory.CONFIG);
        if (!Files.isRegularFile(configFile)) {
            throw new IllegalArgumentException(where + " holds no " + RunDirectory.CONFIG + ": not a run directory");
        }
        JsonNode config;
        try {
            config = RunDirectory.JSON.readTree(configFile.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": " + RunDirectory.CONFIG + " cannot be read ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        String algo = text(config, "algo", where);
        String envName = text(config, "env", where);
        String activation = text(config, "activation", where);
        JsonNode hiddenNode = field(config, "hidden", where);
        JsonNode layoutNode = field(config, "layout", where);
        if (!Algorithm.exists(algo)) throw new IllegalArgumentException(where + ": config.json names an unknown algo '" + algo + "'");
        if (!Envs.exists(envName)) throw new IllegalArgumentException(where + ": config.json names an unknown env '" + envName + "'");
        Env env = Envs.create(envName);
        int[] hidden = new int[hiddenNode.size()];
        for (int i = 0; i < hidden.length; i++) hidden[i] = hiddenNode.get(i).asInt();
        Mlp net;
        try {
            JsonNode convNode = config.get("conv");
            int[] conv = null;
            if (convNode != null && convNode.isArray()) {
                conv = new int[convNode.size()];
                for (int i = 0; i < conv.length; i++) conv[i] = convNode.get(i).asInt();
            }
            JsonNode lstmNode = config.get("lstm");
            JsonNode valueNetNode = config.get("value_net");  // absent in runs from before --value-net: shared
            net = Trainer.network(algo, env, conv, hidden, lstmNode == null ? 0 : lstmNode.asInt(), Activation.parse(activation),
                    valueNetNode == null || valueNetNode.isNull() ? ValueNet.SHARED : ValueNet.parse(valueNetNode.asText()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": config.json describes no network (" + e.getMessage() + ")");
        }
        checkLayout(net.layout(), layoutNode, where);

        Path checkpointFile = runDir.resolve(Checkpoint.FILE);
        if (Files.exists(checkpointFile)) return fromCheckpoint(checkpointFile, algo, envName, net, where);
        Path paramsFile = runDir.resolve(RunDirectory.PARAMS);
        if (!Files.isRegularFile(paramsFile)) {
            throw new IllegalArgumentException(where + " has no " + RunDirectory.PARAMS + " and no " + Checkpoint.FILE
                    + " (a run that has not written its first checkpoint yet has neither)");
        }
        long floats = net.layout().size();
        long bytes;
        try {
            bytes = Files.size(paramsFile);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": " + RunDirectory.PARAMS + " cannot be read (" + e.getMessage() + ")");
        }
        if (bytes != floats * Float.BYTES) {
            throw new IllegalArgumentException(where + ": " + RunDirectory.PARAMS + " holds " + bytes + " bytes, but the layout in "
                    + RunDirectory.CONFIG + " needs " + floats + " float32 (" + floats * Float.BYTES + " bytes)");
        }

        Arena arena = Arena.ofConfined();
        try {
            Workspace ws = net.workspace(arena, 2);  // row 1 holds the LSTM state after a step
            MemorySegment raw = arena.allocate(bytes, Float.BYTES);
            try (FileChannel ch = FileChannel.open(paramsFile, StandardOpenOption.READ)) {
                var buf = raw.asByteBuffer();
                while (buf.hasRemaining()) {
                    if (ch.read(buf) < 0) throw new IOException("the file ended early");
                }
            }
            MemorySegment.copy(raw, JAVA_FLOAT.withOrder(ByteOrder.LITTLE_ENDIAN), 0, ws.params, JAVA_FLOAT, 0, floats);
            requireFinite(ws.params, floats, where + ": " + RunDirectory.PARAMS);
            return new TrainedPolicy(arena, algo, envName, net, ws);
        } catch (IOException e) {
            arena.close();
            throw new IllegalArgumentException(where + ": " + RunDirectory.PARAMS + " cannot be read (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The policy of θ just trained, with no run directory (the library's Policy): {@code theta}
     * (laid out by {@code net.layout()}) is copied into this object's own arena, which one thread
     * at a time may use (a shared arena: the trainer's thread builds it, any thread may act).
     */
    public static TrainedPolicy of(String algo, String envName, Mlp net, MemorySegment theta) {
        Arena arena = Arena.ofShared();
        try {
            Workspace ws = net.workspace(arena, 2);  // row 1 holds the LSTM state after a step
            MemorySegment.copy(theta, 0, ws.params, 0, net.layout().byteSize());
            return new TrainedPolicy(arena, algo, envName, net, ws);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static TrainedPolicy fromCheckpoint(Path file, String algo, String envName, Mlp net, String where) {
        Checkpoint ckpt;
        try {
            ckpt = Checkpoint.read(file);
            ckpt.requireLayout(net.layout());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage());
        }
        Arena arena = Arena.ofConfined();
        try {
            Workspace ws = net.workspace(arena, 2);  // row 1 holds the LSTM state after a step
            ckpt.copyInto(Checkpoint.PARAM, net.layout(), ws.params);
            requireFinite(ws.params, net.layout().size(), where + ": " + Checkpoint.FILE);
            return new TrainedPolicy(arena, algo, envName, net, ws);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static void requireFinite(MemorySegment params, long floats, String what) {
        for (long i = 0; i < floats; i++) {
            float v = params.getAtIndex(JAVA_FLOAT, i);
            if (!Float.isFinite(v)) throw new IllegalArgumentException(what + " holds " + v + " at index " + i + " (the training diverged)");
        }
    }

    /** The rebuilt network's layout must be the one the run recorded: same names, offsets and shapes. */
    private static void checkLayout(Layout layout, JsonNode recorded, String where) {
        List<Layout.Tensor> tensors = layout.tensors();
        String mismatch = where + ": the layout in config.json does not match the network rebuilt from its algo, env, hidden and activation";
        if (!recorded.isArray() || recorded.size() != tensors.size()) {
            throw new IllegalArgumentException(mismatch + " (" + recorded.size() + " tensors recorded, " + tensors.size() + " rebuilt)");
        }
        for (int i = 0; i < tensors.size(); i++) {
            Layout.Tensor t = tensors.get(i);
            JsonNode r = recorded.get(i);
            long[] shape = new long[r.path("shape").size()];
            for (int d = 0; d < shape.length; d++) shape[d] = r.path("shape").get(d).asLong();
            if (!t.name().equals(r.path("name").asText()) || t.offset() != r.path("offset").asLong(-1)
                    || !Arrays.equals(t.shape(), shape)) {
                throw new IllegalArgumentException(mismatch + " (recorded " + r.path("name").asText() + Arrays.toString(shape) + "@"
                        + r.path("offset").asText() + ", rebuilt " + t + ")");
            }
        }
    }

    private static JsonNode field(JsonNode config, String name, String where) {
        JsonNode n = config.get(name);
        if (n == null || n.isNull()) throw new IllegalArgumentException(where + ": config.json lacks '" + name + "'");
        return n;
    }

    private static String text(JsonNode config, String name, String where) {
        return field(config, name, where).asText();
    }

    public String algo() {
        return algo;
    }

    /** The environment's command-line name, as config.json records it. */
    public String envName() {
        return envName;
    }

    public Mlp network() {
        return net;
    }

    /** θ as read from the run, laid out by {@code network().layout()}; read-only (ONNX export reads it). */
    public MemorySegment parameters() {
        return ws.params.asReadOnly();
    }

    /** Where the environment writes the observation the next {@link #act} reads: (D) float32. */
    public MemorySegment observation() {
        return ws.obsRow(0);
    }

    /** A new episode: an LSTM policy forgets its state. */
    public void startEpisode() {
        ws.resetState();
    }

    /**
     * Continuous actions: the greedy action of the Gaussian policy, its mean μ (head 0), written
     * into {@code action} (D floats); the environment clips it.
     */
    public void act(Kernel kernel, MemorySegment action) {
        ws.forward(kernel, 0);
        ws.carryState(1);
        MemorySegment.copy(ws.outRow(0, 0), 0, action, 0, ws.outRow(0, 0).byteSize());
    }

    /** The greedy action for the current observation: argmax of head 0 (policy logits or Q). */
    public int act(Kernel kernel) {
        ws.forward(kernel, 0);
        ws.carryState(1);  // LSTM: the state after this step is the next step's input
        int best = 0;
        float bestValue = ws.output(0, 0, 0);
        for (int a = 1; a < net.actions(); a++) {
            float v = ws.output(0, 0, a);
            if (v > bestValue) {
                bestValue = v;
                best = a;
            }
        }
        return best;
    }

    /**
     * A sampled action for the current observation, a ~ π(·|s) (softmax of the policy logits, as
     * A3C acts while it trains); the value-based methods' policy is greedy in Q: their greedy action.
     */
    public int sample(Kernel kernel, SplittableRandom rng) {
        if (Algorithm.parse(algo).valueBased()) return act(kernel);
        ws.forward(kernel, 0);
        ws.carryState(1);
        return A3C.sample(ws.outRow(Mlp.POLICY, 0), net.actions(), rng);
    }

    /** Continuous actions: a ~ N(μ, σ²I), as A3C acts while it trains, written into {@code action} (D floats). */
    public void sample(Kernel kernel, MemorySegment action, SplittableRandom rng) {
        ws.forward(kernel, 0);
        ws.carryState(1);
        A3C.sampleGaussian(action, ws.outRow(Mlp.MU, 0), ws.output(Mlp.VAR, 0, 0), (int) (action.byteSize() / Float.BYTES), rng);
    }

    @Override
    public void close() {
        arena.close();
    }
}
