package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;

/** The n-step returns A3C and n-step Q share. */
public final class Returns {
    private Returns() {}

    /**
     * The forward view's returns of a segment of t steps, computed backwards: R ← r_i + γR from
     * R = bootstrap (0 after a terminal state, else the value of the last state), written into
     * out (t) float32. Each state gets the longest return available to it.
     */
    public static void nStep(MemorySegment out, float[] rewards, int t, float bootstrap, float gamma) {
        nStep(out, rewards, t, bootstrap, gamma, 0, 1);
    }

    /**
     * The same for environment e of a thread that steps K of them: its step i in row i·K + e of
     * rewards and out.
     */
    public static void nStep(MemorySegment out, float[] rewards, int t, float bootstrap, float gamma, int e, int K) {
        float R = bootstrap;
        for (int i = t - 1; i >= 0; i--) {
            int r = i * K + e;
            R = rewards[r] + gamma * R;
            out.setAtIndex(JAVA_FLOAT, r, R);
        }
    }
}
