package dev.asyncrl.env.minatar;

/**
 * MinAtar Asterix (4 channels: player, enemy, trail, gold). The player starts at (x 5, y 5) and
 * moves one cell in four directions within columns 0–9 and rows 1–8. Eight entity slots, one per
 * row 1–8, hold an enemy or gold moving horizontally; touching gold gives +1 and removes it,
 * touching an enemy ends the episode.
 *
 * <p>A step, in the reference's order:
 * <ol>
 *   <li>if the spawn timer is 0, an entity enters a uniformly chosen free row (none if all eight
 *       are taken) at x 0 moving right or x 9 moving left (1/2 each), gold with probability 1/3;
 *       the timer is set to the spawn interval (initially 10);</li>
 *   <li>the player moves;</li>
 *   <li>contact with every entity is checked;</li>
 *   <li>if the move timer is 0 it is set to the move interval (initially 5) and every entity moves
 *       one cell; those leaving the grid vanish; contact is checked again;</li>
 *   <li>both timers drop by 1, so each event fires every <i>interval</i> steps (the first spawn
 *       at step 11, the first move at step 6);</li>
 *   <li>ramping (on by default): a ramp timer starting at 100 counts down to -1 and on the next
 *       step, i.e. every 102 steps, the spawn interval drops by 1 (to at least 1) and, on odd ramp
 *       indices, the move interval drops by 1 (to at least 1); ramping stops once both are 1.</li>
 * </ol>
 * The trail channel lights the cell behind each entity (if on the grid). Minimal action set:
 * no-op, left, up, right, down.
 */
public final class Asterix extends MinAtarGame {
    static final int PLAYER = 0, ENEMY = 1, TRAIL = 2, GOLD = 3;
    private static final int[] MINIMAL = {NOOP, LEFT, UP, RIGHT, DOWN};
    static final int INIT_SPAWN_INTERVAL = 10;
    static final int INIT_MOVE_INTERVAL = 5;
    static final int RAMP_INTERVAL = 100;
    private static final int SLOTS = 8;

    private int playerX, playerY;
    // Slot i holds the entity of row i + 1.
    private final boolean[] active = new boolean[SLOTS];
    private final int[] ex = new int[SLOTS];
    private final boolean[] right = new boolean[SLOTS];
    private final boolean[] gold = new boolean[SLOTS];
    private final int[] free = new int[SLOTS];
    private int spawnInterval, spawnTimer, moveInterval, moveTimer, rampTimer, rampIndex;

    /** All six actions, ramping on, sticky actions 0.1. */
    public Asterix() {
        this(false);
    }

    /** {@code minimalActions}: the five actions no-op, left, up, right, down (the reference's "-v1"). */
    public Asterix(boolean minimalActions) {
        this(minimalActions, true, STICKY_PROBABILITY);
    }

    public Asterix(boolean minimalActions, boolean ramping, double stickyProbability) {
        super("Asterix", 4, MINIMAL, minimalActions, ramping, stickyProbability, DEFAULT_MAX_STEPS);
    }

    @Override
    protected void resetGame() {
        playerX = 5;
        playerY = 5;
        java.util.Arrays.fill(active, false);
        spawnInterval = INIT_SPAWN_INTERVAL;
        spawnTimer = spawnInterval;
        moveInterval = INIT_MOVE_INTERVAL;
        moveTimer = moveInterval;
        rampTimer = RAMP_INTERVAL;
        rampIndex = 0;
    }

    @Override
    protected int act(int a) {
        int r = 0;
        if (spawnTimer == 0) {
            spawn();
            spawnTimer = spawnInterval;
        }

        if (a == LEFT) playerX = Math.max(0, playerX - 1);
        else if (a == RIGHT) playerX = Math.min(9, playerX + 1);
        else if (a == UP) playerY = Math.max(1, playerY - 1);
        else if (a == DOWN) playerY = Math.min(8, playerY + 1);

        for (int i = 0; i < SLOTS; i++) {
            if (active[i]) r += contact(i);
        }
        if (moveTimer == 0) {
            moveTimer = moveInterval;
            for (int i = 0; i < SLOTS; i++) {
                if (!active[i]) continue;
                ex[i] += right[i] ? 1 : -1;
                if (ex[i] < 0 || ex[i] > 9) {
                    active[i] = false;
                    continue;
                }
                r += contact(i);
            }
        }

        spawnTimer--;
        moveTimer--;

        if (ramping && (spawnInterval > 1 || moveInterval > 1)) {
            if (rampTimer >= 0) {
                rampTimer--;
            } else {
                if (moveInterval > 1 && (rampIndex & 1) == 1) moveInterval--;
                if (spawnInterval > 1) spawnInterval--;
                rampIndex++;
                rampTimer = RAMP_INTERVAL;
            }
        }
        return r;
    }

    /** Contact of the player with the entity in slot i: gold is collected (+1), an enemy ends the game. */
    private int contact(int i) {
        if (ex[i] != playerX || i + 1 != playerY) return 0;
        if (gold[i]) {
            active[i] = false;
            return 1;
        }
        terminal = true;
        return 0;
    }

    private void spawn() {
        boolean lr = rng.nextBoolean();
        boolean isGold = rng.nextDouble() < 1.0 / 3.0;
        int n = 0;
        for (int i = 0; i < SLOTS; i++) {
            if (!active[i]) free[n++] = i;
        }
        if (n == 0) return;
        int slot = free[rng.nextInt(n)];
        active[slot] = true;
        right[slot] = lr;
        ex[slot] = lr ? 0 : 9;
        gold[slot] = isGold;
    }

    @Override
    protected void draw() {
        light(PLAYER, playerX, playerY);
        for (int i = 0; i < SLOTS; i++) {
            if (!active[i]) continue;
            int y = i + 1;
            light(gold[i] ? GOLD : ENEMY, ex[i], y);
            int back = right[i] ? ex[i] - 1 : ex[i] + 1;
            if (back >= 0 && back <= 9) light(TRAIL, back, y);
        }
    }

    // ---- test hooks (package-private): set or read the state between steps ----

    /** Test hook. */
    void setPlayer(int x, int y) {
        playerX = x;
        playerY = y;
    }

    /** Test hook: puts an entity in row {@code row} (1–8) at column x. */
    void setEntity(int row, int x, boolean movingRight, boolean isGold) {
        int i = row - 1;
        active[i] = true;
        ex[i] = x;
        right[i] = movingRight;
        gold[i] = isGold;
    }

    /** Test hook: empties every row. */
    void clearEntities() {
        java.util.Arrays.fill(active, false);
    }

    boolean entityIn(int row) {
        return active[row - 1];
    }

    int entityX(int row) {
        return ex[row - 1];
    }

    boolean entityGold(int row) {
        return gold[row - 1];
    }

    boolean entityMovingRight(int row) {
        return right[row - 1];
    }

    int entityCount() {
        int n = 0;
        for (boolean b : active) if (b) n++;
        return n;
    }

    int playerX() {
        return playerX;
    }

    int playerY() {
        return playerY;
    }

    int spawnInterval() {
        return spawnInterval;
    }

    int moveInterval() {
        return moveInterval;
    }

    int rampIndex() {
        return rampIndex;
    }
}
