package dev.asyncrl.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example project (java/examples), built and run in a fresh process as a user would, offline,
 * against the artifact installed in the local Maven repository ({@code ./mvnw install}; {@code mvnw
 * verify} installs it before the integration tests): it must train A3C on its grid world so that
 * the greedy policy beats random actions by a wide margin, and write an ONNX file ONNX Runtime loads.
 * The example's greedy return is about 0.97 (the optimum), random actions' about −0.6; the margin
 * asked for, 0.8, holds for every seed tried (13 runs on 2 cores, 4 to 11 s of training each).
 * A {@code maven.repo.local} (and {@code maven.repo.local.tail}) given to this JVM is passed on.
 */
class ExampleProjectIT {
    static final long TIMEOUT_MINUTES = 10;

    @Test
    void theExampleProjectBuildsOfflineTrainsAndExports(@TempDir Path tmp) throws Exception {
        Path repo = repositoryRoot();
        Path onnx = tmp.resolve("gridworld.onnx");
        List<String> cmd = new ArrayList<>(List.of(repo.resolve("mvnw").toString(), "-B", "-o", "-q",
                "-f", repo.resolve("java/examples/pom.xml").toString(), "compile", "exec:exec", "-Dexample.onnx=" + onnx));
        for (String p : List.of("maven.repo.local", "maven.repo.local.tail")) {
            if (System.getProperty(p) != null) cmd.add("-D" + p + "=" + System.getProperty(p));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(repo.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("example.log").toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));  // the JDK running this test
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("the example did not finish within " + TIMEOUT_MINUTES + " minutes:\n" + log(tmp));
        }
        String out = log(tmp);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + out);

        Map<String, String> result = resultLine(out);
        double greedy = Double.parseDouble(result.get("greedy_return"));
        double random = Double.parseDouble(result.get("random_return"));
        assertTrue(Long.parseLong(result.get("steps")) >= 80_000, out);
        assertTrue(greedy > 0.5 && greedy - random > 0.8, () -> "the example did not learn: greedy " + greedy + ", random " + random + "\n" + out);
        assertTrue(Files.isRegularFile(onnx) && Files.size(onnx) > 0, "no ONNX file at " + onnx + "\n" + out);
        assertEquals(Files.size(onnx), Long.parseLong(result.get("onnx_bytes")));
        try (OrtSession s = OrtEnvironment.getEnvironment().createSession(onnx.toString(), new OrtSession.SessionOptions())) {
            long[] shape = ((TensorInfo) s.getInputInfo().get("obs").getInfo()).getShape();
            assertEquals(25, shape[1], "the grid world's observation: 25 floats");
            assertTrue(s.getOutputNames().contains("policy"), s.getOutputNames().toString());
        }
    }

    /** The key=value pairs of the line the example prints last, "RESULT steps=... greedy_return=...". */
    static Map<String, String> resultLine(String out) {
        String line = out.lines().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("the example printed no RESULT line:\n" + out));
        Map<String, String> m = new HashMap<>();
        for (String kv : line.substring("RESULT ".length()).split(" ")) {
            int eq = kv.indexOf('=');
            if (eq > 0) m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    /** The directory holding mvnw and java/examples, from the working directory up. */
    static Path repositoryRoot() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isRegularFile(d.resolve("java/examples/pom.xml"))) return d;
        }
        throw new AssertionError("no mvnw with java/examples/pom.xml above " + Path.of("").toAbsolutePath());
    }

    private static String log(Path tmp) throws IOException {
        return Files.readString(tmp.resolve("example.log"), StandardCharsets.UTF_8);
    }
}
