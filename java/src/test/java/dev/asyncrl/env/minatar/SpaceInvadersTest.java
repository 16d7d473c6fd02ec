package dev.asyncrl.env.minatar;

import static dev.asyncrl.env.minatar.MinAtarGame.FIRE;
import static dev.asyncrl.env.minatar.MinAtarGame.NOOP;
import static dev.asyncrl.env.minatar.SpaceInvaders.ALIEN;
import static dev.asyncrl.env.minatar.SpaceInvaders.ALIEN_LEFT;
import static dev.asyncrl.env.minatar.SpaceInvaders.ALIEN_RIGHT;
import static dev.asyncrl.env.minatar.SpaceInvaders.CANNON;
import static dev.asyncrl.env.minatar.SpaceInvaders.ENEMY_BULLET;
import static dev.asyncrl.env.minatar.SpaceInvaders.FRIENDLY_BULLET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.StepResult;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Space Invaders' rules, scripted with sticky actions off: the block's march (first move at step
 * 13, then every 12 steps, reversing and dropping a row at the edges) and its speed-up with few
 * aliens, the cannon's shot and cooldown, hits, the aliens' fire from the nearest column (ties to
 * the lower column) every 10 steps, the three ways to lose, and a new wave with the ramp floored at 6.
 */
class SpaceInvadersTest {
    private static final int HOLD = 1_000_000;
    private final SpaceInvaders g = new SpaceInvaders(false, true, 0.0);
    private final MemorySegment obs = Grid.buffer(g);
    private final StepResult r = new StepResult();

    private int leftmost() {
        for (int x = 0; x < 10; x++) for (int y = 0; y < 10; y++) if (g.alien(x, y)) return x;
        return -1;
    }

    private int top() {
        for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) if (g.alien(x, y)) return y;
        return -1;
    }

    @Test
    void startState() {
        g.reset(1, obs);
        assertTrue(Grid.lit(obs, CANNON, 5, 9));
        assertEquals(24, Grid.count(obs, ALIEN));
        assertEquals(24, Grid.count(obs, ALIEN_LEFT), "heading left at the start");
        assertEquals(0, Grid.count(obs, ALIEN_RIGHT));
        for (int y = 0; y < 4; y++) for (int x = 2; x < 8; x++) assertTrue(Grid.lit(obs, ALIEN, x, y));
    }

    @Test
    void theBlockMarchesEveryTwelveStepsAndDropsAtTheEdges() {
        g.reset(2, obs);
        // step -> {leftmost column, top row, direction}
        int[][] expect = {
            {12, 2, 0, -1}, {13, 1, 0, -1}, {24, 1, 0, -1}, {25, 0, 0, -1}, {36, 0, 0, -1},
            {37, 0, 1, 1}, {48, 0, 1, 1}, {49, 1, 1, 1}, {85, 4, 1, 1}, {96, 4, 1, 1},
            {97, 4, 2, -1}, {109, 3, 2, -1},
        };
        int i = 0;
        for (int t = 1; t <= 109; t++) {
            g.clearEnemyBullets(); // the cannon is never hit; the block's timing is what is tested
            g.step(NOOP, obs, r);
            assertFalse(r.done());
            if (t == expect[i][0]) {
                assertEquals(expect[i][1], leftmost(), "leftmost column after step " + t);
                assertEquals(expect[i][2], top(), "top row after step " + t);
                assertEquals(expect[i][3], g.alienDirection(), "direction after step " + t);
                int dirChannel = expect[i][3] < 0 ? ALIEN_LEFT : ALIEN_RIGHT;
                assertEquals(24, Grid.count(obs, dirChannel));
                assertEquals(0, Grid.count(obs, ALIEN_LEFT + ALIEN_RIGHT - dirChannel));
                i++;
            }
        }
        assertEquals(expect.length, i);
    }

    @Test
    void fewerAliensMoveFaster() {
        g.reset(3, obs);
        g.clearAliens();
        g.setAlien(5, 0, true);
        g.setAlienTimers(0, HOLD);
        int[][] cells = {{4, 0}, {3, 0}, {2, 0}, {1, 0}, {0, 0}, {0, 1}, {1, 1}, {2, 1}};
        for (int[] c : cells) {
            g.step(NOOP, obs, r); // one alien: the block moves every step
            assertTrue(g.alien(c[0], c[1]), "alien at " + c[0] + "," + c[1]);
        }

        g.reset(3, obs);
        g.clearAliens();
        for (int x = 3; x <= 5; x++) g.setAlien(x, 0, true);
        g.setAlienTimers(0, HOLD);
        int[] expectedLeft = {2, 2, 2, 1, 1, 1, 0};
        for (int t = 0; t < expectedLeft.length; t++) {
            g.step(NOOP, obs, r); // three aliens: every third step
            assertEquals(expectedLeft[t], leftmost(), "after step " + (t + 1));
        }
    }

    @Test
    void theCannonShootsOncePerFiveStepsAndHitsTheBlock() {
        g.reset(4, obs);
        g.step(FIRE, obs, r);
        assertTrue(g.friendlyBullet(5, 8), "fired from row 9, already in row 8");
        assertTrue(Grid.lit(obs, FRIENDLY_BULLET, 5, 8));
        assertEquals(4, g.shotCooldown());
        for (int t = 2; t <= 5; t++) {
            g.step(NOOP, obs, r);
            assertTrue(g.friendlyBullet(5, 8 - (t - 1)));
            assertEquals(0.0, r.reward);
        }
        g.step(NOOP, obs, r); // into row 3, the block's lowest row
        assertEquals(1.0, r.reward);
        assertFalse(g.alien(5, 3));
        assertEquals(23, g.alienCount());
        assertEquals(0, Grid.count(obs, FRIENDLY_BULLET), "the bullet goes with the alien");

        // Holding fire in an empty column: a shot at steps 1 and 6; bullets leave at the top.
        g.reset(4, obs);
        g.setCannon(0);
        for (int t = 1; t <= 9; t++) {
            g.clearEnemyBullets();
            g.step(FIRE, obs, r);
            assertEquals(t < 6 ? 1 : 2, Grid.count(obs, FRIENDLY_BULLET), "bullets after step " + t);
        }
        assertTrue(g.friendlyBullet(0, 0), "the first bullet is in row 0 after step 9");
        assertTrue(g.friendlyBullet(0, 5), "the second, fired at step 6");
        g.clearEnemyBullets();
        g.step(NOOP, obs, r);
        assertFalse(g.friendlyBullet(0, 0), "the first has left the grid");
        assertEquals(1, Grid.count(obs, FRIENDLY_BULLET));
    }

    @Test
    void aliensFireFromTheNearestColumnEveryTenSteps() {
        g.reset(5, obs);
        g.clearAliens();
        g.setAlien(3, 0, true);
        g.setAlien(7, 1, true);
        g.setAlien(7, 2, true);
        g.setAlienTimers(HOLD, 0);
        g.step(NOOP, obs, r);
        assertTrue(g.enemyBullet(3, 0), "columns 3 and 7 are both 2 away: the lower column fires");
        assertTrue(Grid.lit(obs, ENEMY_BULLET, 3, 0));
        g.step(NOOP, obs, r);
        assertTrue(g.enemyBullet(3, 1), "enemy bullets fall a row per step");

        g.reset(5, obs);
        g.clearAliens();
        g.setAlien(3, 0, true);
        g.setAlien(7, 1, true);
        g.setAlien(7, 2, true);
        g.setCannon(6);
        g.setAlienTimers(HOLD, 0);
        int shots = 0;
        for (int t = 1; t <= 21; t++) {
            g.step(NOOP, obs, r);
            if (g.enemyBullet(7, 2)) {
                shots++;
                assertEquals(1, t % 10, "shots at steps 1, 11, 21");
            }
        }
        assertEquals(3, shots, "from the lowest alien of the nearest column");
    }

    @Test
    void anEnemyBulletOnTheCannonEndsTheGame() {
        g.reset(6, obs);
        g.clearAliens();
        g.setAlien(3, 0, true);
        g.setCannon(3);
        g.setAlienTimers(HOLD, 0);
        int steps = 0;
        do {
            g.step(NOOP, obs, r);
            steps++;
        } while (!r.done());
        assertTrue(r.terminated);
        assertEquals(10, steps, "fired into row 0 at step 1, in row 9 at step 10");
    }

    @Test
    void aliensReachingTheCannonOrTheBottomEndTheGame() {
        g.reset(7, obs);
        g.clearAliens();
        g.setAlien(6, 9, true);
        g.setAlienTimers(0, HOLD); // the block steps left onto the cannon's cell
        g.step(NOOP, obs, r);
        assertTrue(r.terminated);

        g.reset(7, obs);
        g.clearAliens();
        g.setAlien(5, 9, true);
        g.setAlienTimers(HOLD, HOLD); // already on the cannon's cell
        g.step(NOOP, obs, r);
        assertTrue(r.terminated);

        g.reset(7, obs);
        g.clearAliens();
        g.setAlien(0, 9, true); // at the edge, in row 9: the block turns and would drop below the grid
        g.setAlienTimers(0, HOLD);
        g.step(NOOP, obs, r);
        assertTrue(r.terminated);
    }

    @Test
    void aClearedBlockIsReplacedAndTheMarchSpeedsUpDownToSix() {
        g.reset(8, obs);
        int[] expected = {11, 10, 9, 8, 7, 6, 6, 6};
        for (int wave = 0; wave < expected.length; wave++) {
            g.clearAliens();
            g.setAlien(5, 8, true); // right above the cannon: the shot hits it at once
            g.setAlienTimers(HOLD, HOLD);
            g.step(FIRE, obs, r);
            assertEquals(1.0, r.reward);
            assertFalse(r.done());
            assertEquals(24, g.alienCount(), "a new block");
            for (int y = 0; y < 4; y++) for (int x = 2; x < 8; x++) assertTrue(g.alien(x, y));
            assertEquals(24, Grid.count(obs, ALIEN));
            assertEquals(-1, g.alienDirection(), "the direction is kept");
            assertEquals(expected[wave], g.moveInterval(), "after wave " + (wave + 1));
            for (int t = 0; t < 4; t++) g.step(NOOP, obs, r); // cool down
        }
        assertEquals(6, g.rampIndex());

        SpaceInvaders flat = new SpaceInvaders(false, false, 0.0);
        flat.reset(8, obs);
        flat.clearAliens();
        flat.setAlien(5, 8, true);
        flat.setAlienTimers(HOLD, HOLD);
        flat.step(FIRE, obs, r);
        assertEquals(24, flat.alienCount());
        assertEquals(12, flat.moveInterval(), "ramping off");
    }
}
