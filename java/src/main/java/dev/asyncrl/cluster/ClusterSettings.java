package dev.asyncrl.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.QueueConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where a node listens, whom it joins, and the secret that names its cluster; and the Hazelcast
 * configuration made of them. Every check throws IllegalArgumentException with one line (exit 2).
 *
 * <p>Security (Hazelcast's open-source edition has no member authentication and no TLS): the member
 * binds to the one address given (loopback by default), joins by an explicit TCP/IP member list (no
 * multicast, no auto-detection, no phone-home), and its cluster name is derived from the shared
 * secret, so a member without the secret is refused by every member of the run. The traffic itself
 * is in clear: across machines, use a private network or a tunnel.
 */
public record ClusterSettings(InetAddress bind, int port, List<Address> join, String clusterName) {

    /** The environment variable that may hold the shared secret. */
    public static final String SECRET_ENV = "ASYNCRL_CLUSTER_SECRET";
    /** The coordinator's port when none is given. */
    public static final int DEFAULT_PORT = 5701;

    /** HOST:PORT of a member to join. */
    public record Address(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** Parses "HOST:PORT[,HOST:PORT...]" ({@code flag} names the flag in errors); each host must resolve. */
    public static List<Address> parseAddresses(String flag, String s) {
        if (s == null || s.isBlank()) throw new IllegalArgumentException(flag + " is empty: give HOST:PORT[,HOST:PORT...]");
        List<Address> out = new ArrayList<>();
        for (String part : s.split(",")) {
            String p = part.strip();
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new IllegalArgumentException(flag + " '" + p + "' is not HOST:PORT (e.g. 10.0.0.5:5701)");
            }
            String host = p.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
            int port = port(flag + " '" + p + "'", p.substring(colon + 1));
            try {
                InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(flag + " '" + p + "': cannot resolve host " + host);
            }
            out.add(new Address(host, port));
        }
        return out;
    }

    static int port(String what, String s) {
        int port;
        try {
            port = Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": the port must be a number from 1 to 65535, got '" + s + "'");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException(what + ": the port must be from 1 to 65535, got " + port);
        return port;
    }

    /** The address to bind: one of this machine's own (loopback by default). */
    public static InetAddress bindAddress(String s) {
        if (s == null) return InetAddress.getLoopbackAddress();
        InetAddress a;
        try {
            a = InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--bind " + s + ": cannot resolve it");
        }
        try {
            if (!a.isLoopbackAddress() && NetworkInterface.getByInetAddress(a) == null) {
                throw new IllegalArgumentException("--bind " + s + " is not an address of this machine");
            }
        } catch (SocketException e) {
            throw new IllegalArgumentException("--bind " + s + ": cannot list this machine's addresses (" + e.getMessage() + ")");
        }
        if (a.isAnyLocalAddress()) throw new IllegalArgumentException("--bind " + s + ": give one address, not the wildcard");
        return a;
    }

    /** A port on {@code bind} that is free now (for a node whose port does not matter). */
    public static int freePort(InetAddress bind) {
        try (ServerSocket s = new ServerSocket(0, 1, bind)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalArgumentException("--bind " + bind.getHostAddress() + ": cannot open a port there (" + e.getMessage() + ")");
        }
    }

    /**
     * The shared secret: the file's contents (trailing white space dropped) if {@code file} is given,
     * else the environment variable's; null if neither is.
     */
    public static String secret(Path file) {
        if (file != null) {
            String s;
            try {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("--secret-file " + file + ": " + (Files.exists(file) ? "not a regular file" : "no such file"));
                }
                s = Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException("--secret-file " + file + ": cannot read it (" + e.getMessage() + ")");
            }
            if (s.isEmpty()) throw new IllegalArgumentException("--secret-file " + file + " is empty: the secret must not be");
            return s;
        }
        String env = System.getenv(SECRET_ENV);
        return env == null || env.isBlank() ? null : env.strip();
    }

    /** A fresh random secret (a run on one machine that nobody else joins). */
    public static String randomSecret() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** "asyncrl-" and the first 32 hex digits of HMAC-SHA256(secret, "asyncrl cluster"). */
    public static String clusterName(String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] h = mac.doFinal("asyncrl cluster".getBytes(StandardCharsets.UTF_8));
            return "asyncrl-" + HexFormat.of().formatHex(h).substring(0, 32);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** This node's address as the others reach it. */
    public Address self() {
        return new Address(bind.getHostAddress(), port);
    }

    static final String THETA = "theta", G = "g", RUN = "run", NODES = "nodes", EPISODES = "episodes";

    /** The Hazelcast member configuration of this node. */
    Config hazelcastConfig() {
        Config c = new Config().setClusterName(clusterName).setInstanceName("asyncrl-" + port);
        c.setProperty("hazelcast.logging.type", "jdk");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");   // the trainer ends the run itself on Ctrl-C
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "6");
        c.setProperty("hazelcast.partition.count", "71");
        c.setProperty("hazelcast.io.thread.count", "1");
        c.setProperty("hazelcast.operation.generic.thread.count", "1");
        c.setProperty("hazelcast.event.thread.count", "1");
        NetworkConfig n = c.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
        n.getInterfaces().setEnabled(true).addInterface(bind.getHostAddress());
        n.setPublicAddress(self().toString());
        JoinConfig j = n.getJoin();
        j.getMulticastConfig().setEnabled(false);
        j.getAutoDetectionConfig().setEnabled(false);
        List<String> members = new ArrayList<>();
        members.add(self().toString());
        for (Address a : join) members.add(a.toString());
        j.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(5).setMembers(members);
        // θ: no synchronous backup (an exchange never waits for one), one asynchronous
        c.addMapConfig(new MapConfig(THETA).setInMemoryFormat(InMemoryFormat.OBJECT).setBackupCount(0).setAsyncBackupCount(1));
        c.addMapConfig(new MapConfig(G).setInMemoryFormat(InMemoryFormat.OBJECT).setBackupCount(0).setAsyncBackupCount(1));
        c.addMapConfig(new MapConfig(RUN).setInMemoryFormat(InMemoryFormat.OBJECT).setBackupCount(1));
        c.addMapConfig(new MapConfig(NODES).setInMemoryFormat(InMemoryFormat.OBJECT).setBackupCount(1));
        c.addQueueConfig(new QueueConfig(EPISODES).setBackupCount(1));
        c.getSerializationConfig().addDataSerializableFactory(Ops.FACTORY, Ops.FACTORY_IMPL);
        // asyncrl sends only Hazelcast's own types (byte[], Long, String, double[]) and Ops' identified
        // entry processors; Java deserialization is limited to Hazelcast's default allow list (com.hazelcast.,
        // java, arrays) minus its block list, so a member cannot feed this JVM a gadget chain
        c.getSerializationConfig().setJavaSerializationFilterConfig(new JavaSerializationFilterConfig());
        return c;
    }
}
