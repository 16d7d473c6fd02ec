package dev.asyncrl.env.minatar;

import java.util.Arrays;

/**
 * MinAtar Space Invaders (6 channels: cannon, alien, alien_left, alien_right, friendly_bullet,
 * enemy_bullet). The cannon sits in row 9, starts at column 5 and moves left or right; fire, if
 * the cooldown is 0, puts a bullet on the cannon's cell and sets the cooldown to 5. The aliens
 * start as a 4×6 block in rows 0–3, columns 2–7, heading left.
 *
 * <p>A step, in the reference's order:
 * <ol>
 *   <li>the player's action;</li>
 *   <li>friendly bullets move up one row (a fresh one ends the step in row 8) and vanish past the
 *       top; enemy bullets move down one row and vanish past the bottom; an enemy bullet on the
 *       cannon ends the game;</li>
 *   <li>an alien on the cannon's cell ends the game;</li>
 *   <li>when the alien move countdown is 0 it is set to min(aliens alive, move interval) and the
 *       block moves: if an alien is in the edge column it heads for, the block reverses and
 *       shifts down a row (terminal if an alien was already in row 9), otherwise it shifts one
 *       column; an alien then on the cannon's cell ends the game. The countdown drops by 1 each
 *       step, so the block moves every min(aliens, interval) steps, the first time at step 13;</li>
 *   <li>every 10 steps (first at step 11) the alien column nearest the cannon (ties to the lower
 *       column) fires: an enemy bullet appears on its lowest alien;</li>
 *   <li>every cell holding an alien and a friendly bullet clears both, +1 each;</li>
 *   <li>timers; when no alien is left a new block appears in the start layout (direction kept) and
 *       with ramping on the move interval (initially 12) drops by 1, to at least 6.</li>
 * </ol>
 * The alien_left or alien_right channel repeats the alien map according to the block's direction.
 * Minimal action set: no-op, left, right, fire.
 */
public final class SpaceInvaders extends MinAtarGame {
    static final int CANNON = 0, ALIEN = 1, ALIEN_LEFT = 2, ALIEN_RIGHT = 3, FRIENDLY_BULLET = 4, ENEMY_BULLET = 5;
    private static final int[] MINIMAL = {NOOP, LEFT, RIGHT, FIRE};
    static final int SHOT_COOLDOWN = 5;
    static final int INIT_MOVE_INTERVAL = 12;
    static final int MIN_MOVE_INTERVAL = 6;
    static final int ENEMY_SHOT_INTERVAL = 10;

    private final boolean[] aliens = new boolean[CELLS];
    private final boolean[] friendly = new boolean[CELLS];
    private final boolean[] enemy = new boolean[CELLS];
    private final boolean[] row = new boolean[SIZE];
    private int alienCount;
    private int pos, alienDir;
    private int moveInterval, alienMoveTimer, alienShotTimer, shotTimer, rampIndex;

    /** All six actions, ramping on, sticky actions 0.1. */
    public SpaceInvaders() {
        this(false);
    }

    /** {@code minimalActions}: the four actions no-op, left, right, fire (the reference's "-v1"). */
    public SpaceInvaders(boolean minimalActions) {
        this(minimalActions, true, STICKY_PROBABILITY);
    }

    public SpaceInvaders(boolean minimalActions, boolean ramping, double stickyProbability) {
        super("SpaceInvaders", 6, MINIMAL, minimalActions, ramping, stickyProbability, DEFAULT_MAX_STEPS);
    }

    @Override
    protected void resetGame() {
        pos = 5;
        Arrays.fill(friendly, false);
        Arrays.fill(enemy, false);
        Arrays.fill(aliens, false);
        newWave();
        alienDir = -1;
        moveInterval = INIT_MOVE_INTERVAL;
        alienMoveTimer = moveInterval;
        alienShotTimer = ENEMY_SHOT_INTERVAL;
        rampIndex = 0;
        shotTimer = 0;
    }

    private void newWave() {
        for (int y = 0; y < 4; y++) {
            for (int x = 2; x < 8; x++) aliens[y * SIZE + x] = true;
        }
        alienCount = 24;
    }

    @Override
    protected int act(int a) {
        int r = 0;
        if (a == FIRE && shotTimer == 0) {
            friendly[9 * SIZE + pos] = true;
            shotTimer = SHOT_COOLDOWN;
        } else if (a == LEFT) {
            pos = Math.max(0, pos - 1);
        } else if (a == RIGHT) {
            pos = Math.min(9, pos + 1);
        }

        // Friendly bullets up a row (row 0 leaves), enemy bullets down a row (row 9 leaves).
        System.arraycopy(friendly, SIZE, friendly, 0, CELLS - SIZE);
        Arrays.fill(friendly, CELLS - SIZE, CELLS, false);
        System.arraycopy(enemy, 0, enemy, SIZE, CELLS - SIZE);
        Arrays.fill(enemy, 0, SIZE, false);
        if (enemy[9 * SIZE + pos]) terminal = true;

        if (aliens[9 * SIZE + pos]) terminal = true;
        if (alienMoveTimer == 0) {
            alienMoveTimer = Math.min(alienCount, moveInterval);
            if ((columnHasAlien(0) && alienDir < 0) || (columnHasAlien(9) && alienDir > 0)) {
                alienDir = -alienDir;
                if (rowHasAlien(9)) terminal = true;
                shiftAliensDown();
            } else {
                shiftAliensSideways(alienDir);
            }
            if (aliens[9 * SIZE + pos]) terminal = true;
        }
        if (alienShotTimer == 0) {
            alienShotTimer = ENEMY_SHOT_INTERVAL;
            int col = nearestAlienColumn();
            if (col >= 0) enemy[lowestAlien(col) * SIZE + col] = true;
        }

        for (int i = 0; i < CELLS; i++) {
            if (aliens[i] && friendly[i]) {
                aliens[i] = false;
                friendly[i] = false;
                alienCount--;
                r++;
            }
        }

        if (shotTimer > 0) shotTimer--;
        alienMoveTimer--;
        alienShotTimer--;
        if (alienCount == 0) {
            if (moveInterval > MIN_MOVE_INTERVAL && ramping) {
                moveInterval--;
                rampIndex++;
            }
            newWave();
        }
        return r;
    }

    private boolean columnHasAlien(int x) {
        for (int y = 0; y < SIZE; y++) {
            if (aliens[y * SIZE + x]) return true;
        }
        return false;
    }

    private boolean rowHasAlien(int y) {
        for (int x = 0; x < SIZE; x++) {
            if (aliens[y * SIZE + x]) return true;
        }
        return false;
    }

    /** Down one row with wrap-around, as the reference's roll does (row 9 only wraps when the game is over). */
    private void shiftAliensDown() {
        System.arraycopy(aliens, 9 * SIZE, row, 0, SIZE);
        System.arraycopy(aliens, 0, aliens, SIZE, CELLS - SIZE);
        System.arraycopy(row, 0, aliens, 0, SIZE);
    }

    /** One column in direction dir with wrap-around (never wraps: the block turns at the edge). */
    private void shiftAliensSideways(int dir) {
        for (int y = 0; y < SIZE; y++) {
            int base = y * SIZE;
            for (int x = 0; x < SIZE; x++) row[Math.floorMod(x + dir, SIZE)] = aliens[base + x];
            System.arraycopy(row, 0, aliens, base, SIZE);
        }
    }

    /** The column with an alien nearest the cannon, the lower column on a tie; -1 if none. */
    private int nearestAlienColumn() {
        for (int d = 0; d < SIZE; d++) {
            int lo = pos - d, hi = pos + d;
            if (lo >= 0 && columnHasAlien(lo)) return lo;
            if (hi <= 9 && columnHasAlien(hi)) return hi;
        }
        return -1;
    }

    private int lowestAlien(int x) {
        for (int y = SIZE - 1; y >= 0; y--) {
            if (aliens[y * SIZE + x]) return y;
        }
        return -1;
    }

    @Override
    protected void draw() {
        light(CANNON, pos, 9);
        int dirChannel = alienDir < 0 ? ALIEN_LEFT : ALIEN_RIGHT;
        for (int i = 0; i < CELLS; i++) {
            if (aliens[i]) {
                grid[ALIEN * CELLS + i] = 1f;
                grid[dirChannel * CELLS + i] = 1f;
            }
            if (friendly[i]) grid[FRIENDLY_BULLET * CELLS + i] = 1f;
            if (enemy[i]) grid[ENEMY_BULLET * CELLS + i] = 1f;
        }
    }

    // ---- test hooks (package-private): set or read the state between steps ----

    /** Test hook: removes every alien (add some back before stepping: an empty map is refilled at the end of a step). */
    void clearAliens() {
        Arrays.fill(aliens, false);
        alienCount = 0;
    }

    /** Test hook. */
    void setAlien(int x, int y, boolean on) {
        if (aliens[y * SIZE + x] != on) alienCount += on ? 1 : -1;
        aliens[y * SIZE + x] = on;
    }

    /** Test hook. */
    void setCannon(int x) {
        pos = x;
    }

    /** Test hook: removes every enemy bullet. */
    void clearEnemyBullets() {
        Arrays.fill(enemy, false);
    }

    /** Test hook: the alien move and shot countdowns. */
    void setAlienTimers(int move, int shot) {
        alienMoveTimer = move;
        alienShotTimer = shot;
    }

    boolean alien(int x, int y) {
        return aliens[y * SIZE + x];
    }

    int alienCount() {
        return alienCount;
    }

    boolean friendlyBullet(int x, int y) {
        return friendly[y * SIZE + x];
    }

    boolean enemyBullet(int x, int y) {
        return enemy[y * SIZE + x];
    }

    int alienDirection() {
        return alienDir;
    }

    int moveInterval() {
        return moveInterval;
    }

    int cannon() {
        return pos;
    }

    int shotCooldown() {
        return shotTimer;
    }

    int rampIndex() {
        return rampIndex;
    }
}
