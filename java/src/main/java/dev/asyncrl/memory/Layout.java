package dev.asyncrl.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layout table: name, offset and shape of every parameter tensor of a network, in one flat
 * float32 index space. It is the only description of a network's parameters: the shared θ, the
 * RMSProp statistics g, each thread's θ' and dθ all use this same index space, and kernel calls,
 * checkpoints and ONNX export all read it. Offsets are rounded up to 16 floats (64 bytes, a cache
 * line) so that tensors start aligned for SIMD kernels.
 */
public final class Layout {

    /** One parameter tensor: {@code offset} and {@link #size()} count floats, not bytes. */
    public record Tensor(String name, long offset, long[] shape) {
        public Tensor {
            shape = shape.clone();
        }

        public long size() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** This tensor's floats inside a block laid out by this table (θ, g, θ' or dθ). */
        public MemorySegment in(MemorySegment block) {
            return block.asSlice(offset * Float.BYTES, size() * Float.BYTES);
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + "@" + offset;
        }
    }

    public static final int ALIGN_FLOATS = 16;

    private final List<Tensor> tensors;
    private final Map<String, Tensor> byName;
    private final long size;

    private Layout(List<Tensor> tensors, long size) {
        this.tensors = Collections.unmodifiableList(tensors);
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Tensor t : tensors) m.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(m);
        this.size = size;
    }

    /** Floats a block laid out by this table holds, padding included. */
    public long size() {
        return size;
    }

    public long byteSize() {
        return size * Float.BYTES;
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    public Tensor get(String name) {
        Tensor t = byName.get(name);
        if (t == null) throw new IllegalArgumentException("no tensor '" + name + "' in layout " + byName.keySet());
        return t;
    }

    /** Parameters a network really has (padding left out). */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors) n += t.size();
        return n;
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<Tensor> tensors = new ArrayList<>();
        private long next;

        public Builder add(String name, long... shape) {
            for (Tensor t : tensors) {
                if (t.name().equals(name)) throw new IllegalArgumentException("duplicate tensor " + name);
            }
            for (long d : shape) {
                if (d < 1) throw new IllegalArgumentException(name + ": every dimension must be >= 1, got " + Arrays.toString(shape));
            }
            Tensor t = new Tensor(name, next, shape);
            tensors.add(t);
            next = (next + t.size() + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
            return this;
        }

        public Layout build() {
            return new Layout(new ArrayList<>(tensors), next);
        }
    }
}
