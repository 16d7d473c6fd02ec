/*
 * Protects the extraction of the kernels the jar carries (NativeBundle, used by KernelLibraries):
 * a bundle is extracted into a fresh cache directory and its kernels load from there; a second
 * extraction (another JVM) reuses the files; a cached file damaged or cut short is detected by its
 * SHA-256 and extracted again, never loaded; and a damaged manifest or a jar whose file does not
 * match its manifest is a KernelLoadException that says so, leaving no file behind. The bundles
 * here are built in a temporary directory from the kernels CMake built, reached through a class
 * loader of their own, as the jar's resources are.
 */
package dev.asyncrl.bindings.ffm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelLoadException;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeBundleTest {

    private static final String PLATFORM = "linux-x86_64";
    private static final List<String> KERNELS = List.of("libasyncrl_reference.so", "libasyncrl_simd.so");

    /** A resource root holding a bundle of {@link #KERNELS} and the manifest {@code manifest} returns for their sums. */
    private static URLClassLoader bundle(Path root, UnaryOperator<String> manifest) throws IOException {
        Path dir = Files.createDirectories(root.resolve(NativeBundle.RESOURCE_ROOT + PLATFORM));
        StringBuilder sums = new StringBuilder();
        for (String k : KERNELS) {
            Path copy = Files.copy(KernelLibraries.nativeDir().resolve(k), dir.resolve(k));
            sums.append(NativeBundle.sha256(copy)).append("  ").append(k).append('\n');
        }
        Files.writeString(dir.resolve(NativeBundle.MANIFEST), manifest.apply(sums.toString()));
        return new URLClassLoader(new URL[] {root.toUri().toURL()}, null);
    }

    private static URLClassLoader bundle(Path root) throws IOException {
        return bundle(root, m -> m);
    }

    private static Object inode(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    }

    @Test
    void extractsOnceIntoAFreshCacheAndTheKernelsLoadFromThere(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        try (URLClassLoader jar = bundle(tmp.resolve("jar"))) {
            NativeBundle b = NativeBundle.find(jar, PLATFORM, cache, "9.9");
            assertNotNull(b);
            assertFalse(Files.exists(cache), "nothing is written before it is asked for");
            Path dir = b.extractAll();
            assertTrue(dir.startsWith(cache) && dir.getFileName().toString().matches("9\\.9-[0-9a-f]{16}"), dir.toString());
            for (String k : KERNELS) {
                assertArrayEquals(Files.readAllBytes(KernelLibraries.nativeDir().resolve(k)), Files.readAllBytes(dir.resolve(k)), k);
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(KERNELS.size(), files.count(), "no temporary file is left behind");
            }
            try (Kernel k = KernelLibraries.load(b.extract("libasyncrl_reference.so").toString())) {
                assertEquals("reference", k.name());
            }

            // a second JVM: the same directory, the files left as they are
            Object before = inode(dir.resolve("libasyncrl_simd.so"));
            NativeBundle again = NativeBundle.find(jar, PLATFORM, cache, "9.9");
            assertEquals(dir, again.extractAll());
            assertEquals(before, inode(dir.resolve("libasyncrl_simd.so")), "an intact cached file is reused, not rewritten");
        }
    }

    @Test
    void aDamagedOrTruncatedCachedFileIsExtractedAgainNotLoaded(@TempDir Path tmp) throws IOException {
        Path cache = tmp.resolve("cache");
        try (URLClassLoader jar = bundle(tmp.resolve("jar"))) {
            Path dir = NativeBundle.find(jar, PLATFORM, cache, "1").extractAll();
            Path ref = dir.resolve("libasyncrl_reference.so");
            byte[] good = Files.readAllBytes(ref);

            byte[] flipped = good.clone();
            flipped[good.length / 2] ^= 0x5a;
            Files.write(ref, flipped);
            Path again = NativeBundle.find(jar, PLATFORM, cache, "1").extract("libasyncrl_reference.so");
            assertEquals(ref, again);
            assertArrayEquals(good, Files.readAllBytes(ref), "a file with one byte changed is replaced");

            Files.write(ref, Arrays.copyOf(good, good.length / 3));
            try (Kernel k = KernelLibraries.load(NativeBundle.find(jar, PLATFORM, cache, "1").extract("libasyncrl_reference.so").toString())) {
                assertEquals("reference", k.name(), "a file cut short is replaced before it is loaded");
            }
            assertArrayEquals(good, Files.readAllBytes(ref));
        }
    }

    @Test
    void aFileThatDoesNotMatchTheManifestIsAClearErrorAndLeavesNothing(@TempDir Path tmp) throws IOException {
        String wrong = "0".repeat(64);
        try (URLClassLoader jar = bundle(tmp.resolve("jar"),
                m -> m.replaceFirst("[0-9a-f]{64}(  libasyncrl_simd\\.so)", wrong + "$1"))) {
            Path cache = tmp.resolve("cache");
            NativeBundle b = NativeBundle.find(jar, PLATFORM, cache, "1");
            KernelLoadException e = assertThrows(KernelLoadException.class, b::extractAll);
            assertTrue(e.getMessage().contains("libasyncrl_simd.so") && e.getMessage().contains("does not match the manifest")
                    && e.getMessage().contains(wrong), e.getMessage());
            assertFalse(Files.exists(b.dir().resolve("libasyncrl_simd.so")), "the mismatching file is not put in place");
            try (Stream<Path> files = Files.list(b.dir())) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file is left behind");
            }
        }
    }

    @Test
    void aManifestEntryWithoutItsFileIsAClearError(@TempDir Path tmp) throws IOException {
        try (URLClassLoader jar = bundle(tmp.resolve("jar"), m -> m + "a".repeat(64) + "  libasyncrl_gone.so\n")) {
            KernelLoadException e = assertThrows(KernelLoadException.class,
                    () -> NativeBundle.find(jar, PLATFORM, tmp.resolve("cache"), "1").extractAll());
            assertTrue(e.getMessage().contains("libasyncrl_gone.so") && e.getMessage().contains("not in the jar"), e.getMessage());
        }
    }

    @Test
    void aMalformedManifestLineIsAClearErrorNamingTheLine(@TempDir Path tmp) throws IOException {
        for (String bad : List.of("not a checksum line", "a".repeat(64) + "  ../../evil.so", "abc  libasyncrl_short.so")) {
            Path root = tmp.resolve("jar" + Math.abs(bad.hashCode()));
            try (URLClassLoader jar = bundle(root, m -> m + bad + "\n")) {
                KernelLoadException e = assertThrows(KernelLoadException.class,
                        () -> NativeBundle.find(jar, PLATFORM, tmp.resolve("cache"), "1"), bad);
                assertTrue(e.getMessage().contains("manifest") && e.getMessage().contains("line " + (KERNELS.size() + 1))
                        && e.getMessage().contains(bad), e.getMessage());
            }
        }
        assertFalse(Files.exists(tmp.resolve("evil.so")));
    }

    @Test
    void noManifestForThePlatformIsNoBundle(@TempDir Path tmp) throws IOException {
        try (URLClassLoader jar = bundle(tmp.resolve("jar"))) {
            assertNull(NativeBundle.find(jar, "linux-aarch64", tmp.resolve("cache"), "1"));
        }
    }

    @Test
    void anotherManifestIsAnotherDirectory(@TempDir Path tmp) throws IOException {
        try (URLClassLoader a = bundle(tmp.resolve("a"));
             URLClassLoader b = bundle(tmp.resolve("b"), m -> m.lines().limit(1).map(l -> l + "\n").findFirst().orElseThrow())) {
            Path cache = tmp.resolve("cache");
            assertNotEquals(NativeBundle.find(a, PLATFORM, cache, "1").dir(), NativeBundle.find(b, PLATFORM, cache, "1").dir());
        }
    }
}
