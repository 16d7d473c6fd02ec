package dev.asyncrl.env.minatar;

import static dev.asyncrl.env.minatar.Breakout.BALL;
import static dev.asyncrl.env.minatar.Breakout.BRICK;
import static dev.asyncrl.env.minatar.Breakout.PADDLE;
import static dev.asyncrl.env.minatar.Breakout.TRAIL;
import static dev.asyncrl.env.minatar.MinAtarGame.NOOP;
import static dev.asyncrl.env.minatar.MinAtarGame.RIGHT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.env.StepResult;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Breakout's rules, one scripted scenario each (sticky actions off; the state set through the test
 * hooks): the start, a brick struck, the strike-flag quirk, walls and ceiling, the paddle's two
 * bounces, the rows refilled, and the missed ball ending the episode.
 */
class BreakoutTest {
    private final Breakout g = new Breakout(false, 0.0);
    private final MemorySegment obs = Grid.buffer(g);
    private final StepResult r = new StepResult();

    @BeforeEach
    void start() {
        g.reset(1, obs);
    }

    private void assertBall(int x, int y, int dx, int dy) {
        assertEquals(x, g.ballX(), "ball x");
        assertEquals(y, g.ballY(), "ball y");
        assertEquals(dx, g.ballDx(), "ball dx");
        assertEquals(dy, g.ballDy(), "ball dy");
    }

    @Test
    void startState() {
        boolean left = false, right = false;
        for (long seed = 0; seed < 40; seed++) {
            g.reset(seed, obs);
            assertEquals(3, g.ballY());
            assertEquals(1, g.ballDy(), "heading down");
            if (g.ballX() == 0) {
                left = true;
                assertEquals(1, g.ballDx(), "from column 0, down-right");
            } else {
                right = true;
                assertEquals(9, g.ballX());
                assertEquals(-1, g.ballDx(), "from column 9, down-left");
            }
            assertTrue(Grid.lit(obs, PADDLE, 4, 9));
            assertTrue(Grid.lit(obs, BALL, g.ballX(), 3));
            assertTrue(Grid.lit(obs, TRAIL, g.ballX(), 3), "the trail starts on the ball");
            assertEquals(30, Grid.count(obs, BRICK));
        }
        assertTrue(left && right, "both starts occur");
    }

    @Test
    void aBrickIsStruck() {
        g.setBall(3, 4, 1, -1);
        g.step(NOOP, obs, r);
        assertEquals(1.0, r.reward);
        assertFalse(g.brick(4, 3), "brick removed");
        assertEquals(29, g.brickCount());
        assertBall(4, 4, 1, 1); // new column, old row, vertical direction flipped
        assertTrue(Grid.lit(obs, BALL, 4, 4));
        assertTrue(Grid.lit(obs, TRAIL, 3, 4));
        assertFalse(Grid.lit(obs, BRICK, 4, 3));
        assertEquals(29, Grid.count(obs, BRICK));
        assertFalse(r.done());
    }

    @Test
    void strikeFlagLetsTheBallPassIntoABrickOnTheNextStep() {
        g.setBall(3, 4, 1, -1);
        g.step(NOOP, obs, r); // strikes (4, 3); the ball is at (4, 4) heading down-right
        assertTrue(g.strikeFlag());
        g.setBrick(5, 5, true);
        g.step(NOOP, obs, r);
        assertEquals(0.0, r.reward, "no reward while the flag is set");
        assertTrue(g.brick(5, 5), "the brick stays");
        assertBall(5, 5, 1, 1); // the ball passes into the brick's cell, no bounce
        assertTrue(Grid.lit(obs, BALL, 5, 5) && Grid.lit(obs, BRICK, 5, 5));
        assertTrue(g.strikeFlag(), "still set: this step's target held a brick");
        g.step(NOOP, obs, r); // target (6, 6) is empty
        assertFalse(g.strikeFlag(), "cleared by a step whose target holds no brick");

        // Control: without a strike just before, the same brick is struck.
        g.reset(1, obs);
        g.setBrick(5, 5, true);
        g.setBall(4, 4, 1, 1);
        g.step(NOOP, obs, r);
        assertEquals(1.0, r.reward);
        assertFalse(g.brick(5, 5));
        assertBall(5, 4, 1, -1);
    }

    @Test
    void wallsAndCeiling() {
        g.setBall(9, 5, 1, -1); // the wall: column clamped, horizontal direction flipped
        g.step(NOOP, obs, r);
        assertBall(9, 4, -1, -1);

        g.clearBricks();
        g.setBall(5, 0, 1, -1); // the ceiling: row clamped to 0, vertical direction flipped
        g.step(NOOP, obs, r);
        assertBall(6, 0, 1, 1);

        g.setBall(9, 0, 1, -1); // the corner: both
        g.step(NOOP, obs, r);
        assertBall(9, 0, -1, 1);
        assertEquals(0.0, r.reward);
    }

    @Test
    void ballOverThePaddleBouncesStraightUp() {
        g.setPaddle(4);
        g.setBall(4, 8, 1, 1); // current column = paddle column
        g.step(NOOP, obs, r);
        assertBall(5, 8, 1, -1);
        assertFalse(r.done());
    }

    @Test
    void ballHittingThePaddleCornerGoesBackTheWayItCame() {
        g.setPaddle(4);
        g.setBall(3, 8, 1, 1); // target column = paddle column
        g.step(NOOP, obs, r);
        assertBall(4, 8, -1, -1);
        assertFalse(r.done());
    }

    @Test
    void thePaddleMovesBeforeTheBall() {
        g.setPaddle(3);
        g.setBall(3, 8, 1, 1); // the paddle moves to 4 first: target column = paddle column
        g.step(RIGHT, obs, r);
        assertEquals(4, g.paddle());
        assertBall(4, 8, -1, -1);
    }

    @Test
    void rowsAreRefilledWhenTheBallReachesTheBottomWithNoBricksLeft() {
        g.clearBricks();
        g.setPaddle(4);
        g.setBall(3, 8, 1, 1);
        g.step(NOOP, obs, r);
        assertEquals(30, g.brickCount());
        assertEquals(30, Grid.count(obs, BRICK));
        for (int x = 0; x < 10; x++) {
            assertTrue(Grid.lit(obs, BRICK, x, 1) && Grid.lit(obs, BRICK, x, 2) && Grid.lit(obs, BRICK, x, 3));
        }
        assertEquals(0.0, r.reward);
        assertFalse(r.done());

        // Refilled even when the ball is then missed; with a brick left nothing is refilled.
        g.clearBricks();
        g.setPaddle(0);
        g.setBall(3, 8, 1, 1);
        g.step(NOOP, obs, r);
        assertTrue(r.terminated);
        assertEquals(30, g.brickCount());

        g.reset(1, obs);
        g.clearBricks();
        g.setBrick(0, 1, true);
        g.setPaddle(4);
        g.setBall(3, 8, 1, 1);
        g.step(NOOP, obs, r);
        assertEquals(1, g.brickCount());
    }

    @Test
    void aMissedBallEndsTheEpisode() {
        g.setPaddle(0);
        g.setBall(3, 8, 1, 1);
        g.step(NOOP, obs, r);
        assertTrue(r.terminated);
        assertFalse(r.truncated);
        assertEquals(0.0, r.reward);
        assertTrue(Grid.lit(obs, BALL, 4, 9), "the ball is shown in the bottom row");
    }
}
