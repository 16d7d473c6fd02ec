package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.crdt.pncounter.PNCounter;
import com.hazelcast.topic.ITopic;
import dev.asyncrl.net.Mlp;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Question (issue 14, java/results/cluster-design.md): can Hazelcast's data path carry θ between
 * asyncrl nodes, and through which of its structures? Two Hazelcast members on 127.0.0.1 in two
 * JVMs: JMH's fork runs the one that measures and starts the other ({@link Member}) as a child
 * process with the same class path. TCP/IP join with an explicit member list (no multicast), a
 * random cluster name, both bound to loopback. A new pair per trial (about 5 s of setup).
 *
 * <p>θ is the A3C net's parameter block (its layout's floats, padding included; nets as
 * {@link NetBench} builds them): minatar 132,720 floats (530,880 bytes; 132,695 parameters), atari
 * 677,968 (2,711,872 bytes; 677,943). It is split into shards of {@code shard} floats, each a byte[]
 * of little-endian floats under its index in an IMap partitioned across both members (OBJECT
 * in-memory format, so an entry processor adds into the stored array; one asynchronous backup, so a
 * dead node's shards survive). The measuring member owns about half the shards, as one of two nodes
 * would. One op moves a whole θ:
 * <pre>
 *   pull      getAll of every shard, each copied into an off-heap θ;
 *   push      the off-heap delta copied into one byte[] per shard, then one entry processor per
 *             shard (submitToKey, all in flight at once) adding it to the shard on its owner (and
 *             on its backup), returning nothing; the op ends when every shard has answered;
 *   pushPull  the same processor returning the updated shard, copied into the off-heap θ;
 *   putAll    every shard replaced by the off-heap θ's bytes (IMap.putAll);
 *   topic     every shard's delta published on an ITopic (the all-to-all alternative: each node
 *             would apply everyone's deltas); the op ends when the other member, having received
 *             the last shard, acknowledges it on a second topic.
 * </pre>
 * And two small ops, what keeping T and the episode statistics global would cost:
 * <pre>
 *   counter   PNCounter.addAndGet (a CRDT: answered by the local replica, replicated in the background);
 *   stats     IMap.set of a 64-byte record under a key the other member owns: one round trip.
 * </pre>
 * SampleTime gives JMH's latency of an op. At the end of each trial the fork prints one row
 * starting "hz|" ({@code grep '^hz|'} gives the table): net | shard | shards (owned by the
 * measuring member) | op | ops measured | p50 ms | p99 ms | mean ms | MB/s (θ bytes ÷ mean) | CPU
 * ms per op of the measuring JVM | CPU ms per op of the peer JVM, over the measurement iterations.
 * {@code -jvmArgsAppend -Dasyncrl.bench.hz.backups=0} measures without the backup,
 * {@code -Dasyncrl.bench.hz.lite=true} from a lite member that owns no shard.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 2, time = 1)
@Fork(value = 1, jvmArgsAppend = {
        "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
        "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens", "java.management/sun.management=ALL-UNNAMED",
        "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2"})
public class HazelcastExchangeBench {

    /**
     * The JVM options Hazelcast asks for on JDK 9+ (else it logs warnings and loses some metrics), and
     * a common pool of 2: on 2 cores it has parallelism 1, and then Hazelcast (ConcurrencyUtil) runs
     * every asynchronous completion on a new thread, which made a MinAtar push about 5× slower
     * (java/results/cluster-design.md). The fork gets the same list through {@code @Fork} above.
     */
    static final List<String> HAZELCAST_JVM_OPTIONS = List.of(
            "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");

    static final String MAP = "theta", DATA = "deltas", ACK = "acks", STEPS = "T", STATS = "episodes";
    /** System property: the map's asynchronous backups (default 1; 0 measures what the backup costs). */
    static final String BACKUPS = "asyncrl.bench.hz.backups";
    /** System property: true makes the measuring member a lite member, owning no shard (all remote, no backup). */
    static final String LITE = "asyncrl.bench.hz.lite";
    static final int FACTORY = 1;
    /** Shard bytes are little-endian floats: a memcpy to and from off-heap θ on x86-64 and AArch64. */
    static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    /** A topic message: shard index and shard count (little-endian ints), then the shard's delta. */
    static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    /** Hazelcast logs through java.util.logging: warnings only (a strong reference keeps the level). */
    static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");
    /** Environment steps one counter op adds to T: a 2-thread node's steps in ~10 ms (200k steps/s). */
    static final long STEPS_PER_EXCHANGE = 2_000;

    /** The two members, and what each trial measures: op latencies, wall and CPU time of the measurement iterations. */
    @State(Scope.Benchmark)
    public static class Cluster {
        HazelcastInstance hz;
        Process peer;
        final Semaphore acked = new Semaphore(0);
        PNCounter steps;
        IMap<Integer, byte[]> stats;
        int statsKey;
        /** A node's episode statistics since its last report: episodes, sum of returns, sum of lengths, ... */
        final byte[] statsRecord = new byte[64];
        String op;
        /** Set by {@link Theta}: the row's net, shard and shards columns, and θ's bytes. */
        String what = String.format("%-7s | %6s | %15s", "-", "-", "-");
        long thetaBytes;

        private final long[] latencies = new long[1 << 20];
        private int measured;
        private boolean measuring;
        private long wallStart, wall, cpuStart, peerCpuStart, cpu, peerCpu;

        @Setup
        public void setup(BenchmarkParams params) throws Exception {
            HAZELCAST_LOG.setLevel(Level.WARNING);
            String b = params.getBenchmark();
            op = b.substring(b.lastIndexOf('.') + 1);
            int port, peerPort;
            try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 ServerSocket c = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = a.getLocalPort();
                peerPort = c.getLocalPort();
            }
            String cluster = "asyncrl-bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
            // the peer's JVM boots while this member starts; it starts its member on "go", after this
            // one is up, so that it joins it rather than forming a cluster of its own
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(HAZELCAST_JVM_OPTIONS);
            for (String o : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (o.startsWith("--sun-misc-unsafe-memory-access") || o.startsWith("-D" + BACKUPS)) cmd.add(o);
            }
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Member.class.getName(),
                    cluster, Integer.toString(peerPort), Integer.toString(port)));
            peer = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Config config = config(cluster, port, peerPort).setLiteMember(Boolean.getBoolean(LITE));
            hz = Hazelcast.newHazelcastInstance(config);
            OutputStream toPeer = peer.getOutputStream();
            toPeer.write("go\n".getBytes(StandardCharsets.US_ASCII));
            toPeer.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (hz.getCluster().getMembers().size() < 2) {
                if (System.nanoTime() > deadline || !peer.isAlive()) throw new IllegalStateException("the peer member did not join");
                Thread.sleep(20);
            }
            hz.<byte[]>getTopic(ACK).addMessageListener(msg -> acked.release());
            // the peer's listener registration can race its join: ping on the deltas topic until it answers
            byte[] ping = new byte[8];
            INTS.set(ping, 4, 1);
            ITopic<byte[]> data = hz.getTopic(DATA);
            do {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the peer does not answer on the deltas topic");
                data.publish(ping);
            } while (!acked.tryAcquire(1, TimeUnit.SECONDS));
            Thread.sleep(100);
            acked.drainPermits();
            steps = hz.getPNCounter(STEPS);
            stats = hz.getMap(STATS);
            stats.containsKey(0);  // the first partition operation assigns the partitions
            while (!hz.getPartitionService().isClusterSafe()) Thread.sleep(20);
            statsKey = 0;
            while (isLocal(hz, statsKey)) statsKey++;
        }

        /** Whether this member owns {@code key}'s partition (waiting while the partition has no owner). */
        static boolean isLocal(HazelcastInstance hz, int key) throws InterruptedException {
            com.hazelcast.cluster.Member owner;
            while ((owner = hz.getPartitionService().getPartition(key).getOwner()) == null) Thread.sleep(20);
            return owner.localMember();
        }

        void record(long t0) {
            if (measuring && measured < latencies.length) latencies[measured++] = System.nanoTime() - t0;
        }

        @Setup(org.openjdk.jmh.annotations.Level.Iteration)
        public void iterationStart(IterationParams params) {
            measuring = params.getType() == IterationType.MEASUREMENT;
            if (!measuring) return;
            wallStart = System.nanoTime();
            cpuStart = processCpuNanos();
            peerCpuStart = peerCpuNanos();
        }

        @TearDown(org.openjdk.jmh.annotations.Level.Iteration)
        public void iterationEnd() {
            if (!measuring) return;
            wall += System.nanoTime() - wallStart;
            cpu += processCpuNanos() - cpuStart;
            peerCpu += peerCpuNanos() - peerCpuStart;
            measuring = false;
        }

        private static long processCpuNanos() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        }

        private long peerCpuNanos() {
            return peer.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }

        @TearDown
        public void tearDown() throws Exception {
            if (measured > 0) {
                long[] s = Arrays.copyOf(latencies, measured);
                Arrays.sort(s);
                double p50 = s[(int) (0.50 * (measured - 1))] / 1e6, p99 = s[(int) Math.ceil(0.99 * (measured - 1))] / 1e6;
                double mean = Arrays.stream(s).average().orElseThrow() / 1e6;
                String rate = thetaBytes == 0 ? "-" : String.format("%.1f", thetaBytes / 1e6 / (mean / 1e3));
                // one line, so that grep '^hz|' gives the table
                System.out.printf("%nhz| %s | %-8s | %7d | %8.3f | %8.3f | %8.3f | %8s | %7.3f | %7.3f |%n",
                        what, op, measured, p50, p99, mean, rate, cpu / 1e6 / measured, peerCpu / 1e6 / measured);
            }
            peer.getOutputStream().close();
            if (!peer.waitFor(20, TimeUnit.SECONDS)) peer.destroyForcibly();
            hz.getLifecycleService().terminate();
        }
    }

    /** θ, its delta and its shards in the map; the per-shard buffers each op reuses. */
    @State(Scope.Benchmark)
    public static class Theta {
        @Param({"minatar", "atari"})
        public String net;

        /** Floats per shard. */
        @Param({"4096", "16384", "65536"})
        public int shard;

        IMap<Integer, byte[]> map;
        ITopic<byte[]> data;
        private Arena arena;
        MemorySegment theta, delta;
        int shards;
        Set<Integer> keys;
        byte[][] deltaBytes, replacementBytes, messages;
        AddDelta[] adders, returningAdders;
        Map<Integer, byte[]> replacement;
        CompletableFuture<byte[]>[] inFlight;

        @Setup
        @SuppressWarnings("unchecked")
        public void setup(Cluster c) throws InterruptedException {
            Mlp m = NetBench.network(net);
            long floats = m.layout().size();
            long thetaBytes = floats * Float.BYTES;
            arena = Arena.ofShared();
            theta = arena.allocate(thetaBytes, 64);
            delta = arena.allocate(thetaBytes, 64);
            m.initialize(theta, 1);
            for (long i = 0; i < floats; i++) delta.setAtIndex(JAVA_FLOAT, i, 1e-7f);
            shards = (int) ((floats + shard - 1) / shard);

            map = c.hz.getMap(MAP);
            data = c.hz.getTopic(DATA);
            keys = new LinkedHashSet<>();
            deltaBytes = new byte[shards][];
            replacementBytes = new byte[shards][];
            messages = new byte[shards][];
            adders = new AddDelta[shards];
            returningAdders = new AddDelta[shards];
            replacement = new HashMap<>();
            inFlight = new CompletableFuture[shards];
            for (int i = 0; i < shards; i++) {
                int len = (int) Math.min((long) shard * Float.BYTES, thetaBytes - offset(i));
                keys.add(i);
                deltaBytes[i] = new byte[len];
                replacementBytes[i] = new byte[len];
                messages[i] = new byte[8 + len];
                INTS.set(messages[i], 0, i);
                INTS.set(messages[i], 4, shards);
                adders[i] = new AddDelta(deltaBytes[i], false);
                returningAdders[i] = new AddDelta(deltaBytes[i], true);
                replacement.put(i, replacementBytes[i]);
            }
            copyOut(theta, replacementBytes, 0);
            map.putAll(replacement);
            while (!c.hz.getPartitionService().isClusterSafe()) Thread.sleep(20);
            int localShards = 0;
            for (int i = 0; i < shards; i++) {
                if (Cluster.isLocal(c.hz, i)) localShards++;
            }
            if (map.getAll(keys).size() != shards) throw new IllegalStateException("the map lost shards");
            c.what = String.format("%-7s | %6d | %3d (%3d local)", net, shard, shards, localShards);
            c.thetaBytes = thetaBytes;
        }

        private long offset(int shardIndex) {
            return (long) shardIndex * shard * Float.BYTES;
        }

        /** Copies {@code from} (off-heap, θ's size) into the shard arrays, each at {@code skip} bytes in. */
        void copyOut(MemorySegment from, byte[][] to, int skip) {
            for (int i = 0; i < shards; i++) {
                MemorySegment.copy(from, JAVA_BYTE, offset(i), to[i], skip, to[i].length - skip);
            }
        }

        void copyIn(int shardIndex, byte[] bytes) {
            MemorySegment.copy(bytes, 0, theta, JAVA_BYTE, offset(shardIndex), bytes.length);
        }

        @TearDown
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    public void pull(Cluster c, Theta t) {
        long t0 = System.nanoTime();
        for (Map.Entry<Integer, byte[]> e : t.map.getAll(t.keys).entrySet()) t.copyIn(e.getKey(), e.getValue());
        c.record(t0);
    }

    @Benchmark
    public void push(Cluster c, Theta t) {
        long t0 = System.nanoTime();
        submitDelta(t, t.adders);
        for (int i = 0; i < t.shards; i++) t.inFlight[i].join();  // in turn: the caller parks, no callbacks
        c.record(t0);
    }

    @Benchmark
    public void pushPull(Cluster c, Theta t) {
        long t0 = System.nanoTime();
        submitDelta(t, t.returningAdders);
        for (int i = 0; i < t.shards; i++) t.copyIn(i, t.inFlight[i].join());
        c.record(t0);
    }

    /** The off-heap delta into each shard's byte[], then one entry processor per shard, all in flight (t.inFlight). */
    private static void submitDelta(Theta t, AddDelta[] processors) {
        t.copyOut(t.delta, t.deltaBytes, 0);
        for (int i = 0; i < t.shards; i++) t.inFlight[i] = t.map.submitToKey(i, processors[i]).toCompletableFuture();
    }

    @Benchmark
    public void putAll(Cluster c, Theta t) {
        long t0 = System.nanoTime();
        t.copyOut(t.theta, t.replacementBytes, 0);
        t.map.putAll(t.replacement);
        c.record(t0);
    }

    @Benchmark
    public void topic(Cluster c, Theta t) throws InterruptedException {
        long t0 = System.nanoTime();
        t.copyOut(t.delta, t.messages, 8);
        for (int i = 0; i < t.shards; i++) t.data.publish(t.messages[i]);
        c.acked.acquire();
        c.record(t0);
    }

    /** T made global: one node adds its steps since the last exchange to a PN counter (CRDT) and reads the sum. */
    @Benchmark
    public long counter(Cluster c) {
        long t0 = System.nanoTime();
        long T = c.steps.addAndGet(STEPS_PER_EXCHANGE);
        c.record(t0);
        return T;
    }

    /** Episode statistics made global: one node's small record set under a key the other member owns (one round trip). */
    @Benchmark
    public void stats(Cluster c) {
        long t0 = System.nanoTime();
        c.stats.set(c.statsKey, c.statsRecord);
        c.record(t0);
    }

    /** Both members' configuration: loopback only, TCP/IP join with the two addresses, no multicast. */
    static Config config(String cluster, int port, int peerPort) {
        Config c = new Config().setClusterName(cluster);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        NetworkConfig n = c.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        n.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        j.getTcpIpConfig().setEnabled(true).setMembers(List.of("127.0.0.1:" + port, "127.0.0.1:" + peerPort));
        int backups = Integer.getInteger(BACKUPS, 1);
        c.addMapConfig(new MapConfig(MAP).setInMemoryFormat(InMemoryFormat.OBJECT).setBackupCount(0).setAsyncBackupCount(backups));
        c.getSerializationConfig().addDataSerializableFactory(FACTORY, id -> id == AddDelta.ID ? new AddDelta() : null);
        return c;
    }

    /** Adds a float delta to the stored shard on its owner (and on the backup); optionally returns the result. */
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
            for (int i = 0; i < v.length; i += Float.BYTES) {
                FLOATS.set(v, i, (float) FLOATS.get(v, i) + (float) FLOATS.get(delta, i));
            }
            entry.setValue(v);
            return returnShard ? v : null;
        }

        @Override
        public int getFactoryId() {
            return FACTORY;
        }

        @Override
        public int getClassId() {
            return ID;
        }

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

    /**
     * The second member, in a JVM of its own: starts on "go" from its standard input, acknowledges
     * the last shard of each round of the deltas topic on the acks topic, and shuts down when its
     * standard input closes (also when the fork dies).
     */
    public static final class Member {
        public static void main(String[] args) throws IOException {
            HAZELCAST_LOG.setLevel(Level.WARNING);
            String cluster = args[0];
            int port = Integer.parseInt(args[1]), peerPort = Integer.parseInt(args[2]);
            for (int ch = System.in.read(); ch != '\n'; ch = System.in.read()) {
                if (ch == -1) return;
            }
            HazelcastInstance hz = Hazelcast.newHazelcastInstance(config(cluster, port, peerPort));
            ITopic<byte[]> ack = hz.getTopic(ACK);
            byte[] ackMessage = new byte[1];
            hz.<byte[]>getTopic(DATA).addMessageListener(msg -> {
                byte[] m = msg.getMessageObject();
                if ((int) INTS.get(m, 0) == (int) INTS.get(m, 4) - 1) ack.publish(ackMessage);
            });
            while (System.in.read() != -1) {
                // until the fork closes our standard input
            }
            hz.getLifecycleService().terminate();  // no graceful migration: the bench is over
        }
    }
}
