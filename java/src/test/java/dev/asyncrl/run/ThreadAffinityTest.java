package dev.asyncrl.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link ThreadAffinity}: the CPUs of a cpu_set_t read bit by bit across words; on Linux, the
 * calling thread's allowed CPUs read through sched_getaffinity, a thread pinned to one of them
 * reads back exactly that one, and actor-learner i's CPU is the i-th allowed one, modulo.
 */
class ThreadAffinityTest {

    @Test
    void theCpusOfAMaskAreItsSetBitsAcrossWords() {
        assertArrayEquals(new int[0], ThreadAffinity.cpus(new long[2]));
        assertArrayEquals(new int[] {0, 1, 3}, ThreadAffinity.cpus(new long[] {0b1011}));
        // a container's set: CPUs 2-3 and 64, 127 (the sign bit of word 1) and 130
        assertArrayEquals(new int[] {2, 3, 64, 127, 130}, ThreadAffinity.cpus(new long[] {0b1100, 1L | 1L << 63, 1L << 2}));
        assertArrayEquals(new int[] {63}, ThreadAffinity.cpus(new long[] {Long.MIN_VALUE}));
        for (int cpu : new int[] {0, 5, 63, 64, 1023}) {
            long[] m = ThreadAffinity.mask(cpu, 16);
            assertEquals(16, m.length);
            assertArrayEquals(new int[] {cpu}, ThreadAffinity.cpus(m), "one CPU's mask reads back as that CPU");
        }
    }

    private static void assumeLinux() {
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux"), "sched_setaffinity is Linux's");
    }

    @Test
    void onLinuxTheAllowedCpusAreReadAndAThreadPinsToOne() throws Exception {
        assumeLinux();
        assertNull(ThreadAffinity.unavailable(), "pinning is available on Linux");
        int[] allowed = ThreadAffinity.allowedCpus();
        assertTrue(allowed.length >= 1, "at least one CPU");
        // availableProcessors honours the mask (and may be lower still under a CPU quota)
        assertTrue(Runtime.getRuntime().availableProcessors() <= allowed.length, Arrays.toString(allowed));
        for (int i = 1; i < allowed.length; i++) assertTrue(allowed[i] > allowed[i - 1], "ascending: " + Arrays.toString(allowed));

        // In a thread of its own, so the test JVM's threads keep their masks whatever happens.
        AtomicReference<Throwable> failed = new AtomicReference<>();
        int[][] seen = new int[3][];
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                long[] before = ThreadAffinity.readMask();
                seen[0] = ThreadAffinity.cpus(before);
                int cpu = allowed[allowed.length - 1];
                ThreadAffinity.pinCallingThread(cpu);
                seen[1] = ThreadAffinity.allowedCpus();
                ThreadAffinity.setMask(before, "restoring");
                seen[2] = ThreadAffinity.allowedCpus();
            } catch (Throwable e) {
                failed.set(e);
            }
        });
        t.join();
        if (failed.get() != null) throw new AssertionError(failed.get());
        assertArrayEquals(allowed, seen[0], "a new thread inherits the allowed CPUs");
        assertArrayEquals(new int[] {allowed[allowed.length - 1]}, seen[1], "pinned: that CPU alone");
        assertArrayEquals(allowed, seen[2], "restored");
        assertArrayEquals(allowed, ThreadAffinity.allowedCpus(), "the calling thread's own mask is untouched");
    }

    @Test
    void actorLearnerIGetsTheIthAllowedCpuModuloTheirCount() throws Exception {
        assumeLinux();
        int[] allowed = ThreadAffinity.allowedCpus();
        ThreadAffinity placement = ThreadAffinity.ofCallingThread();
        for (int i = 0; i < 3 * allowed.length + 1; i++) assertEquals(allowed[i % allowed.length], placement.cpuFor(i), "thread " + i);

        // pin(i) pins the calling thread: worker 1 (of a pool larger than the CPUs) to allowed[1 % n]
        int[][] seen = new int[1][];
        Thread t = Thread.ofPlatform().start(() -> {
            placement.pin(allowed.length + 1);
            seen[0] = ThreadAffinity.allowedCpus();
        });
        t.join();
        assertArrayEquals(new int[] {allowed[1 % allowed.length]}, seen[0]);
    }
}
