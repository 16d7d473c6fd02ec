package dev.asyncrl.run;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pins actor-learner threads to CPUs ({@code --pin-threads}): on Linux, libc's
 * {@code sched_getaffinity} and {@code sched_setaffinity} through FFM, with pid 0 (the calling
 * thread). A run reads the CPUs the process may use once, on the thread that starts the workers
 * ({@link #ofCallingThread}); actor-learner i then pins itself to the i-th of them, modulo their
 * count, so a container's restricted CPU set is respected. Anywhere pinning cannot be done (not
 * Linux, no such symbol, a call that fails) one warning line goes to stderr, once per process, and
 * the threads run unpinned: pinning is a placement hint, never a reason to fail a run.
 *
 * <p>Not on by default: on a machine shared with other jobs, or with SMT siblings, a pinned thread
 * cannot move off a busy CPU, and the scheduler's own placement is often as good; measure with
 * {@code asyncrl bench --pin-threads}.
 */
public final class ThreadAffinity {

    /** The allowed CPUs, ascending; empty when pinning is unavailable (the warning was printed). */
    private final int[] cpus;

    private ThreadAffinity(int[] cpus) {
        this.cpus = cpus;
    }

    /**
     * The CPUs the calling thread may run on (the process's set, unless the thread was pinned),
     * read now. Where they cannot be read, warns once and returns a placement that pins nothing.
     */
    public static ThreadAffinity ofCallingThread() {
        try {
            return new ThreadAffinity(allowedCpus());
        } catch (IllegalStateException e) {
            warnOnce(e.getMessage());
            return new ThreadAffinity(new int[0]);
        }
    }

    /** The CPU actor-learner i pins to: the i-th allowed one, modulo their count; -1 if none. */
    public int cpuFor(int i) {
        return cpus.length == 0 ? -1 : cpus[Math.floorMod(i, cpus.length)];
    }

    /** Pins the calling thread, actor-learner i, to {@link #cpuFor}(i); on failure warns once and leaves it unpinned. */
    public void pin(int i) {
        if (cpus.length == 0) return;
        try {
            pinCallingThread(cpuFor(i));
        } catch (IllegalStateException e) {
            warnOnce(e.getMessage());
        }
    }

    // ---- libc, through FFM -------------------------------------------------------------------

    /** errno, as the downcalls capture it right after the call. */
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final int EINVAL = 22;
    /** cpu_set_t is an array of unsigned long; glibc's default holds 1024 CPUs, a bigger kernel mask needs more. */
    private static final int FIRST_MASK_BYTES = 128, MAX_MASK_BYTES = 1 << 16;

    /**
     * {@code int sched_getaffinity(pid_t pid, size_t cpusetsize, cpu_set_t *mask)} and
     * {@code sched_setaffinity} (same signature): looked up once, on first use; {@code unavailable}
     * names why not (platform, symbol) when they are null.
     */
    private static final class Libc {
        static final MethodHandle GET, SET;
        static final String UNAVAILABLE;

        static {
            MethodHandle get = null, set = null;
            String why = null;
            String os = System.getProperty("os.name", "");
            try {
                Linker linker = Linker.nativeLinker();
                if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
                    why = "thread pinning needs Linux's sched_setaffinity, this is " + os;
                } else if (linker.canonicalLayouts().get("size_t").byteSize() != Long.BYTES
                        || linker.canonicalLayouts().get("long").byteSize() != Long.BYTES) {
                    why = "thread pinning supports 64-bit Linux only";
                } else {
                    FunctionDescriptor d = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS);
                    Linker.Option errno = Linker.Option.captureCallState("errno");
                    var lookup = linker.defaultLookup();
                    MemorySegment g = lookup.find("sched_getaffinity").orElse(null);
                    MemorySegment s = lookup.find("sched_setaffinity").orElse(null);
                    if (g == null || s == null) {
                        why = "libc has no " + (g == null ? "sched_getaffinity" : "sched_setaffinity");
                    } else {
                        get = linker.downcallHandle(g, d, errno);
                        set = linker.downcallHandle(s, d, errno);
                    }
                }
            } catch (RuntimeException | LinkageError e) {  // e.g. native access refused
                why = "thread pinning is unavailable (" + e + ")";
            }
            GET = get;
            SET = set;
            UNAVAILABLE = why;
        }
    }

    /** Why pinning cannot be done on this platform, or null if it can be tried. */
    public static String unavailable() {
        return Libc.UNAVAILABLE;
    }

    /**
     * The CPUs the calling thread may run on, ascending, from {@code sched_getaffinity(0, ...)};
     * IllegalStateException naming the cause when they cannot be read.
     */
    public static int[] allowedCpus() {
        return cpus(readMask());
    }

    /** The calling thread's affinity mask, as unsigned longs; its size is the smallest the kernel accepts. */
    static long[] readMask() {
        if (Libc.UNAVAILABLE != null) throw new IllegalStateException(Libc.UNAVAILABLE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            for (int bytes = FIRST_MASK_BYTES; bytes <= MAX_MASK_BYTES; bytes *= 2) {
                MemorySegment mask = arena.allocate(bytes, Long.BYTES);
                int rc = (int) Libc.GET.invokeExact(state, 0, (long) bytes, mask);
                if (rc == 0) return mask.toArray(ValueLayout.JAVA_LONG);
                int errno = (int) ERRNO.get(state, 0L);
                // EINVAL: the kernel's mask is bigger than this one; try twice the size
                if (errno != EINVAL) throw new IllegalStateException("sched_getaffinity failed (errno " + errno + ")");
            }
            throw new IllegalStateException("sched_getaffinity failed: the CPU mask is bigger than " + MAX_MASK_BYTES + " bytes");
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sched_getaffinity failed (" + t + ")");
        }
    }

    /** Pins the calling thread to {@code cpu} alone; IllegalStateException naming the cause (errno) if the kernel refuses. */
    public static void pinCallingThread(int cpu) {
        if (Libc.UNAVAILABLE != null) throw new IllegalStateException(Libc.UNAVAILABLE);
        if (cpu < 0 || cpu >= MAX_MASK_BYTES * 8) throw new IllegalArgumentException("no CPU " + cpu);
        setMask(mask(cpu, Math.max(FIRST_MASK_BYTES / Long.BYTES, cpu / Long.SIZE + 1)), "pinning to CPU " + cpu);
    }

    /** Sets the calling thread's affinity mask to {@code words} (as {@link #readMask} returns it), e.g. to restore it. */
    static void setMask(long[] words, String what) {
        if (Libc.UNAVAILABLE != null) throw new IllegalStateException(Libc.UNAVAILABLE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment mask = arena.allocateFrom(ValueLayout.JAVA_LONG, words);
            int rc = (int) Libc.SET.invokeExact(state, 0, mask.byteSize(), mask);
            if (rc != 0) throw new IllegalStateException("sched_setaffinity, " + what + ", failed (errno " + (int) ERRNO.get(state, 0L) + ")");
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sched_setaffinity, " + what + ", failed (" + t + ")");
        }
    }

    /** The CPUs set in a cpu_set_t of unsigned longs (CPU n is bit n % 64 of word n / 64), ascending. */
    static int[] cpus(long[] words) {
        int[] out = new int[Arrays.stream(words).mapToInt(Long::bitCount).sum()];
        int k = 0;
        for (int w = 0; w < words.length; w++) {
            for (long bits = words[w]; bits != 0; bits &= bits - 1) out[k++] = w * Long.SIZE + Long.numberOfTrailingZeros(bits);
        }
        return out;
    }

    /** A cpu_set_t of {@code words} unsigned longs with only {@code cpu} set. */
    static long[] mask(int cpu, int words) {
        long[] m = new long[words];
        m[cpu / Long.SIZE] = 1L << (cpu % Long.SIZE);
        return m;
    }

    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** One line on stderr, the first time only (every thread of every run in this process shares it). */
    private static void warnOnce(String cause) {
        if (WARNED.compareAndSet(false, true)) {
            System.err.println("asyncrl: warning: --pin-threads: " + cause + "; the actor-learner threads run unpinned");
        }
    }
}
