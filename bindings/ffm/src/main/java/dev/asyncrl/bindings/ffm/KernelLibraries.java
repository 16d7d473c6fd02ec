package dev.asyncrl.bindings.ffm;

import dev.asyncrl.kernel.KernelLoadException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The one place that finds and loads native kernel libraries, by name or by path, and checks a
 * library file before dlopen sees it. Every binding (FFM here, JNA and JavaCPP over it) opens its
 * library through this class.
 *
 * <p><b>Names.</b> A name ({@code reference}, {@code simd}, {@code blas}, ...) means the file
 * {@code libasyncrl_NAME.so} in the first of these that is there:
 * <ol>
 *   <li>the directory in the system property {@code asyncrl.native.dir} (the launcher and the tests
 *       set it to the build's {@code target/native/lib});
 *   <li>the directory in the environment variable {@code ASYNCRL_NATIVE_DIR};
 *   <li>{@code native/lib} beside the classes' directory or jar ({@code target/native/lib} beside
 *       {@code target/classes}, where CMake writes the kernels);
 *   <li>the kernels inside the jar, under {@code dev/asyncrl/native/linux-x86_64/} with their
 *       SHA-256 manifest: extracted once to a per-user cache, {@code -Dasyncrl.cache.dir} if set, else
 *       {@code $XDG_CACHE_HOME/asyncrl}, else {@code ~/.cache/asyncrl}, in a directory named after the
 *       version and the manifest's hash; written to a temporary file, checked, renamed into place,
 *       and checked again before every load, so a damaged cache file is extracted again, never
 *       loaded ({@link NativeBundle}).
 * </ol>
 * An explicit directory (1, 2) is used on any platform; 3 and 4 only on Linux x86-64, the one
 * platform whose kernels the jar carries.
 *
 * <p><b>Paths.</b> Anything with a '/' or ending in {@code .so} is a library of the user's own,
 * loaded as given on any platform.
 *
 * <p><b>Another platform, or no kernels.</b> Where {@code os.name}/{@code os.arch} are not Linux
 * x86-64, or the jar was built without its natives and no directory above has them, a built-in name
 * is a {@link KernelLoadException} of one line that names the platform and the way out
 * ({@code --kernel java}); {@link #unavailable()} gives the reason, so that {@code --kernel auto}
 * uses the pure-Java kernel after one warning line. The Java kernel is the documented fallback.
 *
 * <p><b>Checks.</b> Before dlopen, {@link #checkLibraryFile} refuses what is not a regular file or
 * not an ELF shared object for this machine, and a file cut short (see there); after it,
 * {@link FfmKernel} checks the contract version and every symbol.
 *
 * <p>The blas kernel links no BLAS: {@link OpenBlas} loads bytedeco's OpenBLAS from the
 * {@code org.bytedeco:openblas} jars on the class path (JavaCPP extracts it to its own cache) and
 * hands over cblas_sgemm's address, so it works the same from the jar as from the source tree.
 */
public final class KernelLibraries {
    private KernelLibraries() {}

    /** The platform whose kernels the jar carries, as the resource directory names it. */
    public static final String BUNDLED_PLATFORM = "linux-x86_64";

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
        Source source = locate();
        if (source.dir == null) {
            throw new KernelLoadException("kernel '" + nameOrPath + "' is not available: " + source.unavailable
                    + "; use --kernel java, or the path of a kernel .so built for this machine");
        }
        Path file = source.dir.resolve(PREFIX + nameOrPath + SUFFIX);
        // a bundled file is checked against the manifest once more just before dlopen
        if (source.bundle != null && source.bundle.contains(file.getFileName().toString())) {
            file = source.bundle.extract(file.getFileName().toString());
        }
        if (!Files.isRegularFile(file)) {
            throw new KernelLoadException("unknown kernel '" + nameOrPath + "': no " + file.getFileName() + " in "
                    + source.dir + " (built-in kernels there: " + String.join(", ", names(source.dir)) + ")");
        }
        return FfmKernel.open(file);
    }

    /** The names of the built-in kernels (test-only libraries left out); none where none can be loaded. */
    public static List<String> available() {
        try {
            Source source = locate();
            return source.dir == null ? List.of() : names(source.dir);
        } catch (KernelLoadException e) {
            return List.of();  // a damaged bundle: load() names the cause
        }
    }

    /**
     * Where built-in kernels are loaded from (see the class comment for the order), extracting the
     * jar's kernels first if that is where they come from. Throws KernelLoadException naming the
     * reason where there is none.
     */
    public static Path nativeDir() {
        Source source = locate();
        if (source.dir == null) throw new KernelLoadException(source.unavailable);
        return source.dir;
    }

    /**
     * Why no built-in kernel can be loaded here (another platform, no kernels in the jar, a bundle
     * that cannot be extracted), or empty where they can: {@code --kernel auto} then uses the Java kernel.
     */
    public static Optional<String> unavailable() {
        try {
            return Optional.ofNullable(locate().unavailable);
        } catch (KernelLoadException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** This JVM's platform as the jar's resource directories name it: {@code linux-x86_64}, {@code mac-aarch64}, ... */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "mac" : os.startsWith("windows") ? "windows"
                : os.replaceAll("[^a-z0-9]", "");
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.replaceAll("[^a-z0-9_]", "");
        return o + "-" + a;
    }

    /** The per-user cache that the jar's kernels are extracted into (see the class comment). */
    public static Path cacheRoot() {
        String prop = System.getProperty("asyncrl.cache.dir");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && Path.of(xdg).isAbsolute()) return Path.of(xdg, "asyncrl");
        return Path.of(System.getProperty("user.home"), ".cache", "asyncrl");
    }

    /** Where built-in kernels come from: a directory (and the bundle it was extracted from), or why none. */
    private record Source(Path dir, NativeBundle bundle, String unavailable) {}

    private static Source locate() {
        String prop = System.getProperty("asyncrl.native.dir");
        if (prop != null && !prop.isBlank()) return new Source(Path.of(prop), null, null);
        String env = System.getenv("ASYNCRL_NATIVE_DIR");
        if (env != null && !env.isBlank()) return new Source(Path.of(env), null, null);
        String platform = platform();
        if (!platform.equals(BUNDLED_PLATFORM)) {
            return new Source(null, null, "no built-in native kernels for " + System.getProperty("os.name") + " "
                    + System.getProperty("os.arch") + " (asyncrl carries them for " + BUNDLED_PLATFORM + " only)");
        }
        Path beside = besideClasses();
        if (beside != null && Files.isDirectory(beside)) return new Source(beside, null, null);
        String version = KernelLibraries.class.getPackage().getImplementationVersion();
        NativeBundle bundle = NativeBundle.find(KernelLibraries.class.getClassLoader(), platform, cacheRoot(),
                version != null ? version : "dev");
        if (bundle == null) {
            return new Source(null, null, "no built-in native kernels found (no -Dasyncrl.native.dir, no ASYNCRL_NATIVE_DIR, no "
                    + beside + ", and no " + NativeBundle.RESOURCE_ROOT + platform + "/ in this asyncrl jar)");
        }
        return new Source(bundle.extractAll(), bundle, null);
    }

    /** native/lib beside the directory or jar the classes came from, or null where that is unknown. */
    private static Path besideClasses() {
        try {
            Path classes = Path.of(KernelLibraries.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent().resolve("native").resolve("lib");
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static List<String> names(Path dir) {
        List<String> names = new ArrayList<>();
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

    /**
     * Refuses, before dlopen sees it, a path that is not a regular file (a directory; a FIFO, which
     * would block the reads and dlopen until someone writes to it) or, on Linux, not an ELF shared
     * object for this machine: the error then names the real cause (not ELF, 32-bit, another
     * architecture), and the JVM prints no stack-guard warnings about a file it failed to load. It
     * also refuses a file cut short (a copy or download that stopped early): dlopen maps each
     * PT_LOAD segment from the file as its program header says, and touching a page mapped past the
     * end of the file is SIGBUS, which kills the JVM, so every segment and header table must lie
     * inside the file.
     */
    public static void checkLibraryFile(Path path) {
        if (Files.isDirectory(path)) throw new KernelLoadException("kernel library " + path + " is a directory, not a .so file");
        if (Files.exists(path) && !Files.isRegularFile(path)) {
            throw new KernelLoadException("kernel library " + path + " is not a regular file (a FIFO, socket or device), not a .so file");
        }
        if (!Files.isRegularFile(path)) {
            throw new KernelLoadException("kernel library not found: " + path);
        }
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) return;
        String cannot = "cannot load kernel library " + path + ": ";
        try (var ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer h = read(ch, 0, 64);
            if (h.limit() < 20 || h.get(0) != 0x7f || h.get(1) != 'E' || h.get(2) != 'L' || h.get(3) != 'F') {
                throw new KernelLoadException(cannot + "not a shared library (no ELF header)");
            }
            if (h.get(4) != 2) throw new KernelLoadException(cannot + "a 32-bit library, this JVM is 64-bit");
            h.order(h.get(5) == 1 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            int type = Short.toUnsignedInt(h.getShort(16));
            int machine = Short.toUnsignedInt(h.getShort(18));
            if (type != 3) throw new KernelLoadException(cannot + "an ELF file but not a shared library (type " + type + ")");
            String arch = System.getProperty("os.arch", "");
            int expected = switch (arch) {
                case "amd64", "x86_64" -> 62;
                case "aarch64" -> 183;
                case "riscv64" -> 243;
                case "ppc64le" -> 21;
                case "s390x" -> 22;
                default -> -1;
            };
            if (expected != -1 && machine != expected) {
                throw new KernelLoadException(cannot + "built for another architecture (ELF machine " + machine + "), this JVM runs on " + arch);
            }
            String truncated = cannot + "the file is cut short (" + size + " bytes) or damaged: ";
            if (h.limit() < 64) throw new KernelLoadException(truncated + "its ELF header is incomplete");
            long phoff = h.getLong(32), shoff = h.getLong(40);
            int phentsize = Short.toUnsignedInt(h.getShort(54)), phnum = Short.toUnsignedInt(h.getShort(56));
            int shentsize = Short.toUnsignedInt(h.getShort(58)), shnum = Short.toUnsignedInt(h.getShort(60));
            if (phnum == 0 || phentsize < 56 || phentsize > 4096) throw new KernelLoadException(truncated + "it has no program headers");
            if (!inside(phoff, (long) phnum * phentsize, size)) {
                throw new KernelLoadException(truncated + "its program headers lie past its end");
            }
            ByteBuffer ph = read(ch, phoff, phnum * phentsize).order(h.order());
            for (int i = 0; i < phnum; i++) {
                int at = i * phentsize;
                int pType = ph.getInt(at);
                long offset = ph.getLong(at + 8), filesz = ph.getLong(at + 32);
                // PT_LOAD (1) is mapped from the file; PT_DYNAMIC (2) is read by the loader before anything runs
                if ((pType == 1 || pType == 2) && !inside(offset, filesz, size)) {
                    throw new KernelLoadException(truncated + "segment " + i + " needs bytes up to " + Long.toUnsignedString(offset + filesz)
                            + " (ELF program header " + (pType == 1 ? "PT_LOAD" : "PT_DYNAMIC") + ")");
                }
            }
            // shnum 0 with shoff set means more than 65279 sections (counted elsewhere): only a table that is there is checked
            if (shoff != 0 && shnum != 0 && !inside(shoff, (long) shnum * shentsize, size)) {
                throw new KernelLoadException(truncated + "its section headers lie past its end");
            }
        } catch (IOException e) {
            String why = e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
            throw new KernelLoadException("cannot read kernel library " + path + ": " + why, e);
        }
    }

    /** Whether [offset, offset + length) lies inside a file of {@code size} bytes (offset and length unsigned, as ELF's). */
    private static boolean inside(long offset, long length, long size) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    /** Up to {@code n} bytes of the file from {@code at}: fewer where the file ends first. */
    private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            int r = ch.read(b, at + b.position());
            if (r < 0) break;
        }
        return b.flip();
    }
}
