package dev.asyncrl.cluster;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.algo.TrainingContext;
import dev.asyncrl.memory.Layout;
import dev.asyncrl.memory.SharedParams;
import java.io.PrintStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two members in this JVM, as a coordinator and a joining node: the exchange rule's oracle. Each
 * node changes its own θ; after a few exchanges both hold θ₀ + δ_A + δ_B (the cluster's θ is the sum
 * of every node's changes, nothing counted twice or lost), and both see T as the sum of their steps.
 */
class NodeExchangeTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void everyNodesChangesReachEveryNode() throws Exception {
        Layout layout = Layout.builder().add("w", 300, 400).add("b", 7).build();   // 120,007 floats: several shards
        String name = ClusterSettings.clusterName("test " + System.nanoTime());
        InetAddress lo = InetAddress.getLoopbackAddress();
        int portA = ClusterSettings.freePort(lo);
        ClusterSettings a = new ClusterSettings(lo, portA, List.of(), name);
        try (SharedParams pa = new SharedParams(layout); SharedParams pb = new SharedParams(layout)) {
            long n = layout.size();
            for (long i = 0; i < n; i++) pa.theta().setAtIndex(JAVA_FLOAT, i, i % 97 * 0.01f);
            TrainingContext ca = new TrainingContext(null, pa, 1_000_000, Double.NaN, 1000);
            TrainingContext cb = new TrainingContext(null, pb, 1_000_000, Double.NaN, 1000);
            try (Node na = Node.coordinator(a, "test", 1, 1, 10, null, QUIET)) {
                Map<String, Object> config = new LinkedHashMap<>();
                config.put("algo", "a3c");
                na.config(config);
                na.start(ca, pa);
                ClusterSettings b = new ClusterSettings(lo, ClusterSettings.freePort(lo), List.of(a.self()), name);
                // another asyncrl version is refused with one line
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Node.join(b, "other", 1, 10, 20, QUIET));
                assertTrue(e.getMessage().contains("same versions"), e.getMessage());
                Node.Joined joined = Node.join(new ClusterSettings(lo, ClusterSettings.freePort(lo), List.of(a.self()), name), "test", 1, 10, 20, QUIET);
                try (Node nb = joined.node()) {
                    nb.start(cb, pb);
                    // the joining node starts from the cluster's θ
                    for (long i = 0; i < n; i += 1013) assertEquals(i % 97 * 0.01f, pb.theta().getAtIndex(JAVA_FLOAT, i), "θ[" + i + "]");
                    // each node changes its own θ and takes steps
                    for (long i = 0; i < n; i++) {
                        pa.theta().setAtIndex(JAVA_FLOAT, i, pa.theta().getAtIndex(JAVA_FLOAT, i) + 1f);
                        if (i % 2 == 0) pb.theta().setAtIndex(JAVA_FLOAT, i, pb.theta().getAtIndex(JAVA_FLOAT, i) + 0.5f);
                    }
                    ca.addSteps(300);
                    cb.addSteps(200);
                    long deadline = System.nanoTime() + 30_000_000_000L;
                    while (System.nanoTime() < deadline && !(ca.globalSteps() == 500 && cb.globalSteps() == 500
                            && agree(pa, pb, n))) {
                        Thread.sleep(20);
                    }
                    assertEquals(500, ca.globalSteps());
                    assertEquals(500, cb.globalSteps());
                    for (long i = 0; i < n; i++) {
                        float want = i % 97 * 0.01f + 1f + (i % 2 == 0 ? 0.5f : 0f);
                        assertEquals(want, pa.theta().getAtIndex(JAVA_FLOAT, i), 1e-5f, "coordinator θ[" + i + "]");
                        assertEquals(want, pb.theta().getAtIndex(JAVA_FLOAT, i), 1e-5f, "node θ[" + i + "]");
                    }
                    ca.requestStop("done");
                    cb.requestStop("done");
                    nb.finish(cb, pb);
                    na.finish(ca, pa);
                    Map<String, Object> summary = new LinkedHashMap<>();
                    na.summary(summary);
                    assertEquals(2, summary.get("nodes"));
                    na.close();   // the coordinator closes the run first; the node then leaves at once
                }
            }
        }
    }

    private static boolean agree(SharedParams pa, SharedParams pb, long n) {
        for (long i = 0; i < n; i += 101) {
            float want = i % 97 * 0.01f + 1f + (i % 2 == 0 ? 0.5f : 0f);
            if (Math.abs(pa.theta().getAtIndex(JAVA_FLOAT, i) - want) > 1e-5f || Math.abs(pb.theta().getAtIndex(JAVA_FLOAT, i) - want) > 1e-5f) {
                return false;
            }
        }
        return true;
    }
}
