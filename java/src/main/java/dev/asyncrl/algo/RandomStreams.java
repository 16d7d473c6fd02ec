package dev.asyncrl.algo;

import java.util.SplittableRandom;

/**
 * The random streams of one actor-learner thread, one per purpose, each seeded from the thread's
 * seed through SplitMix64 with a constant of its own. Independence is the point: an environment
 * seeds its own stream from the seed it is reset with, so a policy stream seeded with that same
 * value replays the environment's draws (on MinAtar Breakout the policy's uniform was below 0.1
 * every time a sticky action had just happened). Not thread-safe: one instance per thread.
 *
 * @param actions     the policy's draws: softmax sampling, Gaussian noise, ε-greedy's random action
 * @param exploration ε-greedy's coin (is this step random?)
 * @param envSeed     what the environment is reset with
 */
public record RandomStreams(SplittableRandom actions, SplittableRandom exploration, long envSeed) {
    private static final long ACTIONS = 0x6A09E667F3BCC909L;      // distinct odd constants, one per purpose
    private static final long EXPLORATION = 0xBB67AE8584CAA73BL;
    private static final long ENVIRONMENT = 0x3C6EF372FE94F82BL;

    /** The streams of the thread whose streams are seeded {@code seed} (a run's thread seed, or its reseed on resume). */
    public static RandomStreams of(long seed) {
        return new RandomStreams(new SplittableRandom(mix(seed, ACTIONS)), new SplittableRandom(mix(seed, EXPLORATION)),
                mix(seed, ENVIRONMENT));
    }

    /** SplitMix64's finaliser over seed + purpose: a different, well-mixed value for each purpose. */
    static long mix(long seed, long purpose) {
        long z = seed + purpose;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
