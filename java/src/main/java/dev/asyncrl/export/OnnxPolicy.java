package dev.asyncrl.export;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.asyncrl.env.Env;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The greedy policy of an exported model, played by ONNX Runtime (CPU, one thread) one observation
 * at a time: argmax of the policy logits or of Q (ties to the lowest action), or the Gaussian's mean
 * μ (the environment clips it to its bounds), as {@code asyncrl eval --run} plays the native
 * network. An LSTM model's state goes from lstm.h_out/c_out back into lstm.h_in/c_in after each
 * step (and a separate value network's from value_lstm.h_out/c_out into value_lstm.h_in/c_in) and
 * starts each episode from zeros.
 *
 * <p>{@link #open} checks the model against the environment before anything is played: its
 * recorded env (metadata), the shape of its obs input, the width of the head it acts on; any
 * mismatch, or a file ONNX Runtime cannot load, is an IllegalArgumentException naming the cause.
 *
 * <p>Memory: the observation, the acted-on head and the LSTM state live in direct buffers that the
 * ONNX tensors wrap without copying, made once; the environment writes each observation straight
 * into the input tensor. The session belongs to this object and to one thread.
 */
public final class OnnxPolicy implements AutoCloseable {
    private final Path file;
    private final OrtSession session;
    private final Map<String, String> metadata;
    private final MemorySegment obs, head;
    private final MemorySegment[] stateIn, stateOut;  // every LSTM's h and c, before and after a step (pairs in input order)
    private final int headSize;
    private final Map<String, OnnxTensor> inputs = new HashMap<>();
    private final Map<String, OnnxTensor> outputs = new HashMap<>();

    private OnnxPolicy(Path file, OrtSession session, Env env) throws OrtException {
        this.file = file;
        this.session = session;
        this.metadata = session.getMetadata().getCustomMetadata();
        Map<String, NodeInfo> in = session.getInputInfo(), out = session.getOutputInfo();
        String where = "--onnx " + file;

        // Every check first, so that nothing is allocated for a model that is refused.
        int[] envShape = env.observationShape();
        long[] obsShape = shapeOf(in, OnnxExport.OBS, where);
        if (obsShape == null) {
            throw new IllegalArgumentException(where + " has no input named '" + OnnxExport.OBS + "' (inputs: " + in.keySet()
                    + "): not a policy exported by asyncrl");
        }
        long[] oneObs = new long[envShape.length + 1];
        oneObs[0] = 1;
        for (int i = 0; i < envShape.length; i++) oneObs[i + 1] = envShape[i];
        if (!fits(obsShape, oneObs)) {
            throw new IllegalArgumentException(where + " takes observations of shape " + dims(obsShape) + ", but " + env.id()
                    + " gives " + Arrays.toString(envShape));
        }
        String headName;
        if (env.actionCount() > 0) {
            headName = out.containsKey("policy") ? "policy" : out.containsKey("q") ? "q" : null;
            if (headName == null) {
                throw new IllegalArgumentException(where + " has neither a 'policy' nor a 'q' output (outputs: " + out.keySet()
                        + "), so it cannot choose among " + env.id() + "'s " + env.actionCount() + " actions");
            }
        } else {
            headName = "mu";
            if (!out.containsKey(headName)) {
                throw new IllegalArgumentException(where + " has no 'mu' output (outputs: " + out.keySet() + "), but " + env.id()
                        + " takes continuous actions");
            }
        }
        headSize = env.actionCount() > 0 ? env.actionCount() : env.actionDim();
        long[] headShape = shapeOf(out, headName, where);
        if (!fits(headShape, new long[] {1, headSize})) {
            throw new IllegalArgumentException(where + ": its '" + headName + "' output has shape " + dims(headShape) + ", but "
                    + env.id() + (env.actionCount() > 0 ? " has " + headSize + " actions" : " takes actions of " + headSize + " floats"));
        }
        // LSTM state: every input P + lstm.h_in (P = "" for the policy's torso, "value_" for a
        // separate value net's) with its P + lstm.c_in and outputs P + lstm.h_out, P + lstm.c_out
        List<String> states = new ArrayList<>();
        for (String name : in.keySet()) {
            if (!name.endsWith(OnnxExport.H_IN)) continue;
            String p = name.substring(0, name.length() - OnnxExport.H_IN.length());
            long[] h = shapeOf(in, name, where), c = shapeOf(in, p + OnnxExport.C_IN, where);
            long[] ho = shapeOf(out, p + OnnxExport.H_OUT, where), co = shapeOf(out, p + OnnxExport.C_OUT, where);
            if (h.length != 2 || h[1] < 1 || c == null || ho == null || co == null || !Arrays.equals(h, c) || !Arrays.equals(h, ho)
                    || !Arrays.equals(h, co)) {
                throw new IllegalArgumentException(where + ": an LSTM state needs inputs " + p + OnnxExport.H_IN + ", " + p + OnnxExport.C_IN
                        + " and outputs " + p + OnnxExport.H_OUT + ", " + p + OnnxExport.C_OUT + " of one shape (batch, H)");
            }
            states.add(p);
        }
        for (String name : in.keySet()) {
            boolean state = states.stream().anyMatch(p -> name.equals(p + OnnxExport.H_IN) || name.equals(p + OnnxExport.C_IN));
            if (!name.equals(OnnxExport.OBS) && !state) {
                throw new IllegalArgumentException(where + " has an input '" + name + "' that asyncrl does not know how to feed");
            }
        }

        OrtEnvironment ort = OrtEnvironment.getEnvironment();
        obs = buffer(env.observationSize());
        head = buffer(headSize);
        inputs.put(OnnxExport.OBS, tensor(ort, obs, oneObs));
        outputs.put(headName, tensor(ort, head, new long[] {1, headSize}));
        int S = states.size();
        stateIn = new MemorySegment[2 * S];
        stateOut = new MemorySegment[2 * S];
        for (int i = 0; i < S; i++) {
            String p = states.get(i);
            int H = Math.toIntExact(shapeOf(in, p + OnnxExport.H_IN, where)[1]);
            long[] shape = {1, H};
            String[] names = {p + OnnxExport.H_IN, p + OnnxExport.C_IN};
            String[] outNames = {p + OnnxExport.H_OUT, p + OnnxExport.C_OUT};
            for (int q = 0; q < 2; q++) {
                stateIn[2 * i + q] = buffer(H);
                stateOut[2 * i + q] = buffer(H);
                inputs.put(names[q], tensor(ort, stateIn[2 * i + q], shape));
                outputs.put(outNames[q], tensor(ort, stateOut[2 * i + q], shape));
            }
        }
    }

    /**
     * Loads {@code file} and checks it against {@code env} (command-line name {@code envName}): a
     * model that records another env, takes another observation shape or acts on another action
     * space is refused.
     */
    public static OnnxPolicy open(Path file, String envName, Env env) {
        String where = "--onnx " + file;
        if (!Files.exists(file)) throw new IllegalArgumentException(where + ": no such file");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(where + " is not a file");
        OrtSession session;
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // Single-row inference of small networks: one thread, the eval's own.
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            session = OrtEnvironment.getEnvironment().createSession(file.toString(), options);
        } catch (OrtException e) {
            throw new IllegalArgumentException(where + " is not a model ONNX Runtime can load (" + firstLine(e.getMessage()) + ")");
        }
        try {
            Map<String, String> meta = session.getMetadata().getCustomMetadata();
            String recorded = meta.get(OnnxExport.META_ENV);
            if (recorded != null && !recorded.equals(envName)) {
                throw new IllegalArgumentException(where + " is a policy for " + recorded
                        + Optional.ofNullable(meta.get(OnnxExport.META_ENV_ID)).map(id -> " (" + id + ")").orElse("") + ", not for --env "
                        + envName + " (" + env.id() + ")");
            }
            String shape = meta.get(OnnxExport.META_OBSERVATION_SHAPE);
            String envShape = Arrays.toString(env.observationShape()).replace(" ", "");
            if (shape != null && !shape.equals(envShape)) {
                throw new IllegalArgumentException(where + " records observations of shape " + shape + ", but --env " + envName
                        + " gives " + envShape);
            }
            return new OnnxPolicy(file, session, env);
        } catch (OrtException e) {
            closeQuietly(session);
            throw new IllegalArgumentException(where + ": ONNX Runtime cannot describe the model (" + firstLine(e.getMessage()) + ")");
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    /** The model's metadata_props (empty for a model that has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The algorithm the model was trained with, from its metadata; "unknown" when it records none. */
    public String algo() {
        return metadata.getOrDefault(OnnxExport.META_ALGO, "unknown");
    }

    /** Where the environment writes the observation the next {@link #act} reads: the obs input's memory. */
    public MemorySegment observation() {
        return obs;
    }

    /** A new episode: an LSTM model's state starts from zeros. */
    public void startEpisode() {
        for (MemorySegment m : stateIn) m.fill((byte) 0);
    }

    /** The greedy action for the current observation: argmax of the policy logits or of Q. */
    public int act() {
        step();
        int best = 0;
        float bestValue = head.getAtIndex(JAVA_FLOAT, 0);
        for (int a = 1; a < headSize; a++) {
            float v = head.getAtIndex(JAVA_FLOAT, a);
            if (v > bestValue) {
                bestValue = v;
                best = a;
            }
        }
        return best;
    }

    /** Continuous actions: writes the Gaussian's mean μ into {@code action} (actionDim floats). */
    public void act(MemorySegment action) {
        step();
        MemorySegment.copy(head, 0, action, 0, head.byteSize());
    }

    private void step() {
        try (OrtSession.Result ignored = session.run(inputs, outputs)) {
            // The outputs land in the pinned buffers; the result owns nothing of them.
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to run " + file + ": " + firstLine(e.getMessage()), e);
        }
        for (int i = 0; i < stateIn.length; i++) {  // the state after this step is the next step's input
            MemorySegment.copy(stateOut[i], 0, stateIn[i], 0, stateIn[i].byteSize());
        }
    }

    @Override
    public void close() {
        for (OnnxTensor t : inputs.values()) t.close();
        for (OnnxTensor t : outputs.values()) t.close();
        closeQuietly(session);
    }

    /** A zeroed direct buffer of n floats in native order, as a segment. */
    private static MemorySegment buffer(int n) {
        return MemorySegment.ofBuffer(ByteBuffer.allocateDirect(n * Float.BYTES));
    }

    /** A tensor that wraps {@code buffer}'s memory (direct, native order: ONNX Runtime copies nothing). */
    private static OnnxTensor tensor(OrtEnvironment ort, MemorySegment buffer, long[] shape) throws OrtException {
        return OnnxTensor.createTensor(ort, buffer.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer(), shape);
    }

    /** The tensor shape of input or output {@code name}; null when there is none. Symbolic dimensions are -1. */
    private static long[] shapeOf(Map<String, NodeInfo> nodes, String name, String where) {
        NodeInfo n = nodes.get(name);
        if (n == null) return null;
        if (!(n.getInfo() instanceof TensorInfo t) || t.type != ai.onnxruntime.OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException(where + ": '" + name + "' is not a float32 tensor (" + n.getInfo() + ")");
        }
        return t.getShape();
    }

    /** A declared shape fits a concrete one when the ranks agree and every fixed dimension matches. */
    private static boolean fits(long[] declared, long[] concrete) {
        if (declared.length != concrete.length) return false;
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] >= 0 && declared[i] != concrete[i]) return false;
        }
        return true;
    }

    private static String dims(long[] shape) {
        return Arrays.toString(shape).replace("-1", "batch");
    }

    private static String firstLine(String s) {
        return s == null ? "no message" : s.lines().findFirst().orElse("");
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException ignored) {
            // closing a session that failed half-way: nothing left to report
        }
    }
}
