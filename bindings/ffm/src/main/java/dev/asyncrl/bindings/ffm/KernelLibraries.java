package dev.asyncrl.bindings.ffm;

import dev.asyncrl.kernel.KernelLoadException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The one place that finds and loads native kernel libraries, by name or by path.
 *
 * <p>A name ({@code reference}, {@code simd}, ...) means the file {@code libasyncrl_NAME.so} in the
 * native directory, which is looked for in this order: the system property
 * {@code asyncrl.native.dir}, the environment variable {@code ASYNCRL_NATIVE_DIR}, then
 * {@code target/native/lib} beside the build's classes (where the Maven build puts the kernels). A
 * path (anything with a '/' or ending in .so) is loaded as given. Either way the library's version
 * and symbols are checked before it is used.
 */
public final class KernelLibraries {
    private KernelLibraries() {}

    private static final Pattern NAME = Pattern.compile("[a-z0-9_]+");
    private static final String PREFIX = "libasyncrl_";
    private static final String SUFFIX = ".so";

    /** True if {@code spec} names a library file rather than a built-in kernel name. */
    public static boolean isPath(String spec) {
        return spec.contains("/") || spec.endsWith(SUFFIX);
    }

    public static FfmKernel load(String nameOrPath) {
        if (isPath(nameOrPath)) return FfmKernel.open(Path.of(nameOrPath).toAbsolutePath());
        if (!NAME.matcher(nameOrPath).matches()) {
            throw new KernelLoadException("unknown kernel '" + nameOrPath + "': a kernel is java, a built-in name ("
                    + String.join(", ", available()) + ") or the path of a .so");
        }
        Path dir = nativeDir();
        Path file = dir.resolve(PREFIX + nameOrPath + SUFFIX);
        if (!Files.isRegularFile(file)) {
            throw new KernelLoadException("unknown kernel '" + nameOrPath + "': no " + file.getFileName() + " in "
                    + dir + " (built-in kernels there: " + String.join(", ", available()) + ")");
        }
        return FfmKernel.open(file);
    }

    /** The names of the kernel libraries in the native directory (test-only libraries left out). */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        Path dir = nativeDir();
        if (!Files.isDirectory(dir)) return names;
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith(PREFIX) && f.endsWith(SUFFIX) && !f.startsWith(PREFIX + "test_"))
                    .map(f -> f.substring(PREFIX.length(), f.length() - SUFFIX.length()))
                    .sorted()
                    .forEach(names::add);
        } catch (IOException e) {
            // an unreadable directory lists nothing; load() then names the directory
        }
        return names;
    }

    /** Where built-in kernels live (see the class comment for the order). */
    public static Path nativeDir() {
        String prop = System.getProperty("asyncrl.native.dir");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String env = System.getenv("ASYNCRL_NATIVE_DIR");
        if (env != null && !env.isBlank()) return Path.of(env);
        try {
            Path classes = Path.of(KernelLibraries.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent().resolve("native").resolve("lib");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("target", "native", "lib");
        }
    }
}
