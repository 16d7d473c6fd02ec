package dev.asyncrl.env.minatar;

import static dev.asyncrl.env.minatar.Asterix.ENEMY;
import static dev.asyncrl.env.minatar.Asterix.GOLD;
import static dev.asyncrl.env.minatar.Asterix.PLAYER;
import static dev.asyncrl.env.minatar.Asterix.TRAIL;
import static dev.asyncrl.env.minatar.MinAtarGame.DOWN;
import static dev.asyncrl.env.minatar.MinAtarGame.LEFT;
import static dev.asyncrl.env.minatar.MinAtarGame.NOOP;
import static dev.asyncrl.env.minatar.MinAtarGame.RIGHT;
import static dev.asyncrl.env.minatar.MinAtarGame.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.StepResult;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Asterix's rules, scripted with sticky actions off: the spawn timer (first at step 11, then every
 * interval) and what spawns, the move timer (first at step 6, then every interval), gold and enemy
 * contact, the player's bounds, and the difficulty ramp every 102 steps down to intervals of 1.
 */
class AsterixTest {
    private final Asterix g = new Asterix(false, true, 0.0);
    private final MemorySegment obs = Grid.buffer(g);
    private final StepResult r = new StepResult();

    @Test
    void moveTimerMovesEntitiesEveryFiveStepsFromStepSix() {
        g.reset(1, obs);
        g.setEntity(2, 0, true, false);
        int[] expectedX = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3};
        for (int t = 1; t <= expectedX.length; t++) {
            g.step(NOOP, obs, r);
            assertEquals(expectedX[t - 1], g.entityX(2), "x after step " + t);
            assertFalse(r.done());
        }
        assertTrue(Grid.lit(obs, ENEMY, 3, 2));
        assertTrue(Grid.lit(obs, TRAIL, 2, 2), "the trail lights the cell behind");
        assertTrue(Grid.lit(obs, PLAYER, 5, 5));
    }

    @Test
    void spawnTimerSpawnsAtStepElevenThenEveryTenSteps() {
        g.reset(2, obs);
        for (int t = 1; t <= 21; t++) {
            g.step(NOOP, obs, r);
            int expected = t < 11 ? 0 : t < 21 ? 1 : 2;
            assertEquals(expected, g.entityCount(), "entities after step " + t);
            if (t == 11) {
                int row = firstRow();
                // It entered at column 0 or 9 and, step 11 being a move step, has already moved once.
                assertEquals(g.entityMovingRight(row) ? 1 : 8, g.entityX(row));
            }
        }
    }

    private int firstRow() {
        for (int row = 1; row <= 8; row++) if (g.entityIn(row)) return row;
        throw new AssertionError("no entity");
    }

    @Test
    void spawnsAreGoldOneThirdOfTheTimeFromEitherSideIntoFreeRows() {
        g.reset(3, obs);
        int spawns = 0, gold = 0, fromLeft = 0;
        int[] rows = new int[9];
        while (spawns < 3000) {
            g.clearEntities();
            g.step(NOOP, obs, r);
            if (g.entityCount() == 1) {
                int row = firstRow();
                spawns++;
                rows[row]++;
                if (g.entityGold(row)) gold++;
                if (g.entityMovingRight(row)) fromLeft++;
            }
        }
        assertEquals(1 / 3.0, gold / (double) spawns, 4 * Math.sqrt(2 / 9.0 / spawns));
        assertEquals(0.5, fromLeft / (double) spawns, 4 * Math.sqrt(0.25 / spawns));
        for (int row = 1; row <= 8; row++) assertTrue(rows[row] > 250, "row " + row + ": " + rows[row]);

        // With every row taken nothing spawns.
        g.reset(3, obs);
        for (int row = 1; row <= 8; row++) g.setEntity(row, row == 5 ? 0 : 9, row == 5, false);
        for (int t = 0; t < 11; t++) g.step(NOOP, obs, r);
        assertEquals(8, g.entityCount());
    }

    @Test
    void goldIsCollectedAndAnEnemyEndsTheGame() {
        g.reset(4, obs);
        g.setEntity(5, 6, false, true);
        g.step(RIGHT, obs, r); // the player steps onto the gold
        assertEquals(1.0, r.reward);
        assertFalse(g.entityIn(5));
        assertFalse(r.done());

        // Gold moving onto the player (step 6 is a move step).
        g.reset(4, obs);
        for (int t = 1; t <= 5; t++) g.step(NOOP, obs, r);
        g.setEntity(5, 4, true, true);
        assertTrue(Grid.lit(obs, PLAYER, 5, 5));
        g.step(NOOP, obs, r);
        assertEquals(1.0, r.reward);
        assertFalse(g.entityIn(5));

        g.reset(4, obs);
        g.setEntity(4, 5, true, false);
        g.step(UP, obs, r); // the player steps onto an enemy
        assertTrue(r.terminated);
        assertEquals(0.0, r.reward);
    }

    @Test
    void thePlayerStaysInRowsOneToEight() {
        g.reset(5, obs);
        for (int t = 0; t < 6; t++) {
            g.clearEntities();
            g.step(UP, obs, r);
        }
        assertEquals(1, g.playerY());
        for (int t = 0; t < 9; t++) {
            g.clearEntities();
            g.step(DOWN, obs, r);
        }
        assertEquals(8, g.playerY());
        for (int t = 0; t < 7; t++) {
            g.clearEntities();
            g.step(LEFT, obs, r);
        }
        assertEquals(0, g.playerX());
    }

    @Test
    void difficultyRampsEvery102Steps() {
        g.reset(6, obs);
        // After ramp k (at step 102k): spawn interval 10-k (at least 1); the move interval drops on odd ramp indices.
        int[] spawnAfter = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1};
        int[] moveAfter = {5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 1};
        List<Integer> spawnSteps = new ArrayList<>();
        int[] intervalAfter = new int[1200];
        intervalAfter[0] = 10;
        for (int t = 1; t < 1200; t++) {
            g.clearEntities(); // the player never dies; the timers run on
            g.step(NOOP, obs, r);
            if (g.entityCount() > 0) spawnSteps.add(t);
            intervalAfter[t] = g.spawnInterval();
            int k = Math.min(t / 102, 10);
            assertEquals(spawnAfter[k], g.spawnInterval(), "spawn interval after step " + t);
            assertEquals(moveAfter[k], g.moveInterval(), "move interval after step " + t);
        }
        assertEquals(9, g.rampIndex(), "ramping stops once both intervals are 1");
        assertEquals(11, spawnSteps.getFirst());
        // Pattern A with a changing interval: the gap after a spawn is the interval in force when it spawned.
        for (int i = 0; i + 1 < spawnSteps.size(); i++) {
            int s = spawnSteps.get(i);
            assertEquals(intervalAfter[s - 1], spawnSteps.get(i + 1) - s, "gap after the spawn at step " + s);
        }
        assertEquals(1, spawnSteps.getLast() - spawnSteps.get(spawnSteps.size() - 2), "in the end, a spawn every step");

        Asterix flat = new Asterix(false, false, 0.0);
        flat.reset(6, obs);
        for (int t = 0; t < 1000; t++) {
            flat.clearEntities();
            flat.step(NOOP, obs, r);
        }
        assertEquals(10, flat.spawnInterval(), "ramping off");
        assertEquals(5, flat.moveInterval());
    }

    @Test
    void goldAndEnemiesUseTheirOwnChannels() {
        g.reset(7, obs);
        g.setEntity(1, 3, false, true);
        g.setEntity(8, 9, false, false);
        g.redraw(obs);
        assertTrue(Grid.lit(obs, GOLD, 3, 1));
        assertTrue(Grid.lit(obs, TRAIL, 4, 1), "moving left: the trail is on the right");
        assertTrue(Grid.lit(obs, ENEMY, 9, 8));
        assertEquals(1, Grid.count(obs, TRAIL), "no trail off the grid");
    }
}
