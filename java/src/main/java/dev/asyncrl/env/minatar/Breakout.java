package dev.asyncrl.env.minatar;

/**
 * MinAtar Breakout (4 channels: paddle, ball, trail, brick). The paddle sits in row 9 and moves
 * left or right one cell; the ball moves one diagonal cell per step after the paddle has moved;
 * 30 bricks fill rows 1–3 and are refilled when the ball reaches the bottom row with none left.
 * +1 per brick; the episode ends when the ball reaches the bottom row away from the paddle. No
 * difficulty ramping.
 *
 * <p>The reference's rules, kept as they are:
 * <ul>
 *   <li>side wall: the column is clamped and the horizontal direction flips; ceiling: the row is
 *       clamped to 0 and the vertical direction flips (no brick check in that step);</li>
 *   <li>a brick in the target cell is removed (+1), the vertical direction flips and the ball
 *       takes the new column but stays in its row;</li>
 *   <li>quirk: a "just struck" flag stays set while every step's target cell holds a brick; while
 *       it is set the ball passes into a brick's cell without reward or bounce;</li>
 *   <li>bottom row: bricks are refilled if none are left; then if the ball's current column is the
 *       paddle's the vertical direction flips, else if its target column is the paddle's both
 *       directions reverse, and in both cases the ball stays in row 8 with the target column;
 *       otherwise the episode terminates (the ball is shown in row 9).</li>
 * </ul>
 * At reset the ball is in row 3, on a brick's cell (as in the reference), heading down.
 * Minimal action set: no-op, left, right.
 */
public final class Breakout extends MinAtarGame {
    static final int PADDLE = 0, BALL = 1, TRAIL = 2, BRICK = 3;
    private static final int[] MINIMAL = {NOOP, LEFT, RIGHT};

    private final boolean[] bricks = new boolean[CELLS];
    private int brickCount;
    private int paddle;
    private int ballX, ballY, dx, dy;
    private int lastX, lastY;
    private boolean strike;

    /** All six actions, sticky actions 0.1. */
    public Breakout() {
        this(false);
    }

    /** {@code minimalActions}: the three actions no-op, left, right (the reference's "-v1"). */
    public Breakout(boolean minimalActions) {
        this(minimalActions, STICKY_PROBABILITY);
    }

    public Breakout(boolean minimalActions, double stickyProbability) {
        super("Breakout", 4, MINIMAL, minimalActions, false, stickyProbability, DEFAULT_MAX_STEPS);
    }

    @Override
    protected void resetGame() {
        ballY = 3;
        if (rng.nextBoolean()) {
            ballX = 0;
            dx = 1;
        } else {
            ballX = 9;
            dx = -1;
        }
        dy = 1;
        paddle = 4;
        fillBricks();
        strike = false;
        lastX = ballX;
        lastY = ballY;
    }

    private void fillBricks() {
        for (int y = 1; y <= 3; y++) {
            for (int x = 0; x < SIZE; x++) bricks[y * SIZE + x] = true;
        }
        brickCount = 30;
    }

    @Override
    protected int act(int a) {
        int r = 0;
        if (a == LEFT) paddle = Math.max(0, paddle - 1);
        else if (a == RIGHT) paddle = Math.min(9, paddle + 1);

        lastX = ballX;
        lastY = ballY;
        int nx = ballX + dx;
        int ny = ballY + dy;
        boolean brickTarget = false;
        if (nx < 0 || nx > 9) {
            nx = nx < 0 ? 0 : 9;
            dx = -dx;
        }
        if (ny < 0) {
            ny = 0;
            dy = -dy;
        } else if (bricks[ny * SIZE + nx]) {
            brickTarget = true;
            if (!strike) {
                r++;
                strike = true;
                bricks[ny * SIZE + nx] = false;
                brickCount--;
                ny = lastY;
                dy = -dy;
            }
        } else if (ny == 9) {
            if (brickCount == 0) fillBricks();
            if (ballX == paddle) {
                dy = -dy;
                ny = lastY;
            } else if (nx == paddle) {
                dx = -dx;
                dy = -dy;
                ny = lastY;
            } else {
                terminal = true;
            }
        }
        if (!brickTarget) strike = false;
        ballX = nx;
        ballY = ny;
        return r;
    }

    @Override
    protected void draw() {
        light(BALL, ballX, ballY);
        light(PADDLE, paddle, 9);
        light(TRAIL, lastX, lastY);
        int base = BRICK * CELLS;
        for (int i = 0; i < CELLS; i++) {
            if (bricks[i]) grid[base + i] = 1f;
        }
    }

    // ---- test hooks (package-private): set or read the state between steps ----

    /** Test hook: puts the ball at (x, y) heading (dx, dy), each ±1; its trail on the same cell. */
    void setBall(int x, int y, int dx, int dy) {
        ballX = x;
        ballY = y;
        this.dx = dx;
        this.dy = dy;
        lastX = x;
        lastY = y;
    }

    /** Test hook. */
    void setPaddle(int x) {
        paddle = x;
    }

    /** Test hook: places or removes a brick at (x, y). */
    void setBrick(int x, int y, boolean on) {
        if (bricks[y * SIZE + x] != on) brickCount += on ? 1 : -1;
        bricks[y * SIZE + x] = on;
    }

    /** Test hook: removes every brick. */
    void clearBricks() {
        java.util.Arrays.fill(bricks, false);
        brickCount = 0;
    }

    int ballX() {
        return ballX;
    }

    int ballY() {
        return ballY;
    }

    int ballDx() {
        return dx;
    }

    int ballDy() {
        return dy;
    }

    int paddle() {
        return paddle;
    }

    int brickCount() {
        return brickCount;
    }

    boolean brick(int x, int y) {
        return bricks[y * SIZE + x];
    }

    boolean strikeFlag() {
        return strike;
    }
}
