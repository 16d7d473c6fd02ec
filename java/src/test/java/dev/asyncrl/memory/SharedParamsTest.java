package dev.asyncrl.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shared blocks' placement: θ, g, θ⁻ and every per-thread optimizer block start on a
 * 128-byte boundary, so no two of them share a cache line or the adjacent-line prefetcher's pair.
 */
class SharedParamsTest {

    @Test
    void everyBlockHasItsOwnCacheLines() {
        for (long n : new long[] {1, 17, 100, 4675, 132_695}) {
            Layout layout = Layout.builder().add("w", n).build();
            assertEquals(0, layout.byteSize() % 64, "a whole number of cache lines");
            try (SharedParams shared = new SharedParams(layout, true, 3)) {
                List<MemorySegment> blocks = new ArrayList<>(List.of(shared.theta(), shared.g(), shared.target()));
                for (int i = 0; i < shared.optimizerStates(); i++) blocks.add(shared.optimizerState(i));
                for (MemorySegment b : blocks) {
                    assertEquals(0, b.address() % SharedParams.ALIGN, "n=" + n + ": block at " + b.address());
                    assertEquals(layout.byteSize(), b.byteSize());
                }
                for (int i = 0; i < blocks.size(); i++) {
                    for (int j = 0; j < blocks.size(); j++) {
                        if (i == j) continue;
                        long endPair = (blocks.get(i).address() + blocks.get(i).byteSize() + 127) / 128 * 128;
                        long start = blocks.get(j).address();
                        assertTrue(start >= endPair || start + blocks.get(j).byteSize() <= blocks.get(i).address(),
                                "n=" + n + ": blocks " + i + " and " + j + " share a 128-byte pair");
                    }
                }
            }
        }
    }
}
