package dev.asyncrl.env.minatar;

import static dev.asyncrl.env.minatar.Freeway.CAR;
import static dev.asyncrl.env.minatar.Freeway.CHICKEN;
import static dev.asyncrl.env.minatar.Freeway.SPEED1;
import static dev.asyncrl.env.minatar.MinAtarGame.DOWN;
import static dev.asyncrl.env.minatar.MinAtarGame.NOOP;
import static dev.asyncrl.env.minatar.MinAtarGame.UP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.StepResult;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Freeway's rules, scripted with sticky actions off: the chicken's 3-step cooldown (also at the
 * start), scoring and the re-drawn cars, collisions before and after a car moves (back to row 9,
 * no penalty, the cooldown left as it was), each speed level's period of s + 1 steps with
 * wrap-around, the speed channels, and the 2501-step truncation.
 */
class FreewayTest {
    private final Freeway g = new Freeway(false, 0.0);
    private final MemorySegment obs = Grid.buffer(g);
    private final StepResult r = new StepResult();

    /** Cars that never move, parked at column 0 in rows 1-8. */
    private void parkCars() {
        for (int row = 1; row <= 8; row++) g.setCar(row, 0, 5, 1_000_000);
    }

    @Test
    void theChickenMovesAtMostOnceEveryThreeStepsAndScoresAtTheTop() {
        g.reset(1, obs);
        parkCars();
        for (int t = 1; t <= 27; t++) {
            g.step(UP, obs, r);
            int expected = 9 - (t - 1) / 3; // steps 1-3: the initial cooldown; then a row at steps 4, 7, 10, ...
            assertEquals(expected, g.chickenRow(), "row after step " + t);
            assertEquals(0.0, r.reward);
            assertTrue(Grid.lit(obs, CHICKEN, 4, expected));
        }
        int[] speeds = new int[9];
        for (int row = 1; row <= 8; row++) speeds[row] = g.carSpeed(row);
        g.step(UP, obs, r); // step 28: row 0
        assertEquals(1.0, r.reward);
        assertEquals(9, g.chickenRow(), "back to the bottom");
        boolean redrawn = false;
        for (int row = 1; row <= 8; row++) {
            assertEquals(0, g.carX(row), "positions are kept");
            redrawn |= g.carSpeed(row) != speeds[row];
            int s = Math.abs(g.carSpeed(row));
            assertTrue(s >= 1 && s <= 5);
        }
        assertTrue(redrawn, "speeds and directions are drawn again");
        assertFalse(r.done());
    }

    @Test
    void downMovesTooButNotBelowRowNine() {
        g.reset(2, obs);
        parkCars();
        g.setChicken(5, 0);
        g.step(DOWN, obs, r);
        assertEquals(6, g.chickenRow());
        g.setChicken(9, 0);
        g.step(DOWN, obs, r);
        assertEquals(9, g.chickenRow());
        assertEquals(2, g.cooldown(), "a blocked move still spends the cooldown, as in the reference");
    }

    @Test
    void aCarOnTheChickenBeforeItMovesSendsItBack() {
        g.reset(3, obs);
        parkCars();
        g.setCar(8, 4, 5, 1_000_000);
        g.setChicken(9, 0);
        g.step(UP, obs, r); // into row 8, where the car stands
        assertEquals(9, g.chickenRow());
        assertEquals(0.0, r.reward);
        assertFalse(r.done(), "no termination");
        // The cooldown is the one the move set (3, minus this step): the collision neither adds nor clears it.
        assertEquals(2, g.cooldown());
        g.setCar(8, 0, 5, 1_000_000);
        g.step(UP, obs, r);
        g.step(UP, obs, r);
        assertEquals(9, g.chickenRow(), "still cooling down");
        g.step(UP, obs, r);
        assertEquals(8, g.chickenRow(), "moves three steps after the last move");

        // A car on the chicken's cell that is about to move away still hits it.
        g.setChicken(7, 3);
        g.setCar(7, 4, 1, 0);
        g.step(NOOP, obs, r);
        assertEquals(9, g.chickenRow());
        assertEquals(5, g.carX(7));
    }

    @Test
    void aCarMovingOntoTheChickenSendsItBack() {
        g.reset(4, obs);
        parkCars();
        g.setChicken(6, 3);
        g.setCar(6, 3, 2, 0); // moves this step, onto column 4
        g.step(NOOP, obs, r);
        assertEquals(4, g.carX(6));
        assertEquals(9, g.chickenRow());
        assertEquals(0.0, r.reward);
        assertFalse(r.done());

        g.setChicken(3, 3);
        g.setCar(3, 5, -4, 0); // from the right
        g.step(NOOP, obs, r);
        assertEquals(9, g.chickenRow());
    }

    @Test
    void aCarOfSpeedLevelSMovesEverySPlusOneSteps() {
        g.reset(5, obs);
        for (int row = 1; row <= 8; row++) {
            int s = (row - 1) % 5 + 1;
            int dir = row % 2 == 0 ? 1 : -1;
            g.setCar(row, 0, s * dir, s); // as at reset: countdown = s
        }
        int[] x = new int[9];
        for (int t = 1; t <= 60; t++) {
            g.step(NOOP, obs, r);
            for (int row = 1; row <= 8; row++) {
                int s = (row - 1) % 5 + 1;
                int dir = row % 2 == 0 ? 1 : -1;
                if (t % (s + 1) == 0) x[row] = Math.floorMod(x[row] + dir, 10); // with wrap-around
                assertEquals(x[row], g.carX(row), "row " + row + " (speed " + s + ") after step " + t);
            }
        }
    }

    @Test
    void speedChannelsLightTheCellBehindEachCar() {
        for (long seed = 0; seed < 20; seed++) {
            g.reset(seed, obs);
            int lit = 0;
            for (int row = 1; row <= 8; row++) {
                int v = g.carSpeed(row);
                int back = v > 0 ? 9 : 1; // behind column 0, with wrap for a car heading right
                assertTrue(Grid.lit(obs, CAR, 0, row));
                assertTrue(Grid.lit(obs, SPEED1 + Math.abs(v) - 1, back, row), "row " + row + " speed " + v);
            }
            for (int c = SPEED1; c < SPEED1 + 5; c++) lit += Grid.count(obs, c);
            assertEquals(8, lit, "one trail cell per car");
            assertTrue(Grid.lit(obs, CHICKEN, 4, 9));
        }
    }

    @Test
    void carsAreDrawnUniformly() {
        int[] levels = new int[6];
        int right = 0, n = 0;
        for (long seed = 0; seed < 500; seed++) {
            g.reset(seed, obs);
            for (int row = 1; row <= 8; row++) {
                levels[Math.abs(g.carSpeed(row))]++;
                if (g.carSpeed(row) > 0) right++;
                n++;
            }
        }
        for (int s = 1; s <= 5; s++) assertEquals(0.2, levels[s] / (double) n, 0.03, "level " + s);
        assertEquals(0.5, right / (double) n, 0.03);
    }

    @Test
    void episodesAreTruncatedOnStep2501() {
        Freeway f = new Freeway();
        SplittableRandom pol = new SplittableRandom(8);
        f.reset(8, obs);
        for (int episode = 0; episode < 2; episode++) {
            int steps = 0;
            do {
                f.step(pol.nextInt(6), obs, r);
                steps++;
                assertFalse(r.terminated, "nothing in Freeway is terminal");
            } while (!r.done());
            assertEquals(2501, steps);
            assertTrue(r.truncated);
            f.reset(obs);
        }
    }
}
