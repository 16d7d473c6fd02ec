package dev.asyncrl.run;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.kernel.KernelLoadException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Chooses a kernel for a run: {@code java} is the pure-Java kernel; {@code auto} (the default) the
 * fastest kernel this machine supports; any other name is a native kernel library built with the
 * project ({@code reference}, {@code blas}, {@code simd}), and a path is a library of the user's
 * own. Lives above both the Kernel interface and the bindings, so neither imports the other.
 *
 * <p>How {@code auto} chooses (the measurements are in the README, "Kernels"): simd where the CPU
 * has AVX2 and FMA, then blas, then reference, then java. blas ahead of reference: through
 * OpenBLAS's sgemm, dense forward+backward at batch 5 took a fraction of the reference loops' time
 * at every width measured (4x64 to 256x256), and so did a whole A3C segment on CartPole. simd ahead
 * of blas: on the small matrices of actor-learner segments (NetBench: a t_max = 5 segment of the
 * CartPole, MinAtar and Atari networks; OpBench: each op) it took less time than blas on every
 * network, and a fraction of it on the MinAtar and Atari nets. simd needs AVX2 and FMA only for
 * speed (without them it runs the reference code), so the flags test is a preference, not a
 * safety check. A candidate that is missing or fails to load is skipped with one line on stderr
 * naming why; auto never fails while java remains.
 */
public final class Kernels {
    private Kernels() {}

    /** The --kernel value when the flag is absent: the fastest kernel available, see the class comment. */
    public static final String DEFAULT = "auto";

    public static Kernel open(String spec) {
        return open(spec, System.err);
    }

    /** Like {@link #open(String)}; {@code auto}'s fall-back lines go to {@code log}. */
    public static Kernel open(String spec, PrintStream log) {
        if (spec.equals("java")) return new JavaKernel();
        if (spec.equals(DEFAULT)) return openFastest(log);
        return KernelLibraries.load(spec);
    }

    /** The native kernels auto tries, fastest first, on this machine. */
    public static List<String> preference() {
        List<String> names = new ArrayList<>();
        if (cpuHas("avx2") && cpuHas("fma")) names.add("simd");
        names.add("blas");
        names.add("reference");
        return names;
    }

    private static Kernel openFastest(PrintStream log) {
        return openFirst(preference(), log);
    }

    /** The first of {@code names} that loads, each failure a line on {@code log}; java if none does. */
    public static Kernel openFirst(List<String> names, PrintStream log) {
        for (String name : names) {
            try {
                return KernelLibraries.load(name);
            } catch (KernelLoadException e) {
                log.println("asyncrl: kernel auto: skipping " + name + ": " + e.getMessage());
            }
        }
        log.println("asyncrl: kernel auto: no native kernel could be loaded; using the java kernel");
        return new JavaKernel();
    }

    private static String cpuFlags;

    /** Whether /proc/cpuinfo lists this CPU flag (false where there is no /proc/cpuinfo). */
    public static synchronized boolean cpuHas(String flag) {
        if (cpuFlags == null) {
            cpuFlags = "";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("flags")) {
                        cpuFlags = " " + line.substring(line.indexOf(':') + 1).trim().toLowerCase(Locale.ROOT) + " ";
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no cpuinfo (not Linux): no SIMD kernel is assumed
            }
        }
        return cpuFlags.contains(" " + flag + " ");
    }
}
