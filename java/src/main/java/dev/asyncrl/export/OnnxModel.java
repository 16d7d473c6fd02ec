package dev.asyncrl.export;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model being built, written as the protobuf bytes of an {@code onnx.ModelProto}: the graph's
 * nodes, initializers (float32, raw little-endian), inputs and outputs (float32 tensors whose
 * dimensions are numbers or symbolic names), and the model's metadata_props. It encodes only the
 * part of onnx.proto that asyncrl's networks need, field by field with protobuf-java's
 * CodedOutputStream; the field numbers are those of the upstream onnx/onnx.proto (proto2). It knows
 * nothing of networks: {@link OnnxExport} says what goes in.
 */
final class OnnxModel {

    // Field numbers of onnx.proto.
    private static final int MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3, MODEL_DOMAIN = 4,
            MODEL_DOC = 6, MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8, MODEL_METADATA_PROPS = 14;
    private static final int OPSET_DOMAIN = 1, OPSET_VERSION = 2;
    private static final int ENTRY_KEY = 1, ENTRY_VALUE = 2;
    private static final int GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_DOC = 10, GRAPH_INPUT = 11,
            GRAPH_OUTPUT = 12;
    private static final int NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5;
    private static final int ATTR_NAME = 1, ATTR_F = 2, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20;
    private static final int ATTR_TYPE_FLOAT = 1, ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7;
    private static final int TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9;
    private static final int DATA_TYPE_FLOAT = 1;
    private static final int VALUE_INFO_NAME = 1, VALUE_INFO_TYPE = 2, VALUE_INFO_DOC = 3;
    private static final int TYPE_TENSOR = 1, TYPE_TENSOR_ELEM_TYPE = 1, TYPE_TENSOR_SHAPE = 2;
    private static final int SHAPE_DIM = 1, DIM_VALUE = 1, DIM_PARAM = 2;

    /**
     * IR version 8 with the default domain's opset 17: the pair ONNX 1.12 introduced, which every
     * ONNX Runtime since 1.12 (and 1.29, the one asyncrl plays models with) loads.
     */
    static final int IR_VERSION = 8, OPSET = 17;

    /** One node: an operator, its inputs and outputs by name, and its attributes. */
    final class Node {
        private final Message m = new Message();

        private Node(String op, String name, List<String> inputs, List<String> outputs) {
            for (String in : inputs) m.string(NODE_INPUT, in);
            for (String out : outputs) m.string(NODE_OUTPUT, out);
            m.string(NODE_NAME, name);
            m.string(NODE_OP_TYPE, op);
        }

        Node attr(String name, long value) {
            m.message(NODE_ATTRIBUTE, new Message().string(ATTR_NAME, name).int64(ATTR_I, value).int64(ATTR_TYPE, ATTR_TYPE_INT));
            return this;
        }

        Node attr(String name, float value) {
            m.message(NODE_ATTRIBUTE, new Message().string(ATTR_NAME, name).float32(ATTR_F, value)
                    .int64(ATTR_TYPE, ATTR_TYPE_FLOAT));
            return this;
        }

        Node attrInts(String name, long... values) {
            Message a = new Message().string(ATTR_NAME, name);
            for (long v : values) a.int64(ATTR_INTS, v);
            m.message(NODE_ATTRIBUTE, a.int64(ATTR_TYPE, ATTR_TYPE_INTS));
            return this;
        }
    }

    private final List<Node> nodes = new ArrayList<>();
    private final List<Message> initializers = new ArrayList<>();
    private final List<Message> inputs = new ArrayList<>();
    private final List<Message> outputs = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a node named after its first output; its attributes follow on the returned node. */
    Node node(String op, List<String> in, String... out) {
        Node n = new Node(op, out[0], in, List.of(out));
        nodes.add(n);
        return n;
    }

    /** A float32 constant of shape {@code dims}, its values the first size(dims) floats of {@code data}. */
    void initializer(String name, long[] dims, MemorySegment data) {
        long n = 1;
        for (long d : dims) n *= d;
        byte[] raw = new byte[Math.toIntExact(n * Float.BYTES)];
        MemorySegment.copy(data, JAVA_FLOAT, 0, MemorySegment.ofArray(raw), JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, n);
        Message t = new Message();
        for (long d : dims) t.int64(TENSOR_DIMS, d);
        t.int64(TENSOR_DATA_TYPE, DATA_TYPE_FLOAT).string(TENSOR_NAME, name).bytes(TENSOR_RAW_DATA, raw);
        initializers.add(t);
    }

    /** A float32 scalar constant (shape []). */
    void scalar(String name, float value) {
        byte[] raw = new byte[Float.BYTES];
        MemorySegment.ofArray(raw).set(JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, value);
        initializers.add(new Message().int64(TENSOR_DATA_TYPE, DATA_TYPE_FLOAT).string(TENSOR_NAME, name).bytes(TENSOR_RAW_DATA, raw));
    }

    /** A graph input: a float32 tensor; each dimension a Long (its size) or a String (a symbolic name). */
    void input(String name, String doc, Object... dims) {
        inputs.add(valueInfo(name, doc, dims));
    }

    void output(String name, String doc, Object... dims) {
        outputs.add(valueInfo(name, doc, dims));
    }

    void metadata(String key, String value) {
        metadata.put(key, value);
    }

    private static Message valueInfo(String name, String doc, Object... dims) {
        Message shape = new Message();
        for (Object d : dims) {
            Message dim = new Message();
            if (d instanceof String param) dim.string(DIM_PARAM, param);
            else dim.int64(DIM_VALUE, ((Number) d).longValue());
            shape.message(SHAPE_DIM, dim);
        }
        Message tensor = new Message().int64(TYPE_TENSOR_ELEM_TYPE, DATA_TYPE_FLOAT).message(TYPE_TENSOR_SHAPE, shape);
        return new Message().string(VALUE_INFO_NAME, name).message(VALUE_INFO_TYPE, new Message().message(TYPE_TENSOR, tensor))
                .string(VALUE_INFO_DOC, doc);
    }

    /** The ModelProto's bytes. */
    byte[] toBytes(String graphName, String doc, String producer, String producerVersion) {
        Message graph = new Message();
        for (Node n : nodes) graph.message(GRAPH_NODE, n.m);
        graph.string(GRAPH_NAME, graphName);
        for (Message t : initializers) graph.message(GRAPH_INITIALIZER, t);
        graph.string(GRAPH_DOC, doc);
        for (Message i : inputs) graph.message(GRAPH_INPUT, i);
        for (Message o : outputs) graph.message(GRAPH_OUTPUT, o);

        Message model = new Message().int64(MODEL_IR_VERSION, IR_VERSION)
                .message(MODEL_OPSET_IMPORT, new Message().string(OPSET_DOMAIN, "").int64(OPSET_VERSION, OPSET))
                .string(MODEL_PRODUCER_NAME, producer).string(MODEL_PRODUCER_VERSION, producerVersion)
                .string(MODEL_DOMAIN, "dev.asyncrl").string(MODEL_DOC, doc).message(MODEL_GRAPH, graph);
        metadata.forEach((k, v) -> model.message(MODEL_METADATA_PROPS, new Message().string(ENTRY_KEY, k).string(ENTRY_VALUE, v)));
        return model.toBytes();
    }

    /**
     * One protobuf message being written: its fields in order, nested messages as length-delimited
     * bytes. Repeated scalars are written unpacked, which proto2 parsers read either way.
     */
    private static final class Message {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

        /** One write into the stream; CodedOutputStream declares IOException, which a byte array never throws. */
        private interface Write {
            void to(CodedOutputStream out) throws IOException;
        }

        private Message write(Write w) {
            try {
                w.to(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        Message int64(int field, long v) {
            return write(o -> o.writeInt64(field, v));
        }

        Message float32(int field, float v) {
            return write(o -> o.writeFloat(field, v));
        }

        Message string(int field, String s) {
            return write(o -> o.writeString(field, s));
        }

        Message bytes(int field, byte[] b) {
            return write(o -> o.writeByteArray(field, b));
        }

        Message message(int field, Message m) {
            return bytes(field, m.toBytes());
        }

        byte[] toBytes() {
            write(CodedOutputStream::flush);
            return bytes.toByteArray();
        }
    }
}
