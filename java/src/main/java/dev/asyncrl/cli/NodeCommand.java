package dev.asyncrl.cli;

import dev.asyncrl.cluster.ClusterSettings;
import dev.asyncrl.cluster.Node;
import dev.asyncrl.env.Envs;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.run.Checkpoint;
import dev.asyncrl.run.Kernels;
import dev.asyncrl.run.TrainConfig;
import dev.asyncrl.run.Trainer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code asyncrl node --join HOST:PORT}: one more node of a run that a coordinator ({@code asyncrl
 * train --nodes N}, or with --bind/--port) started: it learns the run's configuration from the
 * cluster, takes the cluster's θ and T, and trains with its own threads until the run ends. It
 * writes no run directory: the coordinator's holds the run.
 */
@Command(name = "node", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Join a run as one more node: its configuration, θ and T come from the cluster; the coordinator writes the run directory.")
public final class NodeCommand implements Callable<Integer> {

    @Option(names = "--join", required = true, paramLabel = "HOST:PORT[,HOST:PORT...]", description = "Members of the run to join (its coordinator, or any node of it).")
    String join;

    @Option(names = "--threads", description = "Actor-learner threads of this node (default: one per core the process may use).")
    Integer threads;

    @Option(names = "--kernel", defaultValue = Kernels.DEFAULT, paramLabel = "NAME|PATH", description = "This node's kernel (default: ${DEFAULT-VALUE}).")
    String kernel;

    @Option(names = "--pin-threads", negatable = true, description = "Pin actor-learner i to the i-th CPU this process may use.")
    Boolean pinThreads;

    @Option(names = "--join-timeout-seconds", defaultValue = "30", paramLabel = "S", description = "Give up (exit 2) when no run answers within S seconds (default: ${DEFAULT-VALUE}).")
    double joinTimeout;

    @Option(names = "--progress", defaultValue = "none", description = "auto, lines, or none (default: ${DEFAULT-VALUE}).")
    String progressMode;

    @Mixin
    ClusterFlags cluster = new ClusterFlags();

    @Override
    public Integer call() {
        cluster.check();
        if (!(joinTimeout > 0) || joinTimeout > 86_400) {
            throw new IllegalArgumentException("--join-timeout-seconds must be above 0 and at most 86400, got " + joinTimeout);
        }
        if (!List.of("auto", "lines", "none").contains(progressMode)) {
            throw new IllegalArgumentException("unknown --progress '" + progressMode + "' (auto, lines or none)");
        }
        int nThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (nThreads < 1 || nThreads > TrainConfig.MAX_THREADS) {
            throw new IllegalArgumentException("--threads must be from 1 to " + TrainConfig.MAX_THREADS + ", got " + nThreads);
        }
        List<ClusterSettings.Address> addresses = ClusterSettings.parseAddresses("--join", join);
        String secret = ClusterSettings.secret(cluster.secretFile);
        if (secret == null) {
            throw new IllegalArgumentException("asyncrl node needs the run's shared secret: --secret-file FILE or the environment variable "
                    + ClusterSettings.SECRET_ENV);
        }
        InetAddress bind = ClusterSettings.bindAddress(cluster.bind);
        int port = cluster.port != null ? cluster.port : ClusterSettings.freePort(bind);
        ClusterSettings settings = new ClusterSettings(bind, port, addresses, ClusterSettings.clusterName(secret));
        var err = System.err;
        try (Kernel k = Kernels.open(kernel)) {   // a kernel that cannot load is refused before joining
            Node.Joined joined = Node.join(settings, Main.VERSION, nThreads, cluster.exchangeMs, joinTimeout, err);
            try (Node node = joined.node()) {
                TrainConfig run;
                try {
                    run = TrainConfig.fromJson(Checkpoint.JSON.readTree(joined.config()), Path.of("."));
                } catch (IOException | IllegalArgumentException e) {
                    throw new IllegalArgumentException("the run's configuration cannot be read by this node: " + e.getMessage());
                }
                TrainConfig cfg = new TrainConfig(run.algo(), run.env(), run.preset(), nThreads, nodeSeed(run.seed(), joined.nodeId()),
                        kernel, Path.of("."), run.hp().withStopReturn(Double.NaN), run.lrRange(), run.reportEvery(), 0, 0,
                        pinThreads != null && pinThreads);
                err.printf(Locale.ROOT, "asyncrl node: joined the run at %s as node %d (%s on %s, %d thread(s), listening on %s)%n",
                        join, joined.nodeId(), cfg.algo().flag(), cfg.env(), nThreads, node.address());
                err.flush();
                Trainer.Summary s = Trainer.train(cfg, k, null, TrainCommand.progress(progressMode), null, () -> Envs.create(cfg.env()), null, node);
                if (node.coordinatorGone()) {
                    err.printf(Locale.ROOT, "asyncrl node: the coordinator left the cluster at T=%d: the run is over for this node"
                            + " (the run's last checkpoint is in the coordinator's run directory)%n", s.steps());
                    return Main.EXIT_FAILED;
                }
                System.out.printf(Locale.ROOT, "node %d: the run ended at T=%d (%s)%n", joined.nodeId(), s.steps(), s.stopReason());
                return 0;
            }
        }
    }

    /** Node k's seed: the run's for the coordinator (node 0), a SplitMix64 mix of it and k for the others. */
    static long nodeSeed(long seed, int node) {
        if (node == 0) return seed;
        long z = seed + node * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
