package dev.asyncrl.env.minatar;

import static dev.asyncrl.env.minatar.MinAtarGame.DOWN;
import static dev.asyncrl.env.minatar.MinAtarGame.FIRE;
import static dev.asyncrl.env.minatar.MinAtarGame.LEFT;
import static dev.asyncrl.env.minatar.MinAtarGame.NOOP;
import static dev.asyncrl.env.minatar.MinAtarGame.RIGHT;
import static dev.asyncrl.env.minatar.MinAtarGame.UP;
import static dev.asyncrl.env.minatar.Seaquest.DIVER;
import static dev.asyncrl.env.minatar.Seaquest.DIVER_GAUGE;
import static dev.asyncrl.env.minatar.Seaquest.ENEMY_FISH;
import static dev.asyncrl.env.minatar.Seaquest.FRIENDLY_BULLET;
import static dev.asyncrl.env.minatar.Seaquest.OXYGEN_GAUGE;
import static dev.asyncrl.env.minatar.Seaquest.SUB_BACK;
import static dev.asyncrl.env.minatar.Seaquest.SUB_FRONT;
import static dev.asyncrl.env.minatar.Seaquest.TRAIL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.StepResult;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Seaquest's rules, scripted with sticky actions off and, where random spawns would get in the
 * way, the spawn timers held off: the start, spawn timers, oxygen running out (and its bar never
 * flashing full), diver pick-up and the carrying limit, surfacing with no divers (terminal), with
 * some (refill, one diver dropped, ramp) and with six (the reward, and the reference's quirk that
 * leaves −1 divers and lets the sub surface again), firing and its cooldown, enemy subs' fire,
 * collisions, the spawn rule for rows, and the ramp's floors.
 */
class SeaquestTest {
    private static final int HOLD = 1_000_000;
    private final Seaquest g = new Seaquest(false, true, 0.0);
    private final MemorySegment obs = Grid.buffer(g);
    private final StepResult r = new StepResult();

    /** A reset with nothing in the water and no spawns to come. */
    private void quiet(long seed) {
        g.reset(seed, obs);
        g.clearObjects();
        g.setSpawnTimers(HOLD, HOLD);
    }

    @Test
    void startAndSpawnTimers() {
        g.reset(1, obs);
        assertTrue(Grid.lit(obs, SUB_FRONT, 5, 0));
        assertTrue(Grid.lit(obs, SUB_BACK, 6, 0), "facing left: the back is to the right");
        assertEquals(10, Grid.count(obs, OXYGEN_GAUGE), "full oxygen: 10 cells");
        assertEquals(0, Grid.count(obs, DIVER_GAUGE));
        for (int t = 1; t <= 31; t++) {
            g.step(NOOP, obs, r); // at the surface nothing can reach the sub
            assertFalse(r.done(), "staying at the surface is not surfacing");
            assertEquals(t < 21 ? 0 : 1, g.fishCount() + g.enemySubCount(), "enemies after step " + t);
            assertEquals(t < 31 ? 0 : 1, g.diversInWater(), "divers after step " + t);
        }
        assertEquals(200, g.oxygen(), "no oxygen is used at the surface");
    }

    @Test
    void oxygenRunsOutOnThe201stStepBelowTheSurface() {
        quiet(2);
        g.step(DOWN, obs, r);
        assertEquals(199, g.oxygen());
        for (int k = 2; k <= 200; k++) {
            g.step(NOOP, obs, r);
            assertFalse(r.done(), "step " + k);
            assertEquals(200 - k, g.oxygen());
            assertEquals((200 - k) * 10 / 200, Grid.count(obs, OXYGEN_GAUGE), "bar after step " + k);
        }
        g.step(NOOP, obs, r); // oxygen is 0 at the check
        assertTrue(r.terminated);
        assertEquals(0, Grid.count(obs, OXYGEN_GAUGE), "the bar does not flash full (the reference's fix)");
    }

    @Test
    void diversArePickedUpUpToSix() {
        quiet(3);
        g.setSub(5, 3, false);
        g.addDiver(6, 3, false, 0); // moves onto the sub this step
        g.step(NOOP, obs, r);
        assertEquals(1, g.diverCount());
        assertEquals(0, g.diversInWater());
        assertTrue(Grid.lit(obs, DIVER_GAUGE, 8, 9), "the bar ends at column 8");
        assertEquals(1, Grid.count(obs, DIVER_GAUGE));

        g.addDiver(4, 3, true, 5);
        g.step(LEFT, obs, r); // the sub moves onto the diver
        assertEquals(2, g.diverCount());
        assertEquals(2, Grid.count(obs, DIVER_GAUGE));
        assertTrue(Grid.lit(obs, DIVER_GAUGE, 7, 9));

        g.setDiverCount(6);
        g.addDiver(3, 3, true, 5);
        g.step(LEFT, obs, r); // onto a diver with six aboard: it stays in the water
        assertEquals(6, g.diverCount());
        assertEquals(1, g.diversInWater());
        assertTrue(Grid.lit(obs, DIVER, 3, 3));
        assertTrue(Grid.lit(obs, TRAIL, 2, 3));
        for (int x = 0; x < 10; x++) assertEquals(x >= 3 && x <= 8, Grid.lit(obs, DIVER_GAUGE, x, 9), "six: columns 3-8");
        assertEquals(0.0, r.reward);
    }

    @Test
    void surfacingWithNoDiversEndsTheGame() {
        quiet(4);
        g.setSub(5, 1, false);
        g.step(UP, obs, r);
        assertTrue(r.terminated);
        assertEquals(0.0, r.reward);
    }

    @Test
    void surfacingWithDiversRefillsOxygenDropsOneDiverAndRamps() {
        quiet(5);
        g.setSub(5, 1, false);
        g.setDiverCount(2);
        g.setOxygen(50);
        g.step(UP, obs, r);
        assertFalse(r.done());
        assertEquals(0.0, r.reward);
        assertEquals(200, g.oxygen());
        assertEquals(1, g.diverCount());
        assertEquals(19, g.enemySpawnInterval());
        assertEquals(5, g.moveInterval(), "ramp index 0: the move interval stays");
        assertEquals(1, g.rampIndex());

        g.step(NOOP, obs, r); // staying up is not surfacing again
        assertEquals(1, g.diverCount());
        g.step(DOWN, obs, r);
        g.step(UP, obs, r);
        assertFalse(r.done());
        assertEquals(0, g.diverCount());
        assertEquals(18, g.enemySpawnInterval());
        assertEquals(4, g.moveInterval(), "ramp index 1: the move interval drops");

        g.step(DOWN, obs, r);
        g.step(UP, obs, r);
        assertTrue(r.terminated, "no divers left");
    }

    @Test
    void surfacingWithSixDiversPaysForOxygenAndLeavesMinusOneDivers() {
        quiet(6);
        g.setSub(5, 1, false);
        g.setDiverCount(6);
        g.setOxygen(150);
        g.step(UP, obs, r);
        assertEquals(7.0, r.reward, "floor(150 * 10 / 200)");
        assertFalse(r.done());
        assertEquals(200, g.oxygen());
        assertEquals(-1, g.diverCount(), "the reference's quirk: set to 0, then one is dropped");
        assertEquals(0, Grid.count(obs, DIVER_GAUGE), "a negative count shows an empty bar");

        // Surfacing again with -1 divers does not end the game; it drops one more.
        g.step(DOWN, obs, r);
        g.step(UP, obs, r);
        assertFalse(r.done());
        assertEquals(0.0, r.reward);
        assertEquals(-2, g.diverCount());

        // A full load surfacing with little oxygen pays little.
        quiet(6);
        g.setSub(5, 1, false);
        g.setDiverCount(6);
        g.setOxygen(19);
        g.step(UP, obs, r);
        assertEquals(0.0, r.reward);
        g.setSub(5, 1, false);
        g.setDiverCount(6);
        g.setOxygen(200);
        g.step(UP, obs, r);
        assertEquals(10.0, r.reward);
    }

    @Test
    void firingKillsAFishAndCoolsDownForFiveSteps() {
        quiet(7);
        g.setSub(5, 3, true);
        g.addFish(7, 3, false, HOLD);
        g.step(FIRE, obs, r);
        assertEquals(1, g.friendlyBulletCount());
        assertTrue(Grid.lit(obs, FRIENDLY_BULLET, 6, 3), "fired from the sub's cell, one cell on by the end of the step");
        assertTrue(Grid.lit(obs, SUB_FRONT, 5, 3), "firing does not move the sub");
        assertEquals(4, g.shotCooldown());
        g.step(FIRE, obs, r); // on cooldown: nothing; the bullet reaches the fish
        assertEquals(1.0, r.reward);
        assertEquals(0, g.fishCount());
        assertEquals(0, g.friendlyBulletCount());
        assertEquals(0, Grid.count(obs, ENEMY_FISH));
        for (int t = 3; t <= 5; t++) {
            g.step(FIRE, obs, r);
            assertEquals(0, g.friendlyBulletCount(), "still cooling down at step " + t);
        }
        g.step(FIRE, obs, r);
        assertEquals(1, g.friendlyBulletCount(), "one shot per 5 steps");

        // An enemy moving onto a bullet dies too.
        quiet(7);
        g.setSub(5, 3, true);
        g.step(FIRE, obs, r); // bullet at (6, 3)
        g.addFish(8, 3, false, 0); // moves onto (7, 3) next step, where the bullet arrives
        g.step(NOOP, obs, r);
        assertEquals(1.0, r.reward);
        assertEquals(0, g.fishCount());

        // Bullets leave the grid.
        quiet(7);
        g.setSub(8, 3, true);
        g.step(FIRE, obs, r);
        g.step(NOOP, obs, r);
        assertEquals(0, g.friendlyBulletCount());
    }

    @Test
    void enemySubsFireEveryElevenSteps() {
        quiet(8);
        g.addEnemySub(0, 6, true, HOLD, 0);
        int shots = 0;
        for (int t = 1; t <= 34; t++) {
            int before = g.enemyBulletCount();
            g.step(NOOP, obs, r); // the sub is at the surface, out of reach
            boolean fired = t % 11 == 1;
            if (fired) {
                shots++;
                assertEquals(1, g.enemyBulletX(g.enemyBulletCount() - 1), "from the sub's cell, moved one cell");
            }
            assertTrue(g.enemyBulletCount() <= before + (fired ? 1 : 0), "no other shots, step " + t);
        }
        assertEquals(4, shots);

        // An enemy bullet reaching the sub ends the game.
        quiet(8);
        g.setSub(4, 6, false);
        g.addEnemySub(0, 6, true, HOLD, 0);
        int steps = 0;
        do {
            g.step(NOOP, obs, r);
            steps++;
        } while (!r.done());
        assertTrue(r.terminated);
        assertEquals(4, steps, "bullet at column 1, 2, 3, then the sub's column 4");
    }

    @Test
    void touchingAnEnemyEndsTheGame() {
        quiet(9);
        g.setSub(5, 4, true);
        g.addFish(6, 4, false, HOLD);
        g.step(RIGHT, obs, r); // the sub moves onto the fish
        assertTrue(r.terminated);

        quiet(9);
        g.setSub(5, 4, true);
        g.addEnemySub(3, 4, true, 0, HOLD); // moves onto column 4, the sub's back cell
        g.step(NOOP, obs, r);
        assertFalse(r.done(), "only the front cell counts");
        g.addFish(6, 4, false, 0); // moves onto the sub
        g.step(NOOP, obs, r);
        assertTrue(r.terminated);
    }

    @Test
    void anEnemyIsNotSpawnedInARowWhereAnotherHeadsTheOtherWay() {
        quiet(10);
        int spawned = 0, subs = 0, steps = 4000;
        for (int t = 0; t < steps; t++) {
            g.clearObjects();
            for (int row = 1; row <= 8; row++) g.addFish(5, row, true, HOLD); // every row has a fish heading right
            g.setSpawnTimers(0, HOLD);
            int enemySubsBefore = g.enemySubCount();
            g.step(NOOP, obs, r);
            int extra = g.fishCount() + g.enemySubCount() - 8;
            assertTrue(extra == 0 || extra == 1);
            assertEquals(8 + extra, g.enemiesMovingRight(), "a new enemy heads right like the rest of its row");
            spawned += extra;
            subs += g.enemySubCount() - enemySubsBefore;
        }
        assertEquals(0.5, spawned / (double) steps, 4 * Math.sqrt(0.25 / steps), "the left-moving half is skipped");
        assertEquals(1 / 3.0, subs / (double) spawned, 4 * Math.sqrt(2 / 9.0 / spawned), "a third are subs");
    }

    @Test
    void theRampStopsAtSpawnIntervalOneAndMoveIntervalTwo() {
        quiet(11);
        for (int k = 1; k <= 25; k++) {
            g.setSub(5, 1, false);
            g.setDiverCount(1);
            g.step(UP, obs, r);
            assertFalse(r.done());
            assertEquals(Math.max(1, 20 - k), g.enemySpawnInterval(), "after surfacing " + k);
            int expectedMove = k >= 6 ? 2 : k >= 4 ? 3 : k >= 2 ? 4 : 5;
            assertEquals(expectedMove, g.moveInterval(), "after surfacing " + k);
        }
        assertEquals(19, g.rampIndex(), "no ramp once both floors are reached");

        Seaquest flat = new Seaquest(false, false, 0.0);
        flat.reset(11, obs);
        flat.setSub(5, 1, false);
        flat.setDiverCount(1);
        flat.step(UP, obs, r);
        assertEquals(20, flat.enemySpawnInterval(), "ramping off");
    }
}
