/*
 * Protects `asyncrl kernel check`: every shipped kernel (java and each built library but the
 * test_* ones: reference, blas and simd) passes the conformance suite; the
 * reference kernel with relu_backward wrong (libasyncrl_test_broken.so) fails it, and only
 * relu_backward's rows fail; a kernel that cannot be loaded is exit 2. Also that the default
 * kernel (auto) is simd on a CPU with AVX2 and FMA, and skips an unloadable candidate with a line
 * saying why.
 */
package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.run.Kernels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KernelCheckCommandTest {

    record Result(int code, String out, String err) {}

    static Result check(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        String[] all = Stream.concat(Stream.of("kernel", "check"), Stream.of(args)).toArray(String[]::new);
        int code = Main.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    static Stream<String> shippedKernels() {
        List<String> built = KernelLibraries.available();
        // simd is built everywhere (on a CPU without AVX2 and FMA, or off x86, it runs the reference code)
        assertTrue(built.contains("reference") && built.contains("blas") && built.contains("simd"), "built kernels: " + built);
        return Stream.concat(Stream.of("java"), built.stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shippedKernels")
    void everyShippedKernelPasses(String name) {
        Result r = check(name);
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("all passed"), r.out());
        assertFalse(r.out().contains("FAIL"), r.out());
        // every kind of check ran
        for (String kind : List.of(" oracle ", " gradient ", " status ")) assertTrue(r.out().contains(kind), kind);
    }

    @Test
    void aKernelWithOneWrongOpFailsAndTheTableNamesIt() {
        Path broken = KernelLibraries.nativeDir().resolve("libasyncrl_test_broken.so");
        Result r = check(broken.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        List<String> failing = r.out().lines().filter(l -> l.contains(" FAIL ")).toList();
        assertFalse(failing.isEmpty(), r.out());
        for (String line : failing) assertTrue(line.startsWith("relu_backward "), line);
        assertTrue(failing.stream().anyMatch(l -> l.contains("oracle")), r.out());
        assertTrue(failing.stream().anyMatch(l -> l.contains("gradient")), r.out());
        assertTrue(r.out().contains("failed, in relu_backward"), r.out());
    }

    @Test
    void anUnknownNameIsBadInput() {
        Result r = check("no_such_kernel");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no_such_kernel"), r.err());
    }

    @Test
    void aFileThatIsNotASharedLibraryIsBadInput(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("libfake.so"), "not an ELF file");
        Result r = check(f.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("no ELF header"), r.err());
    }

    @Test
    void autoSkipsACandidateThatCannotBeLoadedWithALine() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Kernel k = Kernels.openFirst(List.of("no_such_kernel", "reference"), new PrintStream(log, true, StandardCharsets.UTF_8))) {
            assertEquals("reference", k.name());
        }
        String line = log.toString(StandardCharsets.UTF_8);
        assertTrue(line.contains("skipping no_such_kernel") && line.lines().count() == 1, line);
    }

    @Test
    void autoIsTheSimdKernelWhereTheCpuHasAvx2AndFma() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Kernel k = Kernels.open(Kernels.DEFAULT, new PrintStream(log, true, StandardCharsets.UTF_8))) {
            if (Kernels.cpuHas("avx2") && Kernels.cpuHas("fma")) {
                assertEquals("simd", k.name(), log.toString(StandardCharsets.UTF_8));
                assertEquals("", log.toString(StandardCharsets.UTF_8), "nothing skipped");
            } else {
                assertNotEquals("simd", k.name());
            }
        }
    }

    @Test
    void autoWithNothingLoadableIsTheJavaKernel() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Kernel k = Kernels.openFirst(List.of("no_such_kernel"), new PrintStream(log, true, StandardCharsets.UTF_8))) {
            assertEquals("java", k.name());
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("using the java kernel"));
    }
}
