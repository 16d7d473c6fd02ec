package dev.asyncrl.mujoco;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MuJoCo's C API (version 2.2.2, Debian's {@code libmujoco2.2.2}) through the FFM API: no JNI, no
 * Python. {@link #require()} finds the shared library ({@code ASYNCRL_MUJOCO_LIB}, the system
 * property {@code asyncrl.mujoco.lib}, then the usual library directories) and checks its
 * {@code mj_version()}; the downcall handles live in {@link Fn}, static finals the JIT folds, bound
 * the first time a model is loaded. Calls that only compute ({@code mj_step}, {@code mj_forward},
 * {@code mj_rnePostConstraint}, {@code mj_resetData}) are critical: they never call back into Java,
 * and take microseconds.
 *
 * <p>The structs are read through the byte offsets in {@link Layout}, which were written against
 * the installed headers and are checked against them by MujocoLayoutTest (a C++ program prints
 * {@code offsetof} of every field used).
 */
public final class MuJoCo {
    private MuJoCo() {}

    /** The MuJoCo version the offsets in {@link Layout} belong to (mj_version()). */
    public static final int VERSION = 222;

    /** What to install when the library is missing. */
    public static final String INSTALL_HINT = "install Debian's MuJoCo 2.2.2 (apt-get install libmujoco-dev libmujoco-samples; "
            + "./asyncrl test does it when run as root) or point ASYNCRL_MUJOCO_LIB at libmujoco.so.2.2.2";

    private static volatile Path library;

    /**
     * The MuJoCo library, found and checked once; an {@link IllegalArgumentException} naming the
     * package to install when it is missing or of another version.
     */
    public static synchronized Path require() {
        if (library != null) return library;
        Path found = null;
        List<Path> looked = new ArrayList<>();
        String env = System.getenv("ASYNCRL_MUJOCO_LIB");
        String prop = System.getProperty("asyncrl.mujoco.lib");
        for (String given : new String[] {env, prop}) {
            if (given == null || given.isBlank()) continue;
            Path p = Path.of(given);
            if (!Files.isRegularFile(p)) throw new IllegalArgumentException("MuJoCo library " + p + " (from "
                    + (given == env ? "ASYNCRL_MUJOCO_LIB" : "asyncrl.mujoco.lib") + ") does not exist");
            found = p;
            break;
        }
        if (found == null) {
            for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
                    "/usr/local/lib"}) {
                for (String name : new String[] {"libmujoco.so.2.2.2", "libmujoco.so"}) {
                    Path p = Path.of(dir, name);
                    looked.add(p);
                    if (Files.isRegularFile(p)) {
                        found = p;
                        break;
                    }
                }
                if (found != null) break;
            }
        }
        if (found == null) throw new IllegalArgumentException("MuJoCo not found (looked in /usr/lib/<arch>, /usr/lib64, /usr/lib, "
                + "/usr/local/lib): " + INSTALL_HINT);
        int version;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fn = SymbolLookup.libraryLookup(found, arena).find("mj_version")
                    .orElseThrow(() -> new IllegalArgumentException("not a MuJoCo library (no mj_version)"));
            version = (int) Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.of(JAVA_INT)).invokeExact();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("MuJoCo library " + found + ": " + e.getMessage() + "; " + INSTALL_HINT);
        } catch (Throwable t) {
            throw new IllegalStateException("MuJoCo library " + found + ": mj_version failed", t);
        }
        if (version != VERSION) throw new IllegalArgumentException("MuJoCo library " + found + " is version " + version
                + ", asyncrl's binding was written for " + VERSION + " (2.2.2): " + INSTALL_HINT);
        library = found;
        return found;
    }

    /** The downcall handles; touched only after {@link #require()} succeeded. */
    static final class Fn {
        private Fn() {}

        private static final Linker LINKER = Linker.nativeLinker();
        private static final SymbolLookup LIB = SymbolLookup.libraryLookup(library, Arena.global());
        private static final Linker.Option CRITICAL = Linker.Option.critical(false);

        private static MethodHandle fn(String name, FunctionDescriptor d, Linker.Option... options) {
            return LINKER.downcallHandle(LIB.find(name).orElseThrow(() -> new IllegalStateException("MuJoCo has no " + name)), d, options);
        }

        /** mjModel* mj_loadXML(const char* filename, const mjVFS* vfs, char* error, int error_sz) */
        static final MethodHandle LOAD_XML = fn("mj_loadXML", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, ADDRESS, JAVA_INT));
        static final MethodHandle DELETE_MODEL = fn("mj_deleteModel", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle MAKE_DATA = fn("mj_makeData", FunctionDescriptor.of(ADDRESS, ADDRESS));
        static final MethodHandle DELETE_DATA = fn("mj_deleteData", FunctionDescriptor.ofVoid(ADDRESS));
        static final MethodHandle RESET_DATA = fn("mj_resetData", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), CRITICAL);
        static final MethodHandle STEP = fn("mj_step", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), CRITICAL);
        static final MethodHandle FORWARD = fn("mj_forward", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), CRITICAL);
        static final MethodHandle RNE_POST_CONSTRAINT = fn("mj_rnePostConstraint", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS), CRITICAL);
        /** int mj_name2id(const mjModel* m, int type, const char* name) */
        static final MethodHandle NAME2ID = fn("mj_name2id", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
