package dev.asyncrl.cluster;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The other nodes of {@code asyncrl train --nodes N} on this machine: N − 1 child JVMs, each
 * {@code asyncrl node --join} to the coordinator, with this JVM's options and class path, the
 * secret in their environment (never on a command line), and their output in the run directory
 * (node-1.log, ...). They leave when the run is closed, or when the coordinator goes.
 */
public final class LocalNodes implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();

    /**
     * Starts {@code count} nodes joining {@code coordinator}, each with {@code threads} threads and
     * {@code nodeArgs} (e.g. --kernel); their logs go to {@code logDir}.
     */
    public static LocalNodes start(int count, ClusterSettings.Address coordinator, String bind, String secret, int threads,
                                   List<String> nodeArgs, Path logDir) {
        LocalNodes nodes = new LocalNodes();
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> jvm = new ArrayList<>();
        boolean fj = false;
        for (String o : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (o.startsWith("-agentlib") || o.startsWith("-javaagent") || o.startsWith("-Xrunjdwp")) continue;
            if (o.startsWith("-Djava.util.concurrent.ForkJoinPool.common.parallelism")) fj = true;
            jvm.add(o);
        }
        if (!fj) jvm.add("-Djava.util.concurrent.ForkJoinPool.common.parallelism=" + Math.max(2, Runtime.getRuntime().availableProcessors()));
        try {
            for (int i = 1; i <= count; i++) {
                List<String> cmd = new ArrayList<>();
                cmd.add(java);
                cmd.addAll(jvm);
                cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.asyncrl.cli.Main", "node",
                        "--join", coordinator.toString(), "--bind", bind, "--threads", Integer.toString(threads)));
                cmd.addAll(nodeArgs);
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve("node-" + i + ".log").toFile()));
                pb.environment().put(ClusterSettings.SECRET_ENV, secret);
                nodes.processes.add(pb.start());
            }
        } catch (IOException e) {
            nodes.close();
            throw new IllegalStateException("cannot start a node process: " + e.getMessage(), e);
        }
        return nodes;
    }

    /** Whether every node process still runs. */
    public boolean allAlive() {
        for (Process p : processes) if (!p.isAlive()) return false;
        return true;
    }

    /** The node processes' ids (for tests and for a user who wants to see them). */
    public List<Long> pids() {
        List<Long> out = new ArrayList<>();
        for (Process p : processes) out.add(p.pid());
        return out;
    }

    /** Waits up to 30 s for the nodes to leave, then ends those still there. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Process p : processes) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) p.destroy();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroy();
            }
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }
}
