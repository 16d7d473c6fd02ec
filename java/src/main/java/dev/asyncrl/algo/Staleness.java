package dev.asyncrl.algo;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Update telemetry of one run: the global update counter U (one increment per update of θ, by any
 * thread) and the staleness of each update, the number of updates by any thread that landed between
 * the updating thread's sync θ' ← θ and its own update (0 with one thread; the Hogwild! lag).
 *
 * <p>Hot path (each worker, once per segment): {@link Recorder#sync()} before θ' ← θ reads U;
 * {@link Recorder#landed()} after the update increments U and adds the staleness to the thread's own
 * accumulators (count, sum, min, max). No allocation, no lock: one atomic increment on a counter that
 * has two cache lines to itself, and a few plain writes to the thread's own padded block (U and E
 * never share a line with each other, with a recorder, or with anything read-mostly).
 *
 * <p>Per report, the reporting thread {@link #drain() drains} a window: it advances the window
 * number E, waits until no thread is inside its few-instruction write (a sequence number, odd while
 * writing), and reads each thread's accumulators of the window just closed. Each thread keeps two
 * windows (E even and odd), so a thread writing window E + 1 never touches what is being read.
 * Every update lands in exactly one window; the drained windows also add up to run totals.
 */
public final class Staleness {
    /** One report window: the updates that landed in it, and their staleness. */
    public record Window(long count, long sum, long min, long max) {
        /** No update: the identity of {@link #plus}. */
        public static final Window EMPTY = new Window(0, 0, Long.MAX_VALUE, Long.MIN_VALUE);

        /** NaN for a window without updates. */
        public double mean() {
            return count == 0 ? Double.NaN : (double) sum / count;
        }

        Window plus(Window w) {
            if (w.count == 0) return this;
            if (count == 0) return w;
            return new Window(count + w.count, sum + w.sum, Math.min(min, w.min), Math.max(max, w.max));
        }
    }

    // U and E each in the middle of their own 128 bytes (two cache lines, for the adjacent-line
    // prefetcher): U is written by every update, E read by every update and written once per report.
    private static final int U = 16, E = 48;
    private final AtomicLongArray counters = new AtomicLongArray(64);
    private final List<Recorder> recorders = new CopyOnWriteArrayList<>();
    private Window totals;  // of the drained windows; guarded by this

    /** A new run's: U = 0, no staleness yet. */
    public Staleness() {
        this(0, Window.EMPTY);
    }

    /** A resumed run's: U and the totals continue from the checkpoint's. */
    public Staleness(long updates, Window totals) {
        counters.set(U, updates);
        this.totals = totals;
    }

    /** U: the updates landed so far. */
    public long updates() {
        return counters.get(U);
    }

    /** A new thread's recorder; allocated once, before the thread's hot loop. */
    public Recorder register() {
        Recorder r = new Recorder();
        recorders.add(r);
        return r;
    }

    /** Closes the current window and returns it; also adds it to the totals. Called once per report. */
    public synchronized Window drain() {
        long e = counters.get(E);
        counters.set(E, e + 1);   // from here on every landed() writes the other window
        Window w = Window.EMPTY;
        for (Recorder r : recorders) w = w.plus(r.take(e));
        totals = totals.plus(w);
        return w;
    }

    /** Every drained window together (the run's, from its start when resumed). */
    public synchronized Window totals() {
        return totals;
    }

    /** One thread's accumulators; only its own thread calls {@link #sync()} and {@link #landed()}. */
    public final class Recorder {
        private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
        // Everything an update writes sits in this array, with 16 longs of padding at each end to keep
        // other threads' data off these cache lines (the object's own fields are read-only).
        private static final int PAD = 16, SEQ = PAD, AT_SYNC = PAD + 1, SLOT = PAD + 2, SLOT_LONGS = 5;
        private static final int EPOCH = 0, COUNT = 1, SUM = 2, MIN = 3, MAX = 4;
        // SEQ: odd while writing (only this thread writes it); AT_SYNC: U when this thread last synced θ'
        private final long[] a = new long[SLOT + 2 * SLOT_LONGS + PAD];

        private Recorder() {
            a[SLOT + EPOCH] = -1;
            a[SLOT + SLOT_LONGS + EPOCH] = -1;
        }

        /** Call just before θ' ← θ: every update counted so far is complete, so θ' holds it. */
        public void sync() {
            a[AT_SYNC] = counters.get(U);
        }

        /** Call just after this thread's update of θ: counts it and records its staleness. */
        public void landed() {
            long staleness = counters.getAndIncrement(U) - a[AT_SYNC];
            long seq = a[SEQ];                       // plain: this thread is its only writer
            LONGS.setVolatile(a, SEQ, seq + 1);      // odd: writing (ordered before the read of E)
            long e = counters.get(E);
            int s = SLOT + (int) (e & 1) * SLOT_LONGS;
            if (a[s + EPOCH] != e) {                 // the first update of window e here
                a[s + EPOCH] = e;
                a[s + COUNT] = 1;
                a[s + SUM] = staleness;
                a[s + MIN] = staleness;
                a[s + MAX] = staleness;
            } else {
                a[s + COUNT]++;
                a[s + SUM] += staleness;
                if (staleness < a[s + MIN]) a[s + MIN] = staleness;
                if (staleness > a[s + MAX]) a[s + MAX] = staleness;
            }
            LONGS.setRelease(a, SEQ, seq + 2);       // even: done
        }

        /** The drainer: window e of this thread, once E has moved past it and no write is in flight. */
        private Window take(long e) {
            for (int spins = 0; ((long) LONGS.getVolatile(a, SEQ) & 1) != 0; spins++) {
                if (spins < 1000) Thread.onSpinWait();
                else Thread.yield();                 // the writer was descheduled mid-write
            }
            int s = SLOT + (int) (e & 1) * SLOT_LONGS;
            if (a[s + EPOCH] != e) return Window.EMPTY;   // no update of this thread in window e
            return new Window(a[s + COUNT], a[s + SUM], a[s + MIN], a[s + MAX]);
        }
    }
}
