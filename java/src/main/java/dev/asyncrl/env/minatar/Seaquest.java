package dev.asyncrl.env.minatar;

/**
 * MinAtar Seaquest (10 channels: sub_front, sub_back, friendly_bullet, trail, enemy_bullet,
 * enemy_fish, enemy_sub, oxygen_gauge, diver_gauge, diver).
 *
 * <p>The player's submarine is a front cell and a back cell behind it; it starts at (5, 0), the
 * surface, facing left. Left/right move it and set its facing, up/down move it within rows 0–8;
 * fire, if the shot cooldown is 0, launches a bullet from its cell in the facing direction and
 * sets the cooldown to 5 (fire and moving are one action, so never both). A step, in the
 * reference's order:
 * <ol>
 *   <li>spawns: an enemy when the enemy spawn timer is 0 (interval initially 20): random row 1–8,
 *       from the left or right (1/2), a submarine with probability 1/3 else a fish, skipped if an
 *       enemy in that row moves the other way; a diver when the diver timer is 0 (every 30
 *       steps), random row and side. Both timers are reset on firing and drop by 1 at the end of
 *       the step, so these fire every <i>interval</i> steps;</li>
 *   <li>the player's action;</li>
 *   <li>friendly bullets move one cell; off the grid they vanish; on a fish or enemy sub (the
 *       first in spawn order, fish before subs) both go, +1;</li>
 *   <li>divers: one on the player's cell is picked up if fewer than 6 are carried; else every 6
 *       steps (countdown 5) it moves, vanishes off the grid or is picked up the same way;</li>
 *   <li>enemy subs: on the player's cell, terminal; every move interval + 1 steps (countdown,
 *       initially 5) they move one cell, vanish off the grid, end the game on the player's cell or
 *       die with a friendly bullet on their new cell (+1); every 11 steps (countdown 10) each
 *       fires an enemy bullet from its cell. Kept quirk: a sub killed by a bullet in this phase
 *       still fires if its shot countdown is due;</li>
 *   <li>enemy bullets: terminal on the player's cell before or after moving one cell;</li>
 *   <li>fish: as the subs, without firing;</li>
 *   <li>timers; then oxygen: if it is ≤ 0 the game ends (the check comes before this step's
 *       drop, as in the reference after its fix of the oxygen-bar flash, commit da3dc2d); below
 *       row 0 oxygen drops by 1; arriving at row 0 from below surfaces.</li>
 * </ol>
 * <b>Surfacing</b>: with 0 divers the game ends; otherwise oxygen refills to 200 and one diver is
 * dropped, or with 6 divers all are and the reward is ⌊oxygen·10/200⌋. Each surfacing ramps
 * difficulty (when on): the enemy spawn interval drops by 1 (to at least 1) and on odd ramp indices
 * the move interval by 1 (to at least 2). Kept quirk of the reference: after a 6-diver surfacing the
 * count is set to 0 and then decremented to −1; a negative count shows an empty bar and lets the
 * submarine surface again without ending the game, decrementing further.
 *
 * <p>Row 9 shows the oxygen bar from column 0 (⌊oxygen·10/200⌋ cells, none when oxygen is ≤ 0)
 * and the divers carried as a bar ending at column 8. The trail channel lights the cell behind
 * each fish, enemy sub and diver. Minimal action set: all six.
 */
public final class Seaquest extends MinAtarGame {
    static final int SUB_FRONT = 0, SUB_BACK = 1, FRIENDLY_BULLET = 2, TRAIL = 3, ENEMY_BULLET = 4,
            ENEMY_FISH = 5, ENEMY_SUB = 6, OXYGEN_GAUGE = 7, DIVER_GAUGE = 8, DIVER = 9;
    private static final int[] MINIMAL = {NOOP, LEFT, UP, RIGHT, DOWN, FIRE};
    static final int MAX_OXYGEN = 200;
    static final int INIT_SPAWN_INTERVAL = 20;
    static final int DIVER_SPAWN_INTERVAL = 30;
    static final int INIT_MOVE_INTERVAL = 5;
    static final int SHOT_COOLDOWN = 5;
    static final int ENEMY_SHOT_INTERVAL = 10;
    static final int DIVER_MOVE_INTERVAL = 5;
    static final int MAX_DIVERS = 6;
    private final Movers friendlyBullets = new Movers();
    private final Movers enemyBullets = new Movers();
    private final Movers fish = new Movers();
    private final Movers subs = new Movers();
    private final Movers divers = new Movers();

    private int subX, subY;
    private boolean facingRight;
    private int oxygen, diverCount;
    private int enemySpawnInterval, enemySpawnTimer, diverSpawnTimer, moveInterval, rampIndex, shotTimer;
    private boolean surfaced;

    /** All six actions, ramping on, sticky actions 0.1. */
    public Seaquest() {
        this(false);
    }

    /** {@code minimalActions}: the reference's "-v1", which for Seaquest is all six actions too. */
    public Seaquest(boolean minimalActions) {
        this(minimalActions, true, STICKY_PROBABILITY);
    }

    public Seaquest(boolean minimalActions, boolean ramping, double stickyProbability) {
        super("Seaquest", 10, MINIMAL, minimalActions, ramping, stickyProbability, DEFAULT_MAX_STEPS);
    }

    @Override
    protected void resetGame() {
        oxygen = MAX_OXYGEN;
        diverCount = 0;
        subX = 5;
        subY = 0;
        facingRight = false;
        clearObjects();
        enemySpawnInterval = INIT_SPAWN_INTERVAL;
        enemySpawnTimer = enemySpawnInterval;
        diverSpawnTimer = DIVER_SPAWN_INTERVAL;
        moveInterval = INIT_MOVE_INTERVAL;
        rampIndex = 0;
        shotTimer = 0;
        surfaced = true;
    }

    private boolean atPlayer(int x, int y) {
        return x == subX && y == subY;
    }

    private static boolean offGrid(int x) {
        return x < 0 || x > 9;
    }

    @Override
    protected int act(int a) {
        int r = 0;
        if (enemySpawnTimer == 0) {
            spawnEnemy();
            enemySpawnTimer = enemySpawnInterval;
        }
        if (diverSpawnTimer == 0) {
            spawnDiver();
            diverSpawnTimer = DIVER_SPAWN_INTERVAL;
        }

        if (a == FIRE) {
            if (shotTimer == 0) {
                friendlyBullets.add(subX, subY, facingRight, 0, 0);
                shotTimer = SHOT_COOLDOWN;
            }
        } else if (a == LEFT) {
            subX = Math.max(0, subX - 1);
            facingRight = false;
        } else if (a == RIGHT) {
            subX = Math.min(9, subX + 1);
            facingRight = true;
        } else if (a == UP) {
            subY = Math.max(0, subY - 1);
        } else if (a == DOWN) {
            subY = Math.min(8, subY + 1);
        }

        r += moveFriendlyBullets();
        moveDivers();
        r += moveEnemies(subs, true);
        moveEnemyBullets();
        r += moveEnemies(fish, false);

        if (enemySpawnTimer > 0) enemySpawnTimer--;
        if (diverSpawnTimer > 0) diverSpawnTimer--;
        if (shotTimer > 0) shotTimer--;
        if (oxygen <= 0) terminal = true;
        if (subY > 0) {
            oxygen--;
            surfaced = false;
        } else if (!surfaced) {
            if (diverCount == 0) terminal = true;
            else r += surface();
        }
        return r;
    }

    private int moveFriendlyBullets() {
        int r = 0;
        Movers b = friendlyBullets;
        for (int i = b.n - 1; i >= 0; i--) {
            b.x[i] += b.right[i] ? 1 : -1;
            if (offGrid(b.x[i])) {
                b.remove(i);
                continue;
            }
            int j = fish.find(b.x[i], b.y[i]);
            if (j >= 0) {
                fish.remove(j);
                b.remove(i);
                r++;
                continue;
            }
            j = subs.find(b.x[i], b.y[i]);
            if (j >= 0) {
                subs.remove(j);
                b.remove(i);
                r++;
            }
        }
        return r;
    }

    private void moveDivers() {
        Movers d = divers;
        for (int i = d.n - 1; i >= 0; i--) {
            if (atPlayer(d.x[i], d.y[i]) && diverCount < MAX_DIVERS) {
                d.remove(i);
                diverCount++;
            } else if (d.timer[i] == 0) {
                d.timer[i] = DIVER_MOVE_INTERVAL;
                d.x[i] += d.right[i] ? 1 : -1;
                if (offGrid(d.x[i])) {
                    d.remove(i);
                } else if (atPlayer(d.x[i], d.y[i]) && diverCount < MAX_DIVERS) {
                    d.remove(i);
                    diverCount++;
                }
            } else {
                d.timer[i]--;
            }
        }
    }

    /** Moves the enemy subs ({@code shooting}) or the fish; returns the reward for those hit by bullets. */
    private int moveEnemies(Movers e, boolean shooting) {
        int r = 0;
        for (int i = e.n - 1; i >= 0; i--) {
            int x = e.x[i], y = e.y[i];
            if (atPlayer(x, y)) terminal = true;
            boolean gone = false;
            if (e.timer[i] == 0) {
                e.timer[i] = moveInterval;
                x += e.right[i] ? 1 : -1;
                e.x[i] = x;
                if (offGrid(x)) {
                    gone = true;
                } else if (atPlayer(x, y)) {
                    terminal = true;
                } else {
                    int j = friendlyBullets.find(x, y);
                    if (j >= 0) {
                        friendlyBullets.remove(j);
                        gone = true;
                        r++;
                    }
                }
            } else {
                e.timer[i]--;
            }
            if (shooting) {
                if (e.shot[i] == 0) {
                    e.shot[i] = ENEMY_SHOT_INTERVAL;
                    // An off-grid sub's bullet would vanish in the bullet phase without touching anything.
                    if (!offGrid(x)) enemyBullets.add(x, y, e.right[i], 0, 0);
                } else {
                    e.shot[i]--;
                }
            }
            if (gone) e.remove(i);
        }
        return r;
    }

    private void moveEnemyBullets() {
        Movers b = enemyBullets;
        for (int i = b.n - 1; i >= 0; i--) {
            if (atPlayer(b.x[i], b.y[i])) terminal = true;
            b.x[i] += b.right[i] ? 1 : -1;
            if (offGrid(b.x[i])) b.remove(i);
            else if (atPlayer(b.x[i], b.y[i])) terminal = true;
        }
    }

    private int surface() {
        surfaced = true;
        int r = 0;
        if (diverCount == MAX_DIVERS) {
            diverCount = 0;
            r = oxygen * 10 / MAX_OXYGEN;
        }
        oxygen = MAX_OXYGEN;
        diverCount--; // after a full load this leaves -1: the reference's quirk, kept
        if (ramping && (enemySpawnInterval > 1 || moveInterval > 2)) {
            if (moveInterval > 2 && (rampIndex & 1) == 1) moveInterval--;
            if (enemySpawnInterval > 1) enemySpawnInterval--;
            rampIndex++;
        }
        return r;
    }

    private void spawnEnemy() {
        boolean lr = rng.nextBoolean();
        boolean isSub = rng.nextDouble() < 1.0 / 3.0;
        int x = lr ? 0 : 9;
        int y = 1 + rng.nextInt(8);
        if (opposing(subs, y, lr) || opposing(fish, y, lr)) return;
        if (isSub) subs.add(x, y, lr, moveInterval, ENEMY_SHOT_INTERVAL);
        else fish.add(x, y, lr, moveInterval, 0);
    }

    private static boolean opposing(Movers e, int row, boolean lr) {
        for (int i = 0; i < e.n; i++) {
            if (e.y[i] == row && e.right[i] != lr) return true;
        }
        return false;
    }

    private void spawnDiver() {
        boolean lr = rng.nextBoolean();
        int y = 1 + rng.nextInt(8);
        divers.add(lr ? 0 : 9, y, lr, DIVER_MOVE_INTERVAL, 0);
    }

    @Override
    protected void draw() {
        light(SUB_FRONT, subX, subY);
        int back = facingRight ? subX - 1 : subX + 1;
        if (!offGrid(back)) light(SUB_BACK, back, subY);
        int bar = Math.max(0, oxygen) * 10 / MAX_OXYGEN;
        for (int x = 0; x < bar; x++) light(OXYGEN_GAUGE, x, 9);
        for (int x = 9 - diverCount; x < 9; x++) light(DIVER_GAUGE, x, 9); // empty for a count of 0 or less
        drawAll(friendlyBullets, FRIENDLY_BULLET, false);
        drawAll(enemyBullets, ENEMY_BULLET, false);
        drawAll(fish, ENEMY_FISH, true);
        drawAll(subs, ENEMY_SUB, true);
        drawAll(divers, DIVER, true);
    }

    private void drawAll(Movers m, int channel, boolean trail) {
        for (int i = 0; i < m.n; i++) {
            light(channel, m.x[i], m.y[i]);
            if (trail) {
                int back = m.right[i] ? m.x[i] - 1 : m.x[i] + 1;
                if (!offGrid(back)) light(TRAIL, back, m.y[i]);
            }
        }
    }

    // ---- test hooks (package-private): set or read the state between steps ----

    /** Test hook: the submarine's cell and facing; it counts as surfaced exactly when in row 0. */
    void setSub(int x, int y, boolean facesRight) {
        subX = x;
        subY = y;
        facingRight = facesRight;
        surfaced = y == 0;
    }

    /** Test hook. */
    void setOxygen(int o) {
        oxygen = o;
    }

    /** Test hook. */
    void setDiverCount(int n) {
        diverCount = n;
    }

    /** Test hook: the countdowns to the next enemy and diver spawns (a large value holds them off). */
    void setSpawnTimers(int enemy, int diver) {
        enemySpawnTimer = enemy;
        diverSpawnTimer = diver;
    }

    /** Test hook: removes every bullet, enemy and diver. */
    void clearObjects() {
        friendlyBullets.clear();
        enemyBullets.clear();
        fish.clear();
        subs.clear();
        divers.clear();
    }

    /** Test hook: a diver at (x, y) with its move countdown. */
    void addDiver(int x, int y, boolean movingRight, int countdown) {
        divers.add(x, y, movingRight, countdown, 0);
    }

    /** Test hook: a fish at (x, y) with its move countdown. */
    void addFish(int x, int y, boolean movingRight, int countdown) {
        fish.add(x, y, movingRight, countdown, 0);
    }

    /** Test hook: an enemy sub at (x, y) with its move and shot countdowns. */
    void addEnemySub(int x, int y, boolean movingRight, int countdown, int shotCountdown) {
        subs.add(x, y, movingRight, countdown, shotCountdown);
    }

    int subX() {
        return subX;
    }

    int subY() {
        return subY;
    }

    int oxygen() {
        return oxygen;
    }

    int diverCount() {
        return diverCount;
    }

    int enemySpawnInterval() {
        return enemySpawnInterval;
    }

    int moveInterval() {
        return moveInterval;
    }

    int rampIndex() {
        return rampIndex;
    }

    int shotCooldown() {
        return shotTimer;
    }

    int fishCount() {
        return fish.n;
    }

    int enemySubCount() {
        return subs.n;
    }

    int diversInWater() {
        return divers.n;
    }

    /** Test hook: fish and enemy subs heading right. */
    int enemiesMovingRight() {
        return fish.movingRight() + subs.movingRight();
    }

    /** Test hook: column of the i-th enemy bullet in spawn order. */
    int enemyBulletX(int i) {
        return enemyBullets.x[i];
    }

    int friendlyBulletCount() {
        return friendlyBullets.n;
    }

    int enemyBulletCount() {
        return enemyBullets.n;
    }
}
