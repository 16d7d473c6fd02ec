package dev.asyncrl.env.minatar;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.StepResult;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A uniform random policy over the six actions, with the defaults (sticky actions 0.1, ramping
 * on), scores what the reference implementation's random policy scores.
 *
 * <p>The reference figures are specs/minatar.md's: Breakout ≈ 0.53 (the reference's
 * {@code random_play.py}, 1000 episodes), Freeway ≈ 0.15, Seaquest ≈ 0.12, Space Invaders ≈ 2.9.
 * The spec gives none for Asterix; its figure, 0.496 ± 0.005, was measured by running the
 * reference's own Asterix rules under the reference wrapper's sticky actions for 25,000 random
 * episodes (a scratch transcription outside this project).
 *
 * <p>Each figure carries its own sampling error, so the test asserts
 * |mean − reference| ≤ 3·√(SE² + SE_ref²) + rounding, with SE from our episodes, SE_ref our
 * per-episode standard deviation over √1000 (the reference script's episode count; the measured
 * Asterix figure has its own SE) and rounding half a unit of the figure's last quoted digit.
 * The seeds are fixed, so each test is deterministic; each runs well under 5 s.
 */
class RandomPolicyTest {
    private static final int REFERENCE_EPISODES = 1000;

    /** Mean and standard error of the return of {@code episodes} random-policy episodes. */
    private static double[] meanAndSe(MinAtarGame g, int episodes, long seed) {
        MemorySegment obs = Grid.buffer(g);
        SplittableRandom policy = new SplittableRandom(seed ^ 0x5DEECE66DL);
        StepResult r = new StepResult();
        g.reset(seed, obs);
        double sum = 0, sumSq = 0;
        for (int e = 0; e < episodes; e++) {
            if (e > 0) g.reset(obs);
            double ret = 0;
            do {
                g.step(policy.nextInt(g.actionCount()), obs, r);
                ret += r.reward;
            } while (!r.done());
            sum += ret;
            sumSq += ret * ret;
        }
        double mean = sum / episodes;
        double sd = Math.sqrt(Math.max(0, (sumSq - episodes * mean * mean) / (episodes - 1)));
        return new double[] {mean, sd / Math.sqrt(episodes), sd};
    }

    private static void check(MinAtarGame g, int episodes, double reference, double referenceSe, double rounding) {
        double[] m = meanAndSe(g, episodes, 2024);
        double se = m[1];
        double refSe = referenceSe >= 0 ? referenceSe : m[2] / Math.sqrt(REFERENCE_EPISODES);
        double bound = 3 * Math.sqrt(se * se + refSe * refSe) + rounding;
        String msg = String.format("%s: random-policy mean %.4f ± %.4f over %d episodes; reference %.3f (SE %.4f); |diff| %.4f, bound %.4f",
                g.id(), m[0], se, episodes, reference, refSe, Math.abs(m[0] - reference), bound);
        System.out.println(msg);
        assertTrue(Math.abs(m[0] - reference) <= bound, msg);
    }

    @Test
    void breakout() {
        check(new Breakout(), 20_000, 0.53, -1, 0.005);
    }

    @Test
    void asterix() {
        check(new Asterix(), 20_000, 0.496, 0.0054, 0.0005);
    }

    @Test
    void freeway() {
        check(new Freeway(), 4_000, 0.15, -1, 0.005);
    }

    @Test
    void seaquest() {
        check(new Seaquest(), 20_000, 0.12, -1, 0.005);
    }

    @Test
    void spaceInvaders() {
        check(new SpaceInvaders(), 20_000, 2.9, -1, 0.05);
    }
}
