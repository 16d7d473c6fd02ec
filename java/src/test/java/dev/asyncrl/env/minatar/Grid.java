package dev.asyncrl.env.minatar;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Test support: an observation buffer for a game and reads of its channel-major (C, 10, 10) cells. */
final class Grid {
    private Grid() {}

    static MemorySegment buffer(MinAtarGame g) {
        return Arena.ofAuto().allocate((long) g.observationSize() * Float.BYTES);
    }

    /** Channel c at column x, row y is lit (1.0). */
    static boolean lit(MemorySegment obs, int c, int x, int y) {
        return obs.getAtIndex(JAVA_FLOAT, c * 100L + y * 10L + x) == 1f;
    }

    /** Lit cells in channel c. */
    static int count(MemorySegment obs, int c) {
        int n = 0;
        for (int i = 0; i < 100; i++) {
            if (obs.getAtIndex(JAVA_FLOAT, c * 100L + i) == 1f) n++;
        }
        return n;
    }
}
