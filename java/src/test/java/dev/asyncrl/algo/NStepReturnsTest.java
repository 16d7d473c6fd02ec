package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The n-step returns of A3C and n-step Q: computed backwards, bootstrapped unless terminal. */
class NStepReturnsTest {

    @Test
    void returnsAreComputedBackwardsFromTheBootstrap() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(5 * Float.BYTES);
            float[] r = {1, 2, 3};
            Returns.nStep(out, r, 3, 10f, 0.5f);
            // R3 = 10; R2 = 3 + 5 = 8; R1 = 2 + 4 = 6; R0 = 1 + 3 = 4
            assertArrayEquals(new float[] {4, 6, 8}, out.asSlice(0, 12).toArray(JAVA_FLOAT));
            Returns.nStep(out, r, 3, 0f, 0.5f); // terminal: bootstrap 0
            // R2 = 3, R1 = 2 + 1.5 = 3.5, R0 = 1 + 1.75 = 2.75
            assertArrayEquals(new float[] {2.75f, 3.5f, 3f}, out.asSlice(0, 12).toArray(JAVA_FLOAT));
        }
    }
}
