package dev.asyncrl.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The flags of a run across several processes, shared by train and node. */
final class ClusterFlags {
    @Option(names = "--bind", paramLabel = "ADDR", description = "The address this node listens on and is reached at; one of this machine's (default: 127.0.0.1, loopback only).")
    String bind;

    @Option(names = "--port", paramLabel = "PORT", description = "The port it listens on (train: default 5701 when others join from elsewhere, else a free one; node: a free one).")
    Integer port;

    @Option(names = "--secret-file", paramLabel = "FILE", description = "The run's shared secret (else the environment variable ASYNCRL_CLUSTER_SECRET): it names the cluster, and members without it are refused. Never a flag's value.")
    Path secretFile;

    @Option(names = "--exchange-ms", paramLabel = "MS", description = "How often a node exchanges its accumulated change of θ with the cluster (default: max(25, 100 per MB of θ)).")
    Integer exchangeMs;

    /** Whether any of these was given (a train command that did so runs as a cluster's coordinator). */
    boolean any() {
        return bind != null || port != null || secretFile != null || exchangeMs != null;
    }

    void check() {
        if (exchangeMs != null && (exchangeMs < 1 || exchangeMs > 600_000)) {
            throw new IllegalArgumentException("--exchange-ms must be from 1 to 600000, got " + exchangeMs);
        }
        if (port != null && (port < 1 || port > 65535)) throw new IllegalArgumentException("--port must be from 1 to 65535, got " + port);
    }
}
