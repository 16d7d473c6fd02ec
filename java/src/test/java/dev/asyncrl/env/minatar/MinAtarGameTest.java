package dev.asyncrl.env.minatar;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.Renderable;
import dev.asyncrl.env.StepResult;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * What the five games share: ids, sizes and action sets, the channel-major 0/1 observation written
 * at every reset and step, seeding, sticky actions (the executed action repeats with probability
 * 0.1), the minimal action sets, refusals, rendering, the registry names and no allocation per
 * step.
 */
class MinAtarGameTest {
    private static final List<Supplier<MinAtarGame>> GAMES = List.of(
            Asterix::new, Breakout::new, Freeway::new, Seaquest::new, SpaceInvaders::new);

    @Test
    void idsSizesAndActionSets() {
        record Case(MinAtarGame g, String id, int channels, int actions) {}
        List<Case> cases = List.of(
                new Case(new Asterix(), "MinAtar/Asterix-v0", 4, 6),
                new Case(new Breakout(), "MinAtar/Breakout-v0", 4, 6),
                new Case(new Freeway(), "MinAtar/Freeway-v0", 7, 6),
                new Case(new Seaquest(), "MinAtar/Seaquest-v0", 10, 6),
                new Case(new SpaceInvaders(), "MinAtar/SpaceInvaders-v0", 6, 6),
                new Case(new Asterix(true), "MinAtar/Asterix-v1", 4, 5),
                new Case(new Breakout(true), "MinAtar/Breakout-v1", 4, 3),
                new Case(new Freeway(true), "MinAtar/Freeway-v1", 7, 3),
                new Case(new Seaquest(true), "MinAtar/Seaquest-v1", 10, 6),
                new Case(new SpaceInvaders(true), "MinAtar/SpaceInvaders-v1", 6, 4));
        for (Case c : cases) {
            assertEquals(c.id(), c.g().id());
            assertEquals(c.channels(), c.g().channels());
            assertEquals(c.channels() * 100, c.g().observationSize());
            assertEquals(c.actions(), c.g().actionCount());
            assertEquals(0, c.g().actionDim(), "discrete");
            assertTrue(c.g() instanceof Renderable);
        }
        assertEquals(2501, new Freeway().maxEpisodeSteps(), "the reference's timer ends Freeway on step 2501");
        assertEquals(MinAtarGame.DEFAULT_MAX_STEPS, new Seaquest().maxEpisodeSteps());
    }

    @Test
    void minimalSetsMapToTheReferenceActions() {
        // The reference's minimal_action_set(), as indices into (n, l, u, r, d, f).
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, fullActions(new Asterix(true)));
        assertArrayEquals(new int[] {0, 1, 3}, fullActions(new Breakout(true)));
        assertArrayEquals(new int[] {0, 2, 4}, fullActions(new Freeway(true)));
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, fullActions(new Seaquest(true)));
        assertArrayEquals(new int[] {0, 1, 3, 5}, fullActions(new SpaceInvaders(true)));

        // Minimal Breakout's action 2 is "right": the paddle moves right.
        Breakout b = new Breakout(true, 0.0);
        MemorySegment obs = Grid.buffer(b);
        b.reset(3, obs);
        b.step(2, obs, new StepResult());
        assertEquals(5, b.paddle());
        assertEquals(MinAtarGame.RIGHT, b.lastAction(), "the remembered action is a full action");
        assertThrows(IllegalArgumentException.class, () -> b.step(3, obs, new StepResult()));
    }

    private static int[] fullActions(MinAtarGame g) {
        int[] out = new int[g.actionCount()];
        for (int a = 0; a < out.length; a++) out[a] = g.fullAction(a);
        return out;
    }

    @Test
    void registryNames() {
        String[][] names = {
            {"minatar-asterix", "MinAtar/Asterix-v0"}, {"minatar-breakout", "MinAtar/Breakout-v0"},
            {"minatar-freeway", "MinAtar/Freeway-v0"}, {"minatar-seaquest", "MinAtar/Seaquest-v0"},
            {"minatar-space-invaders", "MinAtar/SpaceInvaders-v0"},
            {"minatar-asterix-minimal", "MinAtar/Asterix-v1"}, {"minatar-breakout-minimal", "MinAtar/Breakout-v1"},
            {"minatar-freeway-minimal", "MinAtar/Freeway-v1"}, {"minatar-seaquest-minimal", "MinAtar/Seaquest-v1"},
            {"minatar-space-invaders-minimal", "MinAtar/SpaceInvaders-v1"},
        };
        for (String[] n : names) {
            assertTrue(Envs.exists(n[0]), n[0]);
            assertEquals(n[1], Envs.create(n[0]).id());
        }
        assertNotEquals(Envs.create("minatar-breakout"), Envs.create("minatar-breakout"), "a new instance each time");
    }

    @Test
    void channelMajorLayout() {
        // Breakout at reset: paddle (channel 0) at x 4, y 9; bricks (channel 3) fill rows 1-3.
        Breakout b = new Breakout();
        MemorySegment obs = Grid.buffer(b);
        b.reset(5, obs);
        float[] o = obs.toArray(JAVA_FLOAT);
        assertEquals(1f, o[0 * 100 + 9 * 10 + 4], "paddle at index c*100 + y*10 + x");
        for (int i = 0; i < 100; i++) {
            float brick = o[3 * 100 + i];
            assertEquals(i >= 10 && i < 40 ? 1f : 0f, brick, "brick cell " + i);
        }
        int ball = b.ballX() == 0 ? 100 + 30 : 100 + 39;
        assertEquals(1f, o[ball]);
        assertEquals(1, Grid.count(obs, Breakout.PADDLE), "one paddle cell");
    }

    @Test
    void everyResetAndStepOverwritesTheWholeObservationWithZerosAndOnes() {
        for (Supplier<MinAtarGame> s : GAMES) {
            MinAtarGame g = s.get();
            MemorySegment obs = Grid.buffer(g);
            SplittableRandom pol = new SplittableRandom(9);
            StepResult r = new StepResult();
            obs.fill((byte) 0x40); // 3.0f-ish garbage in every float
            g.reset(11, obs);
            assertBinary(g, obs);
            for (int t = 0; t < 3000; t++) {
                obs.fill((byte) 0x40);
                g.step(pol.nextInt(g.actionCount()), obs, r);
                assertBinary(g, obs);
                assertTrue(r.reward >= 0 && r.reward == Math.rint(r.reward), "non-negative integer rewards");
                if (r.done()) {
                    obs.fill((byte) 0x40);
                    g.reset(obs);
                    assertBinary(g, obs);
                }
            }
        }
    }

    private static void assertBinary(MinAtarGame g, MemorySegment obs) {
        for (int i = 0; i < g.observationSize(); i++) {
            float v = obs.getAtIndex(JAVA_FLOAT, i);
            assertTrue(v == 0f || v == 1f, g.id() + ": value " + v + " at " + i);
        }
    }

    @Test
    void seedingIsReproducibleAndResetContinuesTheStream() {
        for (Supplier<MinAtarGame> s : GAMES) {
            float[] a = trajectory(s.get(), 21);
            float[] b = trajectory(s.get(), 21);
            assertArrayEquals(a, b, "same seed, same actions, same observations");
        }
        // reset(seed) starts over; reset() goes on with the stream (Freeway draws the cars at reset).
        Freeway f = new Freeway();
        MemorySegment obs = Grid.buffer(f);
        f.reset(4, obs);
        float[] first = obs.toArray(JAVA_FLOAT);
        boolean differs = false;
        for (int i = 0; i < 5 && !differs; i++) {
            f.reset(obs);
            differs = !Arrays.equals(first, obs.toArray(JAVA_FLOAT));
        }
        assertTrue(differs, "reset() draws new cars from the continuing stream");
        f.reset(4, obs);
        assertArrayEquals(first, obs.toArray(JAVA_FLOAT), "reset(seed) starts the stream over");
    }

    /** Observations of 3 episodes (or 2000 steps) under a seeded random policy, concatenated step by step into a checksum vector. */
    private static float[] trajectory(MinAtarGame g, long seed) {
        MemorySegment obs = Grid.buffer(g);
        SplittableRandom pol = new SplittableRandom(seed * 31);
        StepResult r = new StepResult();
        float[] sums = new float[g.observationSize()];
        g.reset(seed, obs);
        int episodes = 0;
        for (int t = 0; t < 2000 && episodes < 3; t++) {
            g.step(pol.nextInt(g.actionCount()), obs, r);
            for (int i = 0; i < sums.length; i++) sums[i] += obs.getAtIndex(JAVA_FLOAT, i) * (t % 7 + 1);
            if (r.done()) {
                episodes++;
                g.reset(obs);
            }
        }
        return sums;
    }

    @Test
    void stickyActionsRepeatTheExecutedActionTenPercentOfTheTime() {
        // The agent always asks for an action other than the one last executed, so an executed
        // action equal to the previous one can only be a sticky repeat.
        Seaquest g = new Seaquest();
        MemorySegment obs = Grid.buffer(g);
        StepResult r = new StepResult();
        SplittableRandom pol = new SplittableRandom(17);
        g.reset(123, obs);
        int n = 200_000, repeats = 0;
        for (int t = 0; t < n; t++) {
            int before = g.lastAction();
            int a = (before + 1 + pol.nextInt(5)) % 6;
            g.step(a, obs, r);
            int executed = g.lastAction();
            if (executed == before) repeats++;
            else assertEquals(a, executed, "not sticky: the chosen action is executed");
            if (r.done()) g.reset(obs);
        }
        double p = repeats / (double) n;
        double se = Math.sqrt(0.1 * 0.9 / n);
        System.out.printf("sticky actions: %d repeats in %d steps = %.4f (expected 0.1 ± %.4f)%n", repeats, n, p, se);
        assertEquals(0.1, p, 4 * se, "repeat fraction " + p);
    }

    @Test
    void lastActionStartsAtNoopAndIsKeptAcrossEpisodes() {
        SpaceInvaders g = new SpaceInvaders(false, true, 1.0); // always sticky: always the last executed action
        MemorySegment obs = Grid.buffer(g);
        StepResult r = new StepResult();
        g.reset(1, obs);
        assertEquals(MinAtarGame.NOOP, g.lastAction());
        g.step(MinAtarGame.FIRE, obs, r);
        assertEquals(MinAtarGame.NOOP, g.lastAction(), "a sticky step executes the initial no-op");
        assertEquals(0, g.shotCooldown(), "nothing fired");

        SpaceInvaders h = new SpaceInvaders(false, true, 0.0);
        h.reset(1, obs);
        h.step(MinAtarGame.LEFT, obs, r);
        assertEquals(MinAtarGame.LEFT, h.lastAction());
        h.reset(obs);
        assertEquals(MinAtarGame.LEFT, h.lastAction(), "reset() keeps it, as the reference wrapper does");
        h.reset(2, obs);
        assertEquals(MinAtarGame.NOOP, h.lastAction(), "reset(seed) is a fresh reference environment");
    }

    @Test
    void refusals() {
        for (Supplier<MinAtarGame> s : GAMES) {
            MinAtarGame g = s.get();
            MemorySegment obs = Grid.buffer(g);
            StepResult r = new StepResult();
            assertThrows(IllegalStateException.class, () -> g.step(0, obs, r), "step before reset");
            g.reset(1, obs);
            assertThrows(IllegalArgumentException.class, () -> g.step(-1, obs, r));
            assertThrows(IllegalArgumentException.class, () -> g.step(6, obs, r));
        }
        assertThrows(IllegalArgumentException.class, () -> new Asterix(false, true, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new Breakout(false, Double.NaN));
    }

    @Test
    void renderShowsTheHighestChannelOfEachCellInItsColour() {
        Breakout b = new Breakout(false, 0.0);
        MemorySegment obs = Grid.buffer(b);
        b.reset(1, obs);
        BufferedImage img = b.render();
        int px = MinAtarGame.CELL_PIXELS;
        assertEquals(10 * px, img.getWidth());
        assertEquals(10 * px, img.getHeight());
        int centre = px / 2;
        assertEquals(b.channelColour(Breakout.PADDLE), img.getRGB(4 * px + centre, 9 * px + centre) & 0xFFFFFF);
        assertEquals(b.channelColour(Breakout.BRICK), img.getRGB(5 * px + centre, 2 * px + centre) & 0xFFFFFF);
        assertEquals(0, img.getRGB(5 * px + centre, 6 * px + centre) & 0xFFFFFF, "empty cells are black");
        // The ball starts on a brick (row 3), as in the reference: the highest channel there, brick, shows.
        assertEquals(b.channelColour(Breakout.BRICK), img.getRGB(b.ballX() * px + centre, 3 * px + centre) & 0xFFFFFF);
        b.step(MinAtarGame.NOOP, obs, new StepResult());
        img = b.render();
        assertEquals(b.channelColour(Breakout.BALL), img.getRGB(b.ballX() * px + centre, 4 * px + centre) & 0xFFFFFF);
        assertEquals(0x202020, img.getRGB(px - 1, 0) & 0xFFFFFF, "a thin line between cells");

        for (int n = 4; n <= 10; n++) {
            int[] p = MinAtarGame.palette(n);
            assertEquals(n, Arrays.stream(p).distinct().count(), "distinct colours for " + n + " channels");
            for (int c : p) assertNotEquals(0, c, "no channel is drawn black");
        }
    }

    @Test
    void noAllocationPerStep() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        for (Supplier<MinAtarGame> s : GAMES) {
            Env g = s.get();
            MemorySegment obs = Grid.buffer((MinAtarGame) g);
            StepResult r = new StepResult();
            SplittableRandom pol = new SplittableRandom(5);
            g.reset(5, obs);
            run(g, obs, r, pol, 100_000); // warm up
            long before = mx.getThreadAllocatedBytes(thread);
            run(g, obs, r, pol, 200_000);
            long bytes = mx.getThreadAllocatedBytes(thread) - before;
            assertTrue(bytes < 4096, g.id() + ": " + bytes + " bytes over 200,000 steps");
        }
    }

    private static void run(Env g, MemorySegment obs, StepResult r, SplittableRandom pol, int steps) {
        for (int t = 0; t < steps; t++) {
            g.step(pol.nextInt(g.actionCount()), obs, r);
            if (r.done()) g.reset(obs);
        }
    }

    @Test
    void aTerminatedEpisodeRefusesFurtherSteps() {
        Breakout b = new Breakout(false, 0.0);
        MemorySegment obs = Grid.buffer(b);
        StepResult r = new StepResult();
        b.reset(1, obs);
        do b.step(MinAtarGame.NOOP, obs, r); while (!r.done());
        assertTrue(r.terminated);
        assertFalse(r.truncated);
        assertThrows(IllegalStateException.class, () -> b.step(0, obs, r));
    }
}
