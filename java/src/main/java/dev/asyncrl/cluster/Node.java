package dev.asyncrl.cluster;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.collection.IQueue;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.asyncrl.algo.TrainingContext;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.run.Checkpoint;
import dev.asyncrl.run.ClusterLink;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One node of a run across several processes: an embedded Hazelcast member, and the exchanger
 * thread that moves this node's accumulated change of θ to the cluster's θ and the cluster's θ back
 * (java/results/cluster-design.md has the rule and the measurements behind it). The node's
 * actor-learners never talk to the cluster: they update the node's own θ as on one machine.
 *
 * <p>The cluster holds: {@code theta}, θ in shards of S floats (little-endian byte arrays, one
 * asynchronous backup); {@code g}, the Shared RMSProp statistics in the same shards (refreshed by
 * each node now and then, read by a node that joins); {@code run}, the run's record (T, the
 * configuration, the versions, the coordinator, the stop reason); {@code nodes}, each node's
 * figures; and the queue {@code episodes}, the other nodes' finished returns on their way to the
 * coordinator, which keeps the run's episode statistics.
 */
public final class Node implements ClusterLink, AutoCloseable {
    static {
        // Hazelcast 5.7 runs each asynchronous completion on a new thread when the common pool has
        // one thread (a 2-core machine): 5× slower exchanges (cluster-design.md). Before it loads.
        if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
                    Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
        }
    }

    private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");
    private static final long NODE_RECORD_NANOS = 250_000_000L, NODES_CSV_NANOS = 1_000_000_000L;
    static final String NODES_CSV = "nodes.csv";
    static final String NODES_CSV_HEADER = "wall_seconds,global_step,node,address,status,steps,env_steps_per_second,exchanges,"
            + "exchange_bytes_per_second,exchange_ms_mean,theta_age_ms,staleness_steps";

    // a node's record in the nodes map (double[]): indices
    private static final int R_ID = 0, R_THREADS = 1, R_STEPS = 2, R_WALL = 3, R_EXCHANGES = 4, R_BYTES = 5, R_LATENCY = 6,
            R_AGE = 7, R_DONE = 8, R_STALE_STEPS = 9, R_LEN = 10;

    private final HazelcastInstance hz;
    private final ClusterSettings settings;
    private final boolean coordinator;
    private final String version;
    private final PrintStream err;
    private final IMap<Integer, byte[]> theta, g;
    private final IMap<String, Object> run;
    private final IMap<String, double[]> nodes;
    private final IQueue<double[]> episodeQueue;
    private final String uuid;
    private final int nodeId;
    private final int threads;
    private final long startNanos = System.nanoTime();

    // set by the coordinator's constructor / the joiner's
    private Integer exchangeMsFlag;
    private int expectedNodes = 1;
    private BooleanSupplier othersAlive = () -> true;
    private Path runDir;
    private String configJson;
    private volatile String coordinatorUuid;
    private volatile boolean coordinatorGone;
    private volatile boolean finished;
    private boolean closed;   // a node's last exchange is in: the coordinator may go

    // set in start
    private TrainingContext ctx;
    private SharedParams shared;
    private long n;
    private int shardFloats, shardCount;
    private long exchangeMs;
    private Arena arena;
    private MemorySegment base, snap, checkpointTheta;
    private Thread exchanger;
    private volatile boolean stopExchanger;
    private long startSteps, added;
    private long targetInterval;   // 0: no target network

    // figures (the exchanger thread writes them; read after it joined, or racily for records)
    private long exchanges, bytes, latencyNanos, firstExchangeNanos = -1, lastExchangeNanos;
    private double stepsPerSecondGlobal;
    private long lastT, lastTNanos;
    private long lastRecordNanos, lastCsvNanos;
    private final ConcurrentLinkedQueue<Double> outgoingReturns = new ConcurrentLinkedQueue<>();
    private final Map<String, double[]> seen = new TreeMap<>();          // coordinator: every node's last record, by member
    private final Map<String, String> addresses = new HashMap<>();
    private final Set<String> left = new LinkedHashSet<>();
    private BufferedWriter nodesCsv;
    private String warned;

    private Node(HazelcastInstance hz, ClusterSettings settings, boolean coordinator, String version, int threads, PrintStream err) {
        this.hz = hz;
        this.settings = settings;
        this.coordinator = coordinator;
        this.version = version;
        this.threads = threads;
        this.err = err;
        this.theta = hz.getMap(ClusterSettings.THETA);
        this.g = hz.getMap(ClusterSettings.G);
        this.run = hz.getMap(ClusterSettings.RUN);
        this.nodes = hz.getMap(ClusterSettings.NODES);
        this.episodeQueue = hz.getQueue(ClusterSettings.EPISODES);
        this.uuid = hz.getCluster().getLocalMember().getUuid().toString();
        if (coordinator) {
            nodeId = 0;
            coordinatorUuid = uuid;
        } else {
            nodeId = (int) (long) (Long) run.executeOnKey("node_ids", new Ops.AddLong(1));
        }
        addresses.put(uuid, settings.self().toString());
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                synchronized (addresses) {
                    addresses.put(e.getMember().getUuid().toString(), address(e.getMember()));
                }
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                memberLeft(e.getMember());
            }
        });
    }

    private static String address(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    /** The versions a node must share with the run's coordinator. */
    public static String versions(String asyncrlVersion) {
        return "asyncrl " + asyncrlVersion + ", hazelcast " + com.hazelcast.instance.BuildInfoProvider.getBuildInfo().getVersion();
    }

    private static HazelcastInstance member(ClusterSettings s) {
        com.hazelcast.config.Config config = s.hazelcastConfig();
        if (System.getenv("ASYNCRL_HAZELCAST_LOG") == null) {
            config.setProperty("hazelcast.logging.type", "none");  // members come and go on purpose; a run says so in its own words
        } else {
            HAZELCAST_LOG.setLevel(Level.INFO);
        }
        try {
            return Hazelcast.newHazelcastInstance(config);
        } catch (RuntimeException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("in use") || m.contains("bind") || m.contains("Bind") || e.getCause() instanceof java.net.BindException) {
                throw new IllegalArgumentException("cannot listen on " + s.self() + " (" + m.lines().findFirst().orElse("")
                        + "): choose another --port or --bind");
            }
            throw new IllegalStateException("the cluster member did not start: " + m, e);
        }
    }

    /**
     * Starts the coordinator of a run: its member, alone until other nodes join. {@code expectedNodes}
     * (with itself) are waited for in {@link #start}, while {@code othersAlive} says the local nodes it
     * started still run; {@code runDir} gets nodes.csv (null: none).
     */
    public static Node coordinator(ClusterSettings s, String asyncrlVersion, int threads, int expectedNodes, Integer exchangeMs,
                                   Path runDir, PrintStream err) {
        HazelcastInstance hz = member(s);
        Node node = new Node(hz, s, true, versions(asyncrlVersion), threads, err);
        node.expectedNodes = expectedNodes;
        node.exchangeMsFlag = exchangeMs;
        node.runDir = runDir;
        return node;
    }

    /** What a joining node learns from the run: its configuration (config.json's JSON) and this node's number. */
    public record Joined(Node node, String config, int nodeId) {}

    /**
     * Starts a member that joins the run at {@code s.join()}: refuses (IllegalArgumentException, exit 2)
     * when nothing answers there with this secret within {@code timeoutSeconds}, when the run's
     * versions differ from this node's, or when the run has ended.
     */
    public static Joined join(ClusterSettings s, String asyncrlVersion, int threads, Integer exchangeMs, double timeoutSeconds,
                              PrintStream err) {
        HazelcastInstance hz = member(s);
        boolean ok = false;
        try {
            String where = s.join().toString().replaceAll("[\\[\\]]", "");
            long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
            IMap<String, Object> run = hz.getMap(ClusterSettings.RUN);
            while (hz.getCluster().getMembers().size() < 2 || run.get("config") == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalArgumentException("no asyncrl run answered at " + where + " within " + (long) timeoutSeconds
                            + " s (nothing listening there, a run with another secret, or a firewall between)");
                }
                sleep(100);
            }
            String theirs = (String) run.get("version");
            String ours = versions(asyncrlVersion);
            if (!ours.equals(theirs)) {
                throw new IllegalArgumentException("the run at " + where + " runs " + theirs + ", this node " + ours
                        + ": every node of a run must run the same versions");
            }
            if (run.get("stop") != null) throw new IllegalArgumentException("the run at " + where + " has ended (" + run.get("stop") + ")");
            Node node = new Node(hz, s, false, ours, threads, err);
            node.exchangeMsFlag = exchangeMs;
            node.coordinatorUuid = (String) run.get("coordinator");
            if (node.coordinatorUuid == null || hz.getCluster().getMembers().stream()
                    .noneMatch(m -> m.getUuid().toString().equals(node.coordinatorUuid))) {
                throw new IllegalArgumentException("the run at " + where + " has lost its coordinator");
            }
            ok = true;
            return new Joined(node, (String) run.get("config"), node.nodeId);
        } finally {
            if (!ok) hz.getLifecycleService().terminate();
        }
    }

    public int nodeId() { return nodeId; }

    public boolean coordinatorGone() { return coordinatorGone; }

    /** Where this node listens. */
    public String address() { return settings.self().toString(); }

    /** The coordinator waits for its local nodes only while this says they still run. */
    public void othersAlive(BooleanSupplier alive) {
        this.othersAlive = alive;
    }

    // ---------------------------------------------------------------- ClusterLink

    @Override
    public void config(Map<String, Object> config) {
        config.put("nodes", expectedNodes);
        if (exchangeMsFlag != null) config.put("exchange_ms", exchangeMsFlag);
        try {
            configJson = Checkpoint.JSON.writeValueAsString(config);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void start(TrainingContext ctx, SharedParams shared) {
        this.ctx = ctx;
        this.shared = shared;
        this.n = shared.layout().size();
        this.targetInterval = shared.hasTarget() ? targetIntervalOf(configJson) : 0;
        long bytesOfTheta = n * Float.BYTES;
        this.exchangeMs = exchangeMsFlag != null ? exchangeMsFlag : Math.max(25, Math.round(100.0 * bytesOfTheta / 1e6));
        arena = Arena.ofShared();
        base = arena.allocate(bytesOfTheta, 64);
        snap = arena.allocate(bytesOfTheta, 64);
        checkpointTheta = coordinator ? arena.allocate(bytesOfTheta, 64) : null;
        if (coordinator) {
            shardFloats = shardFloats(n, Math.max(expectedNodes, 2));
            shardCount = (int) ((n + shardFloats - 1) / shardFloats);
            theta.clear();
            g.clear();
            theta.putAll(shards(shared.theta()));
            g.putAll(shards(shared.g()));
            startSteps = ctx.globalSteps();
            run.set("T", startSteps);
            run.set("shard_floats", shardFloats);
            run.set("floats", n);
            run.set("version", version);
            run.set("coordinator", uuid);
            run.delete("stop");
            run.delete("closed");
            run.set("config", configJson);  // last: a joining node waits for it
            MemorySegment.copy(shared.theta(), 0, base, 0, bytesOfTheta);
            MemorySegment.copy(shared.theta(), 0, checkpointTheta, 0, bytesOfTheta);
            if (runDir != null) openNodesCsv();
            publishRecord(false);
            waitForNodes();
        } else {
            long floats = (Long) run.get("floats");
            if (floats != n) {
                throw new IllegalStateException("the run's θ has " + floats + " floats, this node's network " + n);
            }
            shardFloats = (Integer) run.get("shard_floats");
            shardCount = (int) ((n + shardFloats - 1) / shardFloats);
            pull(theta, shared.theta());
            Map<Integer, byte[]> gs = g.getAll(new LinkedHashSet<>(keys()));
            if (gs.size() == shardCount) copyIn(gs, shared.g());
            if (shared.hasTarget()) MemorySegment.copy(shared.theta(), 0, shared.target(), 0, bytesOfTheta);
            MemorySegment.copy(shared.theta(), 0, base, 0, bytesOfTheta);
            startSteps = ctx.startSteps();
            ctx.addRemoteSteps((Long) run.get("T") - ctx.globalSteps());
            ctx.onEpisode(outgoingReturns::add);
            err.printf(Locale.ROOT, "asyncrl node: took the cluster's θ at T=%d%n", ctx.globalSteps());
            err.flush();
        }
        lastT = ctx.globalSteps();
        lastTNanos = System.nanoTime();
        publishRecord(false);
        exchanger = Thread.ofPlatform().name("cluster-exchanger").daemon(true).start(this::loop);
    }

    private static long targetIntervalOf(String configJson) {
        try {
            return Checkpoint.JSON.readTree(configJson).path("target_interval").asLong(0);
        } catch (IOException e) {
            return 0;
        }
    }

    /** S: 65,536 floats, halved (to no less than 16,384) until there are at least 2 shards per node. */
    static int shardFloats(long n, int nodes) {
        int s = 65_536;
        while (s > 16_384 && (n + s - 1) / s < 2L * nodes) s /= 2;
        return s;
    }

    private void waitForNodes() {
        if (expectedNodes <= 1) return;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        long lastSaid = System.nanoTime();
        // until every node has taken the cluster's θ and published its first record (ready to train)
        while (hz.getCluster().getMembers().size() < expectedNodes || nodes.size() < expectedNodes) {
            if (!othersAlive.getAsBoolean()) {
                throw new IllegalStateException("a node process exited before it joined the run (its log: node-*.log in the run directory)");
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + hz.getCluster().getMembers().size() + " of " + expectedNodes
                        + " nodes joined within 180 s (their logs: node-*.log in the run directory)");
            }
            if (System.nanoTime() - lastSaid > 10e9) {
                err.printf(Locale.ROOT, "asyncrl: waiting for nodes: %d of %d have joined%n", hz.getCluster().getMembers().size(), expectedNodes);
                lastSaid = System.nanoTime();
            }
            sleep(50);
        }
    }

    @Override
    public MemorySegment checkpointTheta() {
        return checkpointTheta;
    }

    @Override
    public void refreshCheckpoint() {
        if (checkpointTheta == null) return;
        try {
            pull(theta, checkpointTheta);
        } catch (RuntimeException e) {
            warn("the cluster's θ could not be read for the checkpoint (" + e.getMessage() + "); it holds this node's θ");
            MemorySegment.copy(shared.theta(), 0, checkpointTheta, 0, n * Float.BYTES);
        }
    }

    @Override
    public void finish(TrainingContext ctx, SharedParams shared) {
        stopExchanger = true;
        if (exchanger != null) {
            try {
                exchanger.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (coordinatorGone) return;
        try {
            exchange();
            syncSteps();
            sendEpisodes();
        } catch (RuntimeException e) {
            warn("the last exchange failed (" + e.getMessage() + "): this node's steps since its previous exchange are lost");
        }
        if (!coordinator) {
            publishRecord(true);
            finished = true;
            return;
        }
        boolean interrupted = "interrupted".equals(ctx.stopReason());
        try {
            run.set("stop", ctx.stopReason());
            publishRecord(true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(interrupted ? 10 : 60);
            while (!othersDone()) {
                if (System.nanoTime() > deadline) {
                    warn("not every node reported its last exchange in time; the run ends without it");
                    break;
                }
                drainEpisodes();
                sleep(50);
            }
            drainEpisodes();
            pull(theta, shared.theta());                        // the run's θ, exactly
            MemorySegment.copy(shared.theta(), 0, base, 0, n * Float.BYTES);
            long T = (Long) run.get("T");
            ctx.addRemoteSteps(T - ctx.globalSteps());
            readRecords();
            writeNodesCsv();
        } catch (RuntimeException e) {
            warn("the cluster could not be read at the end (" + e.getMessage() + "); this node's θ is written");
        }
    }

    private boolean othersDone() {
        for (Member m : hz.getCluster().getMembers()) {
            String id = m.getUuid().toString();
            if (id.equals(uuid)) continue;
            double[] r = nodes.get(id);
            if (r == null || r[R_DONE] == 0) return false;
        }
        return true;
    }

    @Override
    public void summary(Map<String, Object> summary) {
        readRecordsQuietly();
        List<Map<String, Object>> list = new ArrayList<>();
        synchronized (seen) {
            for (Map.Entry<String, double[]> e : seen.entrySet()) list.add(nodeStats(e.getKey(), e.getValue()));
        }
        list.sort(java.util.Comparator.comparingInt(m -> (Integer) m.get("node")));
        summary.put("nodes", list.size());
        summary.put("nodes_lost", left.size());
        summary.put("node_stats", list);
    }

    private Map<String, Object> nodeStats(String member, double[] r) {
        Map<String, Object> m = new LinkedHashMap<>();
        double wall = r[R_WALL];
        m.put("node", (int) r[R_ID]);
        synchronized (addresses) {
            m.put("address", addresses.getOrDefault(member, ""));
        }
        m.put("status", left.contains(member) ? "left" : r[R_DONE] != 0 ? "finished" : "running");
        m.put("threads", (int) r[R_THREADS]);
        m.put("steps", (long) r[R_STEPS]);
        m.put("env_steps_per_second", wall > 0 ? r[R_STEPS] / wall : 0.0);
        m.put("exchanges", (long) r[R_EXCHANGES]);
        m.put("exchange_bytes_per_second", wall > 0 ? r[R_BYTES] / wall : 0.0);
        m.put("exchange_ms_mean", r[R_LATENCY]);
        m.put("theta_age_ms", r[R_AGE]);
        m.put("staleness_steps", r[R_STALE_STEPS]);
        return m;
    }

    // ---------------------------------------------------------------- the exchange

    private void loop() {
        long period = exchangeMs * 1_000_000L;
        while (!stopExchanger && !ctx.shouldStop()) {
            long t0 = System.nanoTime();
            try {
                exchange();
                syncSteps();
                if (coordinator) {
                    drainEpisodes();
                    if (t0 - lastCsvNanos >= NODES_CSV_NANOS) {
                        readRecords();
                        writeNodesCsv();
                        lastCsvNanos = t0;
                    }
                } else {
                    sendEpisodes();
                    Object stop = run.get("stop");
                    if (stop != null) ctx.requestStop(stop.toString());
                }
                if (t0 - lastRecordNanos >= NODE_RECORD_NANOS) {
                    publishRecord(false);
                    lastRecordNanos = t0;
                }
                if (exchanges % 20 == 0) g.putAllAsync(shards(shared.g()));
            } catch (RuntimeException e) {
                if (!hz.getLifecycleService().isRunning()) {
                    ctx.requestStop("the cluster member stopped");
                    return;
                }
                if (coordinatorGone) return;
                warn("an exchange failed (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "); the next one retries");
            }
            long until = t0 + period;
            for (long now = System.nanoTime(); now < until && !stopExchanger && !ctx.shouldStop(); now = System.nanoTime()) {
                sleep(Math.max(1, Math.min(20, (until - now) / 1_000_000)));
            }
        }
    }

    /**
     * One exchange: s ← θ; δ ← s − θ_base; every shard's δ added on its owner, which returns the
     * shard; then θ += shard − s (this node's changes since the snapshot are kept) and θ_base ← shard.
     */
    private void exchange() {
        long t0 = System.nanoTime();
        long bytesOfTheta = n * Float.BYTES;
        MemorySegment th = shared.theta();
        MemorySegment.copy(th, 0, snap, 0, bytesOfTheta);
        List<CompletableFuture<byte[]>> futures = new ArrayList<>(shardCount);
        for (int i = 0; i < shardCount; i++) {
            long off = (long) i * shardFloats;
            int len = (int) Math.min(shardFloats, n - off);
            byte[] d = new byte[len * Float.BYTES];
            for (int j = 0; j < len; j++) {
                Ops.FLOATS.set(d, j * Float.BYTES, snap.getAtIndex(JAVA_FLOAT, off + j) - base.getAtIndex(JAVA_FLOAT, off + j));
            }
            futures.add(theta.submitToKey(i, new Ops.AddDelta(d, true)).toCompletableFuture());
        }
        for (int i = 0; i < shardCount; i++) {
            byte[] shard;
            try {
                shard = futures.get(i).get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("shard " + i + " did not answer within 60 s");
            }
            long off = (long) i * shardFloats;
            int len = shard.length / Float.BYTES;
            for (int j = 0; j < len; j++) {
                float v = (float) Ops.FLOATS.get(shard, j * Float.BYTES);
                long k = off + j;
                th.setAtIndex(JAVA_FLOAT, k, th.getAtIndex(JAVA_FLOAT, k) + (v - snap.getAtIndex(JAVA_FLOAT, k)));
                base.setAtIndex(JAVA_FLOAT, k, v);
            }
        }
        long t1 = System.nanoTime();
        exchanges++;
        bytes += 2 * bytesOfTheta;   // δ out, the shard back
        latencyNanos += t1 - t0;
        if (firstExchangeNanos < 0) firstExchangeNanos = t0;
        lastExchangeNanos = t0;
    }

    /**
     * T: this node's steps since its last exchange are added to the run's T, whose new value comes
     * back; the other nodes' steps are added to the node's own T (its learners' view of the global T).
     * A Q method's θ⁻ ← θ follows the crossings of I_target that the others' steps make.
     */
    private void syncSteps() {
        long local = ctx.globalSteps() - startSteps - ctx.remoteSteps();
        long d = local - added;
        long global = (Long) run.executeOnKey("T", new Ops.AddLong(d));
        added += d;
        long remote = global - added - startSteps;
        long before = ctx.globalSteps();
        long after = ctx.addRemoteSteps(remote - ctx.remoteSteps());
        if (targetInterval > 0 && after / targetInterval != before / targetInterval) {
            MemorySegment.copy(shared.theta(), 0, shared.target(), 0, n * Float.BYTES);
            ctx.countSharedWrite(n * Float.BYTES);
        }
        long now = System.nanoTime();
        if (now - lastTNanos > 500_000_000L) {
            stepsPerSecondGlobal = (after - lastT) / ((now - lastTNanos) / 1e9);
            lastT = after;
            lastTNanos = now;
        }
    }

    private void sendEpisodes() {
        if (outgoingReturns.isEmpty()) return;
        List<Double> batch = new ArrayList<>();
        for (Double r; (r = outgoingReturns.poll()) != null; ) batch.add(r);
        double[] a = new double[batch.size()];
        for (int i = 0; i < a.length; i++) a[i] = batch.get(i);
        episodeQueue.offer(a);
    }

    private void drainEpisodes() {
        List<double[]> batches = new ArrayList<>();
        episodeQueue.drainTo(batches);
        for (double[] b : batches) for (double r : b) ctx.episodeFinished(r);
    }

    private void publishRecord(boolean done) {
        double[] r = new double[R_LEN];
        r[R_ID] = nodeId;
        r[R_THREADS] = threads;
        r[R_STEPS] = ctx == null ? 0 : ctx.globalSteps() - startSteps - ctx.remoteSteps();
        r[R_WALL] = (System.nanoTime() - startNanos) / 1e9;
        r[R_EXCHANGES] = exchanges;
        r[R_BYTES] = bytes;
        double latencyMs = exchanges == 0 ? 0 : latencyNanos / 1e6 / exchanges;
        r[R_LATENCY] = latencyMs;
        // the cluster's θ a learner reads is, on average, one exchange's latency plus half a period old
        double periodMs = exchanges > 1 ? (lastExchangeNanos - firstExchangeNanos) / 1e6 / (exchanges - 1) : exchangeMs;
        r[R_AGE] = exchanges == 0 ? 0 : latencyMs + periodMs / 2;
        r[R_STALE_STEPS] = r[R_AGE] / 1000 * stepsPerSecondGlobal;
        r[R_DONE] = done ? 1 : 0;
        try {
            nodes.set(uuid, r);
        } catch (RuntimeException e) {
            if (done) warn("this node's last figures could not be published (" + e.getMessage() + ")");
        }
        if (coordinator) {
            synchronized (seen) {
                seen.put(uuid, r);
            }
        }
    }

    private void readRecords() {
        Map<String, double[]> all = new HashMap<>(nodes);
        synchronized (seen) {
            seen.putAll(all);
        }
    }

    private void readRecordsQuietly() {
        try {
            if (hz.getLifecycleService().isRunning()) readRecords();
        } catch (RuntimeException ignored) {
            // the records already read are reported
        }
    }

    private void openNodesCsv() {
        Path p = runDir.resolve(NODES_CSV);
        try {
            boolean fresh = !Files.exists(p) || Files.size(p) == 0;
            nodesCsv = Files.newBufferedWriter(p, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            if (fresh) {
                nodesCsv.write(NODES_CSV_HEADER);
                nodesCsv.newLine();
                nodesCsv.flush();
            }
        } catch (IOException e) {
            warn("cannot write " + p + " (" + e.getMessage() + "); the per-node figures go to summary.json only");
            nodesCsv = null;
        }
    }

    private void writeNodesCsv() {
        if (nodesCsv == null) return;
        double wall = ctx.report().wallSeconds();
        long T = ctx.globalSteps();
        try {
            synchronized (seen) {
                for (Map.Entry<String, double[]> e : seen.entrySet()) {
                    Map<String, Object> s = nodeStats(e.getKey(), e.getValue());
                    nodesCsv.write(String.format(Locale.ROOT, "%.3f,%d,%d,%s,%s,%d,%.1f,%d,%.0f,%.3f,%.3f,%.1f", wall, T, s.get("node"),
                            s.get("address"), s.get("status"), s.get("steps"), s.get("env_steps_per_second"), s.get("exchanges"),
                            s.get("exchange_bytes_per_second"), s.get("exchange_ms_mean"), s.get("theta_age_ms"), s.get("staleness_steps")));
                    nodesCsv.newLine();
                }
            }
            nodesCsv.flush();
        } catch (IOException e) {
            warn("cannot write " + NODES_CSV + " (" + e.getMessage() + ")");
        }
    }

    private void memberLeft(Member m) {
        String id = m.getUuid().toString();
        if (id.equals(coordinatorUuid) && !coordinator) {
            if (finished) return;   // the run ended and its coordinator went: as it should
            coordinatorGone = true;
            if (ctx != null) ctx.requestStop("the coordinator left the cluster");
            return;
        }
        if (!coordinator) return;
        double[] r;
        synchronized (seen) {
            r = seen.get(id);
            left.add(id);
        }
        if (r != null && r[R_DONE] != 0) return;   // it finished and went: nothing lost
        err.printf(Locale.ROOT, "asyncrl: node %s (%s) left the cluster at T=%d: its steps since its last exchange are lost;"
                        + " the run goes on with %d node(s)%n", r == null ? "?" : Integer.toString((int) r[R_ID]), address(m),
                ctx == null ? 0 : ctx.globalSteps(), hz.getCluster().getMembers().size());
        err.flush();
    }

    // ---------------------------------------------------------------- helpers

    private List<Integer> keys() {
        List<Integer> k = new ArrayList<>(shardCount);
        for (int i = 0; i < shardCount; i++) k.add(i);
        return k;
    }

    private Map<Integer, byte[]> shards(MemorySegment src) {
        Map<Integer, byte[]> m = new HashMap<>();
        for (int i = 0; i < shardCount; i++) {
            long off = (long) i * shardFloats;
            int len = (int) Math.min(shardFloats, n - off);
            byte[] b = new byte[len * Float.BYTES];
            MemorySegment.copy(src, JAVA_FLOAT, off * Float.BYTES, MemorySegment.ofArray(b), JAVA_FLOAT_LE_UNALIGNED, 0, len);
            m.put(i, b);
        }
        return m;
    }

    private static final java.lang.foreign.ValueLayout.OfFloat JAVA_FLOAT_LE_UNALIGNED =
            JAVA_FLOAT.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN).withByteAlignment(1);

    private void pull(IMap<Integer, byte[]> map, MemorySegment into) {
        Map<Integer, byte[]> all = map.getAll(new LinkedHashSet<>(keys()));
        if (all.size() != shardCount) {
            throw new IllegalStateException("the cluster holds " + all.size() + " of θ's " + shardCount + " shards");
        }
        copyIn(all, into);
    }

    private void copyIn(Map<Integer, byte[]> all, MemorySegment into) {
        for (Map.Entry<Integer, byte[]> e : all.entrySet()) {
            long off = (long) e.getKey() * shardFloats;
            byte[] b = e.getValue();
            MemorySegment.copy(MemorySegment.ofArray(b), JAVA_FLOAT_LE_UNALIGNED, 0, into, JAVA_FLOAT, off * Float.BYTES, b.length / Float.BYTES);
        }
    }

    private void warn(String message) {
        if (message.equals(warned)) return;
        warned = message;
        err.println("asyncrl: warning: " + message);
        err.flush();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Leaves the cluster. The coordinator says the run is closed (the other nodes then leave) and
     * waits for them a little; another node waits for that word, or for the coordinator to go.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (coordinator) {
                run.set("closed", true);   // the others leave on this word; the run's files are written
            } else if (!coordinatorGone) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!coordinatorGone && hz.getCluster().getMembers().stream().anyMatch(m -> m.getUuid().toString().equals(coordinatorUuid))
                        && run.get("closed") == null && System.nanoTime() < deadline) {
                    sleep(100);
                }
            }
        } catch (RuntimeException ignored) {
            // leaving anyway
        } finally {
            hz.getLifecycleService().terminate();
            if (nodesCsv != null) {
                try {
                    nodesCsv.close();
                } catch (IOException ignored) {
                    // rows already flushed
                }
            }
            if (arena != null && (exchanger == null || !exchanger.isAlive())) arena.close();
        }
    }
}
