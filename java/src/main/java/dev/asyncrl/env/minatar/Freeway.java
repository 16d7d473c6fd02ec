package dev.asyncrl.env.minatar;

/**
 * MinAtar Freeway (7 channels: chicken, car, speed1 … speed5). The chicken lives in column 4 and
 * starts in row 9; only up and down act, and it moves at most once every 3 steps (a cooldown of 3
 * set by each move and at reset, dropping by 1 at the end of each step). Reaching row 0 gives +1,
 * re-draws every car's speed and direction (positions kept) and puts the chicken back in row 9.
 *
 * <p>Eight cars, one per row 1–8, start at x 0 with a speed level s in 1–5 and a direction ±1
 * drawn uniformly. A car's countdown starts at s; each step, if it is 0 it is set to s and the car
 * moves one cell with wrap-around, else it drops by 1, so a car moves every s + 1 steps. A car on
 * the chicken's cell, before or after it moves, sends the chicken back to row 9: no penalty, no
 * termination, the cooldown untouched. The cell behind each car (with wrap) is lit in the channel
 * of its speed level. No ramping.
 *
 * <p>The episode has the reference's time limit: its timer of 2500 ends the game on step 2501.
 * Here that limit is a <em>truncation</em> ({@code truncated}, not {@code terminated}: nothing in
 * the state is terminal; the reference reports it as terminal). Minimal action set: no-op, up,
 * down.
 */
public final class Freeway extends MinAtarGame {
    static final int CHICKEN = 0, CAR = 1, SPEED1 = 2;
    private static final int[] MINIMAL = {NOOP, UP, DOWN};
    static final int PLAYER_COOLDOWN = 3;
    /** The reference's timer: the episode ends on step TIME_LIMIT + 1. */
    public static final int TIME_LIMIT = 2500;
    private static final int CARS = 8;

    private int pos, moveTimer;
    // Car i is in row i + 1; speed is the signed speed level (its sign is the direction).
    private final int[] carX = new int[CARS];
    private final int[] carTimer = new int[CARS];
    private final int[] carSpeed = new int[CARS];

    /** All six actions, sticky actions 0.1. */
    public Freeway() {
        this(false);
    }

    /** {@code minimalActions}: the three actions no-op, up, down (the reference's "-v1"). */
    public Freeway(boolean minimalActions) {
        this(minimalActions, STICKY_PROBABILITY);
    }

    public Freeway(boolean minimalActions, double stickyProbability) {
        super("Freeway", 7, MINIMAL, minimalActions, false, stickyProbability, TIME_LIMIT + 1);
    }

    @Override
    protected void resetGame() {
        randomizeCars(true);
        pos = 9;
        moveTimer = PLAYER_COOLDOWN;
    }

    private void randomizeCars(boolean initialize) {
        for (int i = 0; i < CARS; i++) {
            int s = 1 + rng.nextInt(5);
            int dir = rng.nextBoolean() ? 1 : -1;
            carSpeed[i] = s * dir;
            carTimer[i] = s;
            if (initialize) carX[i] = 0;
        }
    }

    @Override
    protected int act(int a) {
        int r = 0;
        if (a == UP && moveTimer == 0) {
            moveTimer = PLAYER_COOLDOWN;
            pos = Math.max(0, pos - 1);
        } else if (a == DOWN && moveTimer == 0) {
            moveTimer = PLAYER_COOLDOWN;
            pos = Math.min(9, pos + 1);
        }

        if (pos == 0) {
            r++;
            randomizeCars(false);
            pos = 9;
        }

        for (int i = 0; i < CARS; i++) {
            int row = i + 1;
            if (carX[i] == 4 && row == pos) pos = 9;
            if (carTimer[i] == 0) {
                carTimer[i] = Math.abs(carSpeed[i]);
                carX[i] += carSpeed[i] > 0 ? 1 : -1;
                if (carX[i] < 0) carX[i] = 9;
                else if (carX[i] > 9) carX[i] = 0;
                if (carX[i] == 4 && row == pos) pos = 9;
            } else {
                carTimer[i]--;
            }
        }

        if (moveTimer > 0) moveTimer--;
        return r;
    }

    @Override
    protected void draw() {
        light(CHICKEN, 4, pos);
        for (int i = 0; i < CARS; i++) {
            int row = i + 1;
            light(CAR, carX[i], row);
            int back = carSpeed[i] > 0 ? carX[i] - 1 : carX[i] + 1;
            if (back < 0) back = 9;
            else if (back > 9) back = 0;
            light(SPEED1 + Math.abs(carSpeed[i]) - 1, back, row);
        }
    }

    // ---- test hooks (package-private): set or read the state between steps ----

    /** Test hook: the chicken's row and its cooldown. */
    void setChicken(int row, int cooldown) {
        pos = row;
        moveTimer = cooldown;
    }

    /** Test hook: car of row {@code row} (1–8) at column x, signed speed level (±1…±5), countdown. */
    void setCar(int row, int x, int signedSpeed, int countdown) {
        carX[row - 1] = x;
        carSpeed[row - 1] = signedSpeed;
        carTimer[row - 1] = countdown;
    }

    int chickenRow() {
        return pos;
    }

    int cooldown() {
        return moveTimer;
    }

    int carX(int row) {
        return carX[row - 1];
    }

    int carSpeed(int row) {
        return carSpeed[row - 1];
    }
}
