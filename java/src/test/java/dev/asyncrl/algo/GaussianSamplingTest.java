package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A3C's Gaussian actions: a ~ N(μ, σ²I) with σ² = softplus(v), per dimension. */
class GaussianSamplingTest {

    @Test
    void samplesHaveTheMeanAndVarianceOfThePolicy() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mu = arena.allocate(2 * Float.BYTES);
            mu.setAtIndex(JAVA_FLOAT, 0, 1.5f);
            mu.setAtIndex(JAVA_FLOAT, 1, -0.5f);
            MemorySegment a = arena.allocate(2 * Float.BYTES);
            float v = 0.3f;
            double var = Math.log1p(Math.exp(v)); // softplus(0.3) = 0.8544
            SplittableRandom rng = new SplittableRandom(7);
            int n = 200_000;
            double[] sum = new double[2], sq = new double[2];
            for (int i = 0; i < n; i++) {
                A3C.sampleGaussian(a, mu, v, 2, rng);
                for (int d = 0; d < 2; d++) {
                    double x = a.getAtIndex(JAVA_FLOAT, d);
                    sum[d] += x;
                    sq[d] += x * x;
                }
            }
            for (int d = 0; d < 2; d++) {
                double mean = sum[d] / n;
                double variance = sq[d] / n - mean * mean;
                // standard errors: mean sqrt(var/n) ≈ 0.002, variance var·sqrt(2/n) ≈ 0.003
                assertEquals(mu.getAtIndex(JAVA_FLOAT, d), mean, 0.01, "mean of dimension " + d);
                assertEquals(var, variance, 0.015, "variance of dimension " + d);
            }
        }
    }
}
