package dev.asyncrl.env.maze3d;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.StepResult;
import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The 3D maze: the raycaster's geometry (wall heights H/d, exact symmetry and quarter turns), the
 * generator (every cell reachable, a perfect maze before the loops), the rules (apple +1, portal
 * +10 with a respawn and the apples regrown, sliding along walls), determinism from the seed, the
 * 900-step truncation, and no allocation per step.
 */
class Maze3dTest {

    /** A 9 × 9 map of cells joined by corridors, as {@link Maze} lays them out. */
    private static final String[] CORRIDOR = {
        "#########",
        "#.......#",
        "#.#####.#",
        "#.......#",
        "#.#####.#",
        "#.......#",
        "#.#####.#",
        "#.......#",
        "#########",
    };

    /** A 9 × 9 map: one straight corridor along row 1, walls on both sides, its end walls at x = 0 and x = 8. */
    private static final String[] STRAIGHT = {
        "#########",
        "#.......#",
        "#########",
        "#########",
        "#########",
        "#########",
        "#########",
        "#########",
        "#########",
    };

    private static float[] pixels(MemorySegment obs) {
        return obs.toArray(JAVA_FLOAT);
    }

    @Test
    void aWallStraightAheadIsHOverDPixelsHigh() {
        for (int size : new int[] {84, 42}) {
            Maze3d env = new Maze3d(size);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
                env.reset(1, obs);
                env.loadMap(STRAIGHT);
                for (double d : new double[] {1.5, 2.0, 3.0, 4.5, 6.0}) {
                    env.placeAgent(8 - d, 1.5, 0);  // facing east, the wall's face at x = 8
                    env.redraw(obs);
                    Raycaster view = env.view();
                    float[] px = pixels(obs);
                    for (int col : new int[] {size / 2 - 1, size / 2}) {
                        assertEquals(d, view.wallDistance(col), 1e-9, size + ": distance in column " + col);
                        int rows = view.wallRows(col);
                        assertEquals(size / d, rows, 1.0, size + ": wall rows at d = " + d);
                        // and the picture agrees: exactly those rows differ from the floor's and ceiling's colours
                        int drawn = 0;
                        for (int y = 0; y < size; y++) {
                            boolean background = true;
                            for (int c = 0; c < 3; c++) {
                                if (px[c * size * size + y * size + col] != view.background(c, y)) background = false;
                            }
                            if (!background) drawn++;
                        }
                        assertEquals(rows, drawn, size + ": wall pixels in column " + col + " at d = " + d);
                    }
                }
            }
        }
    }

    @Test
    void aSymmetricSceneGivesASymmetricPicture() {
        Maze3d env = new Maze3d(84);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
            env.reset(1, obs);
            env.loadMap(STRAIGHT);
            env.placeAgent(2.5, 1.5, 0);  // centred in the corridor, looking along it
            env.redraw(obs);
            Raycaster view = env.view();
            for (int x = 0; x < 42; x++) {
                assertEquals(view.wallDistance(x), view.wallDistance(83 - x), 1e-12, "column " + x);
                assertEquals(view.wallRows(x), view.wallRows(83 - x), "column " + x);
            }
            assertTrue(view.wallDistance(0) < 1, "the side walls are near at the edges: " + view.wallDistance(0));
        }
    }

    @Test
    void quarterTurnsAreExact() {
        // A square room seen from its centre: each quarter turn shows walls at the same depths.
        Maze3d env = new Maze3d(84);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
            env.reset(1, obs);
            env.loadMap("#######", "#.....#", "#.....#", "#.....#", "#.....#", "#.....#", "#######");
            double[][] depths = new double[4][84];
            for (int q = 0; q < 4; q++) {
                env.placeAgent(3.5, 3.5, q * Maze3d.HEADINGS / 4 + 5);
                env.redraw(obs);
                for (int x = 0; x < 84; x++) depths[q][x] = env.view().wallDistance(x);
            }
            for (int q = 1; q < 4; q++) assertArrayEquals(depths[0], depths[q], "quarter turn " + q);

            // In a generated maze, TURN_RIGHT three times is 90° clockwise; twelve times bring back the same picture.
            env.reset(7, obs);
            StepResult r = new StepResult();
            for (int t = 0; t < 5; t++) env.step(Maze3d.FORWARD, obs, r);
            float[] before = pixels(obs);
            int heading = env.heading();
            double x = env.agentX(), y = env.agentY();
            for (int t = 1; t <= 12; t++) {
                env.step(Maze3d.TURN_RIGHT, obs, r);
                if (t % 3 == 0) assertEquals((heading + t / 3 * Maze3d.HEADINGS / 4) % Maze3d.HEADINGS, env.heading(), "quarter turn " + t / 3);
                if (t == 3) assertFalse(java.util.Arrays.equals(before, pixels(obs)), "a quarter turn changes the view");
            }
            assertArrayEquals(before, pixels(obs), "four quarter turns right");
            for (int t = 0; t < 12; t++) env.step(Maze3d.TURN_LEFT, obs, r);
            assertArrayEquals(before, pixels(obs), "four quarter turns left");
            assertEquals(x, env.agentX());
            assertEquals(y, env.agentY());
        }
    }

    @Test
    void everyCellIsReachable() {
        Maze maze = new Maze();
        for (int n = 3; n <= Maze.MAX_CELLS; n++) {
            for (int seed = 0; seed < 60; seed++) {
                for (int loops : new int[] {0, n / 2}) {
                    maze.generate(n, loops, new SplittableRandom(seed * 31L + n));
                    int t = maze.tiles();
                    assertEquals(2 * n + 1, t);
                    int passages = 0;
                    for (int a = 0; a < t; a++) {
                        assertTrue(maze.wall(a, 0) && maze.wall(a, t - 1) && maze.wall(0, a) && maze.wall(t - 1, a), "border");
                        for (int b = 0; b < t; b++) {
                            if (a % 2 == 0 && b % 2 == 0) assertTrue(maze.wall(a, b), "the tiles between four cells are solid");
                            if (a % 2 == 1 && b % 2 == 1) assertFalse(maze.wall(a, b), "every cell is open");
                            if ((a + b) % 2 == 1 && !maze.wall(a, b)) passages++;
                        }
                    }
                    // a perfect maze is a spanning tree of the cells: n² − 1 passages; loops add exactly that many
                    assertEquals(n * n - 1 + loops, passages, "n " + n + ", seed " + seed + ", loops " + loops);
                    assertEquals(n * n, reachableCells(maze), "n " + n + ", seed " + seed);
                }
            }
        }
    }

    /** Cells reached by a breadth-first search over open tiles from cell (0, 0). */
    private static int reachableCells(Maze maze) {
        int t = maze.tiles();
        boolean[] seen = new boolean[t * t];
        ArrayDeque<int[]> queue = new ArrayDeque<>();
        queue.add(new int[] {1, 1});
        seen[t + 1] = true;
        int cells = 0;
        int[][] steps = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        while (!queue.isEmpty()) {
            int[] p = queue.poll();
            if (p[0] % 2 == 1 && p[1] % 2 == 1) cells++;
            for (int[] s : steps) {
                int x = p[0] + s[0], y = p[1] + s[1];
                if (!maze.wall(x, y) && !seen[y * t + x]) {
                    seen[y * t + x] = true;
                    queue.add(new int[] {x, y});
                }
            }
        }
        return cells;
    }

    @Test
    void anAppleIsWorthOneAndGoes() {
        Maze3d env = new Maze3d(42);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
            StepResult r = new StepResult();
            env.reset(1, obs);
            env.loadMap(CORRIDOR[0], "#.a.....#", CORRIDOR[2], CORRIDOR[3], CORRIDOR[4], CORRIDOR[5], CORRIDOR[6], CORRIDOR[7], CORRIDOR[8]);
            env.placeAgent(1.5, 1.5, 0);
            env.redraw(obs);
            float[] withApple = pixels(obs);
            assertEquals(1, env.applesLeft());
            // the apple's centre is at x = 2.5: touched once the agent is nearer than 0.45, at x > 2.05, in the third step
            double[] expected = {0, 0, 1, 0, 0};
            for (int t = 0; t < expected.length; t++) {
                env.step(Maze3d.FORWARD, obs, r);
                assertEquals(expected[t], r.reward, "step " + (t + 1));
                assertEquals(1.5 + (t + 1) * 4 * Maze3d.MOVE_PER_FRAME, env.agentX(), 1e-12);
            }
            assertEquals(0, env.applesLeft());
            env.placeAgent(1.5, 1.5, 0);
            env.redraw(obs);
            assertFalse(java.util.Arrays.equals(withApple, pixels(obs)), "the eaten apple is no longer drawn");
        }
    }

    @Test
    void thePortalIsWorthTenRespawnsAndRegrowsTheApples() {
        Maze3d env = new Maze3d(42);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
            StepResult r = new StepResult();
            env.reset(3, obs);
            env.loadMap(CORRIDOR[0], "#.aP....#", CORRIDOR[2], "#.....a.#", CORRIDOR[4], CORRIDOR[5], CORRIDOR[6], CORRIDOR[7], CORRIDOR[8]);
            env.placeAgent(1.5, 1.5, 0);
            // apple at x = 2.5 in step 3 (x > 2.05); portal at x = 3.5 in step 7 (x > 3.0: the 25th frame)
            double[] expected = {0, 0, 1, 0, 0, 0, 10};
            for (int t = 0; t < expected.length; t++) {
                env.step(Maze3d.FORWARD, obs, r);
                assertEquals(expected[t], r.reward, "step " + (t + 1));
                if (t == 2) assertEquals(1, env.applesLeft());
            }
            assertEquals(2, env.applesLeft(), "the apples grew back");
            // respawned on the centre of a cell (odd tiles) that is open and holds no apple or portal
            double x = env.agentX() - 0.5, y = env.agentY() - 0.5;
            assertEquals(Math.rint(x), x);
            assertEquals(Math.rint(y), y);
            assertTrue((int) x % 2 == 1 && (int) y % 2 == 1, "a cell: " + x + ", " + y);
            assertFalse(env.maze().wall((int) x, (int) y));
            assertFalse((int) x == 3 && (int) y == 1, "not on the portal");
            assertFalse((int) x == 6 && (int) y == 3, "not on an apple");
            assertFalse(r.done(), "the episode goes on");
        }
    }

    @Test
    void theAgentSlidesAlongWallsAndNeverEntersThem() {
        Maze3d env = new Maze3d(42);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
            StepResult r = new StepResult();
            env.reset(1, obs);
            env.loadMap(STRAIGHT);
            env.placeAgent(1.5, 1.5, Maze3d.HEADINGS / 8);  // 45°: south-east, into the corridor's south wall
            for (int t = 0; t < 10; t++) env.step(Maze3d.FORWARD, obs, r);
            assertEquals(2 - Maze3d.AGENT_RADIUS, env.agentY(), 1e-9, "held off the south wall by its radius");
            double slid = 1.5 + 40 * Maze3d.MOVE_PER_FRAME * Math.cos(Math.PI / 4) - env.agentX();
            assertTrue(slid >= 0 && slid < 0.1, "kept most of the move along the wall: x = " + env.agentX());
            for (int t = 0; t < 40; t++) env.step(Maze3d.FORWARD, obs, r);
            assertEquals(8 - Maze3d.AGENT_RADIUS, env.agentX(), 1e-9, "stopped by the end wall");
            assertEquals(2 - Maze3d.AGENT_RADIUS, env.agentY(), 1e-9, "in the corner");
        }
    }

    @Test
    void theSameSeedGivesTheSameEpisodes() {
        for (String name : new String[] {"maze3d", "maze3d-small"}) {
            Env a = Envs.create(name), b = Envs.create(name);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment oa = arena.allocate((long) a.observationSize() * Float.BYTES);
                MemorySegment ob = arena.allocate((long) b.observationSize() * Float.BYTES);
                StepResult ra = new StepResult(), rb = new StepResult();
                SplittableRandom policy = new SplittableRandom(11);
                a.reset(42, oa);
                b.reset(42, ob);
                assertArrayEquals(pixels(oa), pixels(ob), name + ": first observation");
                double ret = 0;
                for (int t = 0; t < 1200; t++) {  // across one reset
                    int action = policy.nextInt(Maze3d.ACTIONS);
                    a.step(action, oa, ra);
                    b.step(action, ob, rb);
                    assertEquals(ra.reward, rb.reward);
                    assertEquals(ra.truncated, rb.truncated);
                    assertArrayEquals(pixels(oa), pixels(ob), name + ": step " + t);
                    ret += ra.reward;
                    if (ra.done()) {
                        a.reset(oa);
                        b.reset(ob);
                        assertArrayEquals(pixels(oa), pixels(ob), name + ": after reset");
                    }
                }
                a.reset(43, oa);
                b.reset(42, ob);
                assertFalse(java.util.Arrays.equals(pixels(oa), pixels(ob)), name + ": another seed, another maze");
            }
        }
    }

    @Test
    void episodesAreTruncatedAt900StepsAndNeverTerminate() {
        Env env = Envs.create("maze3d-small");
        assertEquals(900, env.maxEpisodeSteps());
        assertArrayEquals(new int[] {3, 42, 42}, env.observationShape());
        assertEquals(3 * 42 * 42, env.observationSize());
        assertEquals(6, env.actionCount());
        assertArrayEquals(new int[] {3, 84, 84}, Envs.create("maze3d").observationShape());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
            StepResult r = new StepResult();
            SplittableRandom policy = new SplittableRandom(3);
            env.reset(5, obs);
            for (int t = 1; t <= 900; t++) {
                env.step(policy.nextInt(6), obs, r);
                assertFalse(r.terminated, "step " + t);
                assertEquals(t == 900, r.truncated, "step " + t);
                for (float v : pixels(obs)) assertTrue(v >= 0f && v <= 1f, "a value outside [0, 1]: " + v);
            }
            assertThrows(IllegalStateException.class, () -> env.step(0, obs, r));
            assertThrows(IllegalArgumentException.class, () -> {
                env.reset(obs);
                env.step(6, obs, r);
            });
        }
    }

    @Test
    void noAllocationPerStep() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().threadId();
        for (String name : new String[] {"maze3d", "maze3d-small"}) {
            Env env = Envs.create(name);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
                StepResult r = new StepResult();
                SplittableRandom policy = new SplittableRandom(9);
                env.reset(9, obs);
                run(env, obs, r, policy, 5_000);  // warm up
                long before = mx.getThreadAllocatedBytes(thread);
                run(env, obs, r, policy, 10_000);  // 11 new mazes among them
                long bytes = mx.getThreadAllocatedBytes(thread) - before;
                assertTrue(bytes < 4096, name + ": " + bytes + " bytes over 10,000 steps");
            }
        }
    }

    private static void run(Env env, MemorySegment obs, StepResult r, SplittableRandom policy, int steps) {
        for (int t = 0; t < steps; t++) {
            env.step(policy.nextInt(env.actionCount()), obs, r);
            if (r.done()) env.reset(obs);
        }
    }

    @Test
    void renderShowsTheMapBesideTheView() {
        Maze3d env = new Maze3d(84);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
            StepResult r = new StepResult();
            env.reset(2, obs);
            BufferedImage first = env.render();
            assertTrue(first.getWidth() > 2 * 336 && first.getHeight() >= 336);
            // the view's top-left pixel is the observation's, enlarged 4×
            int rgb = first.getRGB(first.getWidth() - 12 - 336 + 1, 12 + 1) & 0xFFFFFF;
            float[] px = pixels(obs);
            assertEquals(Math.round(px[0] * 255), rgb >> 16);
            assertEquals(Math.round(px[84 * 84] * 255), (rgb >> 8) & 0xFF);
            env.step(Maze3d.TURN_LEFT, obs, r);
            BufferedImage later = env.render();
            assertEquals(first.getWidth(), later.getWidth());
            assertFalse(java.util.Arrays.equals(first.getRGB(0, 0, first.getWidth(), first.getHeight(), null, 0, first.getWidth()),
                    later.getRGB(0, 0, later.getWidth(), later.getHeight(), null, 0, later.getWidth())), "the picture follows the state");
        }
    }
}
