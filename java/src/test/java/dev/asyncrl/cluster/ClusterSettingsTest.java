package dev.asyncrl.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSettingsTest {

    @Test
    void clusterNameComesFromTheSecret() {
        String a = ClusterSettings.clusterName("one secret");
        assertEquals(a, ClusterSettings.clusterName("one secret"));
        assertNotEquals(a, ClusterSettings.clusterName("another secret"));
        assertTrue(a.matches("asyncrl-[0-9a-f]{32}"), a);
        assertTrue(!a.contains("secret"));
    }

    @Test
    void badAddressesAreRefusedWithOneLine() {
        for (String bad : new String[] {"nonsense", "host:", ":5701", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:x",
                "no-such-host.invalid:5701"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterSettings.parseAddresses("--join", bad));
            assertTrue(e.getMessage().startsWith("--join") && !e.getMessage().contains("\n"), e.getMessage());
        }
        assertEquals(2, ClusterSettings.parseAddresses("--join", "127.0.0.1:5701, localhost:5702").size());
        assertThrows(IllegalArgumentException.class, () -> ClusterSettings.bindAddress("8.8.8.8"));
        assertThrows(IllegalArgumentException.class, () -> ClusterSettings.bindAddress("0.0.0.0"));
        assertTrue(ClusterSettings.bindAddress(null).isLoopbackAddress());
    }

    @Test
    void secretFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("secret");
        assertThrows(IllegalArgumentException.class, () -> ClusterSettings.secret(f));       // missing
        Files.writeString(f, "  \n");
        assertThrows(IllegalArgumentException.class, () -> ClusterSettings.secret(f));       // empty
        Files.writeString(f, "s3cret\n");
        assertEquals("s3cret", ClusterSettings.secret(f));
    }

    @Test
    void shardsAreLargeButAtLeastTwoPerNode() {
        assertEquals(65_536, Node.shardFloats(677_968, 2));
        assertEquals(32_768, Node.shardFloats(132_720, 2));   // 5 shards for 2 nodes
        assertEquals(16_384, Node.shardFloats(132_720, 8));   // never below 16,384
        assertEquals(16_384, Node.shardFloats(1_000, 2));
    }

    /** A value of a class outside Hazelcast's allow list is not deserialized: the member refuses it. */
    record Gadget(String payload) implements java.io.Serializable {}

    @Test
    void javaDeserializationOfOtherClassesIsRefused() throws Exception {
        java.net.InetAddress lo = java.net.InetAddress.getLoopbackAddress();
        ClusterSettings s = new ClusterSettings(lo, ClusterSettings.freePort(lo), java.util.List.of(),
                ClusterSettings.clusterName("filter " + System.nanoTime()));
        var config = s.hazelcastConfig();
        config.setProperty("hazelcast.logging.type", "none");
        com.hazelcast.core.HazelcastInstance hz = com.hazelcast.core.Hazelcast.newHazelcastInstance(config);
        try {
            com.hazelcast.map.IMap<String, Object> run = hz.getMap(ClusterSettings.RUN);
            run.set("long", 7L);                                 // Hazelcast's own types pass
            assertEquals(7L, run.get("long"));
            run.set("list", new java.util.ArrayList<>(java.util.List.of("java.util is allowed")));
            assertEquals(java.util.List.of("java.util is allowed"), run.get("list"));
            RuntimeException e = assertThrows(RuntimeException.class, () -> {
                run.set("gadget", new Gadget("x"));
                run.get("gadget");
            });
            String all = e.toString() + (e.getCause() == null ? "" : e.getCause().toString());
            assertTrue(all.contains("is not allowed"), all);
        } finally {
            hz.shutdown();
        }
    }
}
