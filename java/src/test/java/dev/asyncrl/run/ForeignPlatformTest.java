/*
 * Protects what a platform other than linux-x86_64 gets (simulated by setting os.arch / os.name,
 * with no asyncrl.native.dir): a built-in kernel name is one clear error line naming the platform
 * and --kernel java; auto uses the Java kernel after exactly one warning line; java still works;
 * and a path is still loaded as given (here refused by the ELF check, since the file is built for
 * x86-64). The same calls on this machine's real platform (no asyncrl.native.dir either) load native
 * kernels, so the test can fail.
 */
package dev.asyncrl.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelLoadException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

@ResourceLock(Resources.SYSTEM_PROPERTIES)
class ForeignPlatformTest {

    private String osName, osArch, nativeDir;
    private Path reference;

    @BeforeEach
    void saveProperties() {
        assumeTrue(System.getenv("ASYNCRL_NATIVE_DIR") == null, "ASYNCRL_NATIVE_DIR is set: an explicit directory wins on any platform");
        osName = System.getProperty("os.name");
        osArch = System.getProperty("os.arch");
        nativeDir = System.getProperty("asyncrl.native.dir");
        reference = KernelLibraries.nativeDir().resolve("libasyncrl_reference.so");
    }

    @AfterEach
    void restoreProperties() {
        if (osName == null) return;  // the assumption failed before anything was changed
        System.setProperty("os.name", osName);
        System.setProperty("os.arch", osArch);
        if (nativeDir != null) System.setProperty("asyncrl.native.dir", nativeDir);
    }

    private void simulate(String name, String arch) {
        System.setProperty("os.name", name);
        System.setProperty("os.arch", arch);
        System.clearProperty("asyncrl.native.dir");
    }

    private static List<String> autoLines() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Kernel k = Kernels.open(Kernels.DEFAULT, new PrintStream(log, true, StandardCharsets.UTF_8))) {
            assertInstanceOf(JavaKernel.class, k);
        }
        return log.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void aBuiltInNameIsOneClearErrorLineNamingThePlatform() {
        simulate("Linux", "aarch64");
        assertEquals("linux-aarch64", KernelLibraries.platform());
        for (String name : List.of("reference", "simd", "blas", "nosuchkernel")) {
            KernelLoadException e = assertThrows(KernelLoadException.class, () -> Kernels.open(name).close(), name);
            String m = e.getMessage();
            assertFalse(m.contains("\n"), "one line: " + m);
            for (String part : List.of("kernel '" + name + "' is not available", "Linux aarch64", "linux-x86_64", "--kernel java")) {
                assertTrue(m.contains(part), "expected '" + part + "' in: " + m);
            }
        }
        assertTrue(KernelLibraries.available().isEmpty());
        assertTrue(KernelLibraries.unavailable().isPresent());
    }

    @Test
    void autoFallsBackToJavaWithOneWarningLine() {
        simulate("Mac OS X", "aarch64");
        List<String> lines = autoLines();
        assertEquals(1, lines.size(), "one line: " + lines);
        String line = lines.getFirst();
        assertTrue(line.startsWith("asyncrl: kernel auto: ") && line.contains("Mac OS X aarch64") && line.endsWith("using the java kernel"), line);

        simulate("Windows 11", "amd64");  // x86-64, but not Linux
        assertEquals(1, autoLines().size());
    }

    @Test
    void javaAndPathsAreNotGatedByThePlatform() {
        simulate("Linux", "aarch64");
        try (Kernel k = Kernels.open("java")) {
            assertEquals("java", k.name());
        }
        // the path is tried as given; the ELF check then refuses an x86-64 file on "aarch64"
        KernelLoadException e = assertThrows(KernelLoadException.class, () -> Kernels.open(reference.toString()).close());
        assertTrue(e.getMessage().contains("built for another architecture") && e.getMessage().contains(reference.toString()), e.getMessage());
    }

    @Test
    void onLinuxX8664TheSameCallsLoadNativeKernels() {
        assumeTrue(osName.startsWith("Linux") && (osArch.equals("amd64") || osArch.equals("x86_64")), "not linux-x86_64");
        simulate(osName, osArch);  // no asyncrl.native.dir: the kernels beside the classes (target/native/lib)
        assertEquals("linux-x86_64", KernelLibraries.platform());
        assertTrue(KernelLibraries.unavailable().isEmpty(), KernelLibraries.unavailable().toString());
        try (Kernel k = Kernels.open("reference")) {
            assertInstanceOf(FfmKernel.class, k);
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Kernel k = Kernels.open(Kernels.DEFAULT, new PrintStream(log, true, StandardCharsets.UTF_8))) {
            assertInstanceOf(FfmKernel.class, k);
        }
    }
}
