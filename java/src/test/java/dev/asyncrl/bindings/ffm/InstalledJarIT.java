/*
 * Protects what `./mvnw install` publishes (run by Failsafe after the pre-integration-test install):
 * the jar in the local repository carries every kernel library this build made (reference, simd,
 * blas; no test_* library) and the JavaCPP JNI glue, with a SHA256SUMS manifest whose every line
 * matches the file in the jar and the file CMake built; and in a fresh JVM with nothing but the
 * installed jar and its dependencies (no asyncrl.native.dir), the kernels are extracted to the
 * given cache, load by name, are reused by a second JVM, and the blas kernel finds OpenBLAS in the
 * bytedeco jars and passes `asyncrl kernel check`.
 */
package dev.asyncrl.bindings.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstalledJarIT {

    private static final String BUNDLE = "dev/asyncrl/native/linux-x86_64/";
    private static Path jar;

    @BeforeAll
    static void findInstalledJar() {
        String repo = System.getProperty("asyncrl.local.repo");
        String version = System.getProperty("asyncrl.version");
        assertNotNull(repo, "Failsafe sets asyncrl.local.repo");
        assertNotNull(version, "Failsafe sets asyncrl.version");
        jar = Path.of(repo, "dev", "asyncrl", "asyncrl", version, "asyncrl-" + version + ".jar");
        assertTrue(Files.isRegularFile(jar), "installed before the integration tests: " + jar);
    }

    private static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** The kernel libraries CMake built (what the jar must carry): every libasyncrl_*.so but the test_* ones. */
    private static Map<String, Path> built() throws IOException {
        Map<String, Path> files = new TreeMap<>();
        try (Stream<Path> dir = Files.list(Path.of(System.getProperty("asyncrl.native.dir")))) {
            dir.filter(p -> p.getFileName().toString().matches("libasyncrl_[a-z0-9_]+\\.so"))
                    .filter(p -> !p.getFileName().toString().startsWith("libasyncrl_test_"))
                    .forEach(p -> files.put(p.getFileName().toString(), p));
        }
        return files;
    }

    @Test
    void theJarCarriesEveryKernelWithItsChecksum() throws Exception {
        Map<String, Path> built = built();
        assertTrue(built.keySet().containsAll(List.of("libasyncrl_reference.so", "libasyncrl_simd.so", "libasyncrl_blas.so")),
                "built: " + built.keySet());
        try (JarFile j = new JarFile(jar.toFile())) {
            assertEquals(System.getProperty("asyncrl.version"), j.getManifest().getMainAttributes().getValue("Implementation-Version"));
            assertNotNull(j.getEntry("dev/asyncrl/bindings/javacpp/linux-x86_64/libjniJavaCppFunctions.so"), "the JavaCPP JNI glue");
            String manifest;
            try (InputStream in = j.getInputStream(j.getEntry(BUNDLE + "SHA256SUMS"))) {
                manifest = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
            Map<String, String> listed = new TreeMap<>();
            for (String line : manifest.lines().toList()) {
                String[] f = line.split(" {2}");
                assertEquals(2, f.length, "sha256sum format: " + line);
                listed.put(f[1], f[0]);
            }
            assertEquals(built.keySet(), listed.keySet(), "the manifest lists every kernel the build made, and nothing else");
            TreeSet<String> inJar = new TreeSet<>();
            j.stream().map(e -> e.getName()).filter(n -> n.startsWith(BUNDLE) && n.endsWith(".so"))
                    .forEach(n -> inJar.add(n.substring(BUNDLE.length())));
            assertEquals(built.keySet(), inJar, "the jar holds every kernel the build made, and nothing else");
            for (var e : listed.entrySet()) {
                byte[] bytes;
                try (InputStream in = j.getInputStream(j.getEntry(BUNDLE + e.getKey()))) {
                    bytes = in.readAllBytes();
                }
                assertEquals(e.getValue(), sha256(bytes), e.getKey() + " in the jar against its manifest line");
                assertEquals(sha256(Files.readAllBytes(built.get(e.getKey()))), e.getValue(), e.getKey() + " against the built file");
            }
        }
    }

    /**
     * Runs {@code main} (a class name, or a single-file source program) with the installed jar and its
     * dependencies alone on the class path, as a user's program has them; returns stdout + stderr.
     */
    private static String runFromJar(Path cache, String main, String... args) throws IOException, InterruptedException {
        String cp = jar + File.pathSeparator + Files.readString(Path.of("target", "classpath.txt")).strip();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true", "-Dasyncrl.cache.dir=" + cache,
                "-cp", cp, main));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().remove("ASYNCRL_NATIVE_DIR");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
        return out;
    }

    /** A user's program: loads each kernel named in its arguments and prints "name path", then where KernelLibraries came from. */
    private static final String LOAD_BY_NAME = """
            import dev.asyncrl.bindings.ffm.FfmKernel;
            import dev.asyncrl.bindings.ffm.KernelLibraries;

            public class LoadByName {
                public static void main(String[] args) {
                    for (String name : args) {
                        try (FfmKernel k = KernelLibraries.load(name)) {
                            System.out.println(k.name() + " " + k.path());
                        }
                    }
                    System.out.println("from " + KernelLibraries.class.getProtectionDomain().getCodeSource().getLocation().getPath());
                }
            }
            """;

    @Test
    void aFreshJvmExtractsTheKernelsOnceAndLoadsThemByName(@TempDir Path tmp) throws Exception {
        Path program = Files.writeString(tmp.resolve("LoadByName.java"), LOAD_BY_NAME);
        Path cache = tmp.resolve("cache");
        String out = runFromJar(cache, program.toString(), "reference", "simd", "blas");
        assertTrue(out.contains("from " + jar), "KernelLibraries from the installed jar: " + out);
        Path dir;
        try (Stream<Path> dirs = Files.list(cache)) {
            List<Path> all = dirs.toList();
            assertEquals(1, all.size(), "one directory per version and manifest: " + all);
            dir = all.getFirst();
        }
        assertTrue(dir.getFileName().toString().startsWith(System.getProperty("asyncrl.version") + "-"), dir.toString());
        for (String name : List.of("reference", "simd", "blas")) {
            assertTrue(out.contains(name + " " + dir.resolve("libasyncrl_" + name + ".so")), name + " loaded from the cache: " + out);
        }
        Object inode = Files.readAttributes(dir.resolve("libasyncrl_simd.so"), BasicFileAttributes.class).fileKey();
        runFromJar(cache, program.toString(), "simd");
        assertEquals(inode, Files.readAttributes(dir.resolve("libasyncrl_simd.so"), BasicFileAttributes.class).fileKey(),
                "a second JVM reuses the extracted file");
    }

    @Test
    void theBlasKernelFindsOpenBlasAndConformsFromTheJar(@TempDir Path cache) throws Exception {
        String out = runFromJar(cache, "dev.asyncrl.cli.Main", "kernel", "check", "blas", "--failures-only");
        assertTrue(out.contains("all passed: blas conforms"), out);
        assertTrue(out.contains(cache.toString()), "the blas kernel came from the cache: " + out);
    }
}
