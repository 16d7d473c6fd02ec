package dev.asyncrl.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * The operations the cluster runs on its members' data: entry processors that run on the owner of
 * a key (and again on its backup), sent as {@link IdentifiedDataSerializable} (no Java
 * serialization on the data path).
 */
final class Ops {
    private Ops() {}

    static final int FACTORY = 0x6173;

    /** θ's shards as little-endian float32 in byte arrays. */
    static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    static final DataSerializableFactory FACTORY_IMPL = id -> switch (id) {
        case AddDelta.ID -> new AddDelta();
        case AddLong.ID -> new AddLong();
        default -> null;
    };

    /** shard ← shard + δ on the shard's owner; returns a copy of the new shard (the pull of the same round trip). */
    static final class AddDelta implements EntryProcessor<Integer, byte[], byte[]>, IdentifiedDataSerializable {
        static final int ID = 1;
        private byte[] delta;
        private boolean returnShard;

        AddDelta() {}

        AddDelta(byte[] delta, boolean returnShard) {
            this.delta = delta;
            this.returnShard = returnShard;
        }

        @Override
        public byte[] process(Map.Entry<Integer, byte[]> entry) {
            byte[] v = entry.getValue();
            if (v == null || v.length != delta.length) {
                throw new IllegalStateException("shard " + entry.getKey() + " has " + (v == null ? "no value" : v.length + " bytes")
                        + ", the delta " + delta.length);
            }
            for (int i = 0; i < v.length; i += Float.BYTES) {
                FLOATS.set(v, i, (float) FLOATS.get(v, i) + (float) FLOATS.get(delta, i));
            }
            entry.setValue(v);
            return returnShard ? v.clone() : null;
        }

        @Override
        public EntryProcessor<Integer, byte[], byte[]> getBackupProcessor() {
            return returnShard ? new AddDelta(delta, false) : this;
        }

        @Override
        public int getFactoryId() { return FACTORY; }

        @Override
        public int getClassId() { return ID; }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeBoolean(returnShard);
            out.writeByteArray(delta);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            returnShard = in.readBoolean();
            delta = in.readByteArray();
        }
    }

    /** value ← value + d (a missing value counts as 0); returns the new value. T, node numbers. */
    static final class AddLong implements EntryProcessor<String, Object, Long>, IdentifiedDataSerializable {
        static final int ID = 2;
        private long d;

        AddLong() {}

        AddLong(long d) {
            this.d = d;
        }

        @Override
        public Long process(Map.Entry<String, Object> entry) {
            long v = (entry.getValue() instanceof Long l ? l : 0L) + d;
            entry.setValue(v);
            return v;
        }

        @Override
        public int getFactoryId() { return FACTORY; }

        @Override
        public int getClassId() { return ID; }

        @Override
        public void writeData(ObjectDataOutput out) throws IOException {
            out.writeLong(d);
        }

        @Override
        public void readData(ObjectDataInput in) throws IOException {
            d = in.readLong();
        }
    }
}
