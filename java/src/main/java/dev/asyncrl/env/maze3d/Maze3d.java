package dev.asyncrl.env.maze3d;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.EpisodicEnv;
import dev.asyncrl.env.StepResult;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;

/**
 * A first-person maze from pixels, after the paper's Labyrinth task (Mnih et al. 2016, section
 * 5.3): every episode a new random maze, apples worth +1 and a portal worth +10, 60-second
 * episodes, learned from RGB pixels. Labyrinth ran on DeepMind's Quake III engine; this is a
 * Wolfenstein-style raycaster in plain Java ({@link Raycaster}), small enough to step tens of
 * thousands of times a second on one core.
 *
 * <p><b>The maze.</b> At each reset a new maze of n × n cells, n drawn uniformly from [minCells,
 * maxCells] (7 to 11 by default), carved by the recursive backtracker with n/2 extra openings
 * ({@link Maze}); its cells are tiles of 1 × 1 with walls as thick as the corridors. The portal,
 * round(n²/8) apples (6 in a 7 × 7 maze, 15 in an 11 × 11) and the agent's start go to distinct
 * random cells; the agent faces a random one of {@link #HEADINGS} headings.
 *
 * <p><b>Rules.</b> The agent is a disc of radius {@link #AGENT_RADIUS} that slides along walls.
 * Touching an apple (centres closer than {@link #APPLE_REACH}): +1, and it is gone. Touching the
 * portal (closer than {@link #PORTAL_REACH}): +10, the agent is put on a random cell with no apple
 * or portal, facing a random heading, and every apple grows back; the maze and the portal stay
 * (what is left of that step's frames is dropped, so the next observation shows the new start).
 * The episode lasts 60 s of a 60 fps game with each action repeated for 4 frames: 900 steps,
 * then it is truncated; it never terminates.
 *
 * <p><b>Actions</b> (6): 0 forward, 1 backward, 2 strafe left, 3 strafe right, 4 turn left, 5
 * turn right. Each is repeated for {@link #FRAME_REPEAT} frames: a move goes {@link #MOVE_PER_FRAME}
 * tiles a frame (a quarter of a tile a step, 8 steps from one cell to the next), a turn 7.5° a
 * frame (30° a step, 90° in 3). Labyrinth's other actions (look up and down, fire, jump) do nothing
 * useful in a flat maze and are left out. Headings are integers, so turning is exact: four
 * quarter turns bring back the same picture, bit for bit.
 *
 * <p><b>Observation.</b> The first-person view after the step's last frame: float32 RGB in [0, 1],
 * channel-major (3, size, size), 90° across; 84 × 84 as the paper's (the {@code maze3d} env), or a
 * smaller size for speed (42 × 42: {@code maze3d-small}). It is drawn into a preallocated array
 * and copied into the caller's segment in one bulk copy (the array is also what {@link #render()}
 * shows); nothing is allocated per step, the new maze of a reset included.
 *
 * <p>{@link #render()} puts the map seen from above (walls, apples, portal, the agent, its heading
 * and field of view) beside the first-person view, enlarged.
 */
public final class Maze3d extends EpisodicEnv {
    public static final int FORWARD = 0, BACKWARD = 1, STRAFE_LEFT = 2, STRAFE_RIGHT = 3, TURN_LEFT = 4, TURN_RIGHT = 5;
    public static final int ACTIONS = 6;
    /** The paper's observation size. */
    public static final int DEFAULT_SIZE = 84;
    /** The small observation size ({@code maze3d-small}). */
    public static final int SMALL_SIZE = 42;
    public static final int DEFAULT_MIN_CELLS = 7, DEFAULT_MAX_CELLS = 11;

    /** Game frames per agent step. */
    public static final int FRAME_REPEAT = 4;
    /** 60 seconds at 60 frames a second, FRAME_REPEAT frames a step. */
    public static final int MAX_STEPS = 60 * 60 / FRAME_REPEAT;
    /** Headings: a full turn in steps of 7.5°; a turn action moves one a frame. */
    public static final int HEADINGS = 48;
    public static final double MOVE_PER_FRAME = 0.0625;
    public static final double AGENT_RADIUS = 0.2;
    /** The agent touches an item whose centre is nearer than this to its own (its radius plus the item's). */
    public static final double APPLE_REACH = 0.45, PORTAL_REACH = 0.5;
    public static final double APPLE_REWARD = 1.0, PORTAL_REWARD = 10.0;

    /** cos and sin of each heading, built from the first quadrant by symmetry, so quarter turns are exact. */
    private static final double[] COS = new double[HEADINGS], SIN = new double[HEADINGS];

    static {
        int q = HEADINGS / 4;
        for (int i = 0; i < q; i++) {
            double a = 2 * Math.PI * i / HEADINGS;
            double c = i == 0 ? 1 : Math.cos(a), s = i == 0 ? 0 : Math.sin(a);
            for (int k = 0; k < 4; k++) {  // rotate (c, s) by k quarter turns: (x, y) → (−y, x)
                COS[i + k * q] = c;
                SIN[i + k * q] = s;
                double t = c;
                c = -s;
                s = t;
            }
        }
    }

    private final int size;
    private final int minCells, maxCells;
    private final Maze maze = new Maze();
    private final Raycaster view;
    /** Cell indices 0 .. n²−1, shuffled in part to draw distinct cells. */
    private final int[] cellOrder = new int[Maze.MAX_CELLS * Maze.MAX_CELLS];
    private final int[] appleX = new int[Raycaster.MAX_SPRITES - 1], appleY = new int[Raycaster.MAX_SPRITES - 1];
    private final boolean[] appleAlive = new boolean[Raycaster.MAX_SPRITES - 1];
    private int apples;
    /** The portal's tile; −1 for none (a hand-made test map may have none). */
    private int portalX = -1, portalY = -1;

    /** The agent's centre, in tiles (x east, y south), and its heading, 0 .. HEADINGS−1 (0 east, clockwise seen from above). */
    private double x, y;
    private int heading;

    /** An {@code size} × {@code size} view of mazes of 7 to 11 cells a side. */
    public Maze3d(int size) {
        this(size, DEFAULT_MIN_CELLS, DEFAULT_MAX_CELLS);
    }

    /**
     * @param size     the observation is size × size pixels (8 to 512)
     * @param minCells the smallest maze side, in cells (at least 3)
     * @param maxCells the largest (at most {@link Maze#MAX_CELLS})
     */
    public Maze3d(int size, int minCells, int maxCells) {
        super("Maze3d-" + size + "x" + size, 3 * size * size, ACTIONS, MAX_STEPS, 60 / FRAME_REPEAT);
        if (size < 8 || size > 512) throw new IllegalArgumentException("maze3d: the view size must be in [8, 512], got " + size);
        if (minCells < 3 || maxCells > Maze.MAX_CELLS || minCells > maxCells) {
            throw new IllegalArgumentException("maze3d: cells per side must satisfy 3 <= min <= max <= " + Maze.MAX_CELLS
                    + ", got " + minCells + " and " + maxCells);
        }
        this.size = size;
        this.minCells = minCells;
        this.maxCells = maxCells;
        this.view = new Raycaster(size, size);
    }

    /** (3, size, size), channel-major RGB. */
    @Override
    public int[] observationShape() {
        return new int[] {3, size, size};
    }

    @Override
    protected void startEpisode(MemorySegment obs) {
        int n = minCells + rng.nextInt(maxCells - minCells + 1);
        maze.generate(n, n / 2, rng);
        int cells = n * n;
        apples = Math.round(cells / 8f);
        // distinct cells: portal, start, apples (a partial Fisher–Yates shuffle)
        for (int i = 0; i < cells; i++) cellOrder[i] = i;
        for (int i = 0; i < apples + 2; i++) {
            int j = i + rng.nextInt(cells - i);
            int t = cellOrder[i];
            cellOrder[i] = cellOrder[j];
            cellOrder[j] = t;
        }
        portalX = Maze.tileOf(cellOrder[0] % n);
        portalY = Maze.tileOf(cellOrder[0] / n);
        x = Maze.tileOf(cellOrder[1] % n) + 0.5;
        y = Maze.tileOf(cellOrder[1] / n) + 0.5;
        heading = rng.nextInt(HEADINGS);
        for (int a = 0; a < apples; a++) {
            appleX[a] = Maze.tileOf(cellOrder[a + 2] % n);
            appleY[a] = Maze.tileOf(cellOrder[a + 2] / n);
            appleAlive[a] = true;
        }
        observe(obs);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        requireRunning();
        if (action < 0 || action >= ACTIONS) throw new IllegalArgumentException(id() + ": action must be in [0, 6), got " + action);
        double reward = 0;
        for (int f = 0; f < FRAME_REPEAT; f++) {
            double c = COS[heading], s = SIN[heading];  // forward; the agent's right is (−s, c)
            switch (action) {
                case FORWARD -> move(c * MOVE_PER_FRAME, s * MOVE_PER_FRAME);
                case BACKWARD -> move(-c * MOVE_PER_FRAME, -s * MOVE_PER_FRAME);
                case STRAFE_LEFT -> move(s * MOVE_PER_FRAME, -c * MOVE_PER_FRAME);
                case STRAFE_RIGHT -> move(-s * MOVE_PER_FRAME, c * MOVE_PER_FRAME);
                case TURN_LEFT -> heading = (heading + HEADINGS - 1) % HEADINGS;
                default -> heading = (heading + 1) % HEADINGS;
            }
            double r = touch();
            reward += r;
            if (r >= PORTAL_REWARD) break;  // respawned: the step's remaining frames are dropped, the agent starts afresh
        }
        endStep(result, reward, false);
        observe(obs);
    }

    /**
     * Moves the disc by (dx, dy), then pushes it out of every wall tile it overlaps, along the line
     * from the tile's nearest point: what is left of the move runs along the wall (sliding). A
     * frame's move (0.0625) is shorter than the radius (0.2), so the centre never enters a wall
     * tile. The four side tiles go first, then the corners, so that a corner of two walls does not
     * catch the disc on the seam.
     */
    private void move(double dx, double dy) {
        x += dx;
        y += dy;
        int tx = (int) Math.floor(x), ty = (int) Math.floor(y);
        pushOut(tx - 1, ty);
        pushOut(tx + 1, ty);
        pushOut(tx, ty - 1);
        pushOut(tx, ty + 1);
        pushOut(tx - 1, ty - 1);
        pushOut(tx + 1, ty - 1);
        pushOut(tx - 1, ty + 1);
        pushOut(tx + 1, ty + 1);
    }

    private void pushOut(int tx, int ty) {
        if (!maze.wall(tx, ty)) return;
        double nx = Math.max(tx, Math.min(tx + 1, x)), ny = Math.max(ty, Math.min(ty + 1, y));
        double ox = x - nx, oy = y - ny;
        double d2 = ox * ox + oy * oy;
        if (d2 >= AGENT_RADIUS * AGENT_RADIUS || d2 == 0) return;
        double k = AGENT_RADIUS / Math.sqrt(d2);
        x = nx + ox * k;
        y = ny + oy * k;
    }

    /** Collects what the agent touches now; returns the reward. */
    private double touch() {
        double r = 0;
        for (int a = 0; a < apples; a++) {
            if (appleAlive[a] && near(appleX[a], appleY[a], APPLE_REACH)) {
                appleAlive[a] = false;
                r += APPLE_REWARD;
            }
        }
        if (portalX >= 0 && near(portalX, portalY, PORTAL_REACH)) {
            r += PORTAL_REWARD;
            respawn();
            for (int a = 0; a < apples; a++) appleAlive[a] = true;
        }
        return r;
    }

    private boolean near(int tx, int ty, double reach) {
        double dx = tx + 0.5 - x, dy = ty + 0.5 - y;
        return dx * dx + dy * dy < reach * reach;
    }

    /** Puts the agent on a random open cell that holds neither an apple nor the portal, facing a random heading. */
    private void respawn() {
        int n = maze.cells();
        for (int attempt = 0; attempt < 1000; attempt++) {
            int c = rng.nextInt(n * n);
            if (free(c % n, c / n)) {
                place(c % n, c / n);
                return;
            }
        }
        for (int c = 0; c < n * n; c++) {  // a crowded hand-made map: the first free cell
            if (free(c % n, c / n)) {
                place(c % n, c / n);
                return;
            }
        }
        throw new IllegalStateException(id() + ": no free cell to respawn in");
    }

    private boolean free(int i, int j) {
        int tx = Maze.tileOf(i), ty = Maze.tileOf(j);
        if (maze.wall(tx, ty) || (tx == portalX && ty == portalY)) return false;
        for (int a = 0; a < apples; a++) if (appleX[a] == tx && appleY[a] == ty) return false;
        return true;
    }

    private void place(int i, int j) {
        x = Maze.tileOf(i) + 0.5;
        y = Maze.tileOf(j) + 0.5;
        heading = rng.nextInt(HEADINGS);
    }

    private void observe(MemorySegment obs) {
        view.clearSprites();
        for (int a = 0; a < apples; a++) if (appleAlive[a]) view.addSprite(appleX[a] + 0.5, appleY[a] + 0.5, Raycaster.APPLE);
        if (portalX >= 0) view.addSprite(portalX + 0.5, portalY + 0.5, Raycaster.PORTAL);
        view.render(maze, x, y, COS[heading], SIN[heading]);
        MemorySegment.copy(view.frame, 0, obs, JAVA_FLOAT, 0, view.frame.length);
    }

    // ---- test hooks (package-private): set or read the state between steps ----

    /**
     * Test hook: replaces the maze, apples and portal by a hand-made map, '#' a wall, 'a' an apple,
     * 'P' the portal, anything else floor (see {@link Maze#load}); apples are all there. The agent
     * stays where it was: place it with {@link #placeAgent}. Call {@link #redraw} to see it.
     */
    void loadMap(String... rows) {
        maze.load(rows);
        apples = 0;
        portalX = portalY = -1;
        for (int ty = 0; ty < rows.length; ty++) {
            for (int tx = 0; tx < rows[ty].length(); tx++) {
                char ch = rows[ty].charAt(tx);
                if (ch == 'a') {
                    appleX[apples] = tx;
                    appleY[apples] = ty;
                    appleAlive[apples++] = true;
                } else if (ch == 'P') {
                    portalX = tx;
                    portalY = ty;
                }
            }
        }
    }

    /** Test hook: puts the agent's centre at (x, y), in tiles, facing {@code heading}. */
    void placeAgent(double x, double y, int heading) {
        this.x = x;
        this.y = y;
        this.heading = Math.floorMod(heading, HEADINGS);
    }

    /** Test hook: draws the current state into {@code obs}. */
    void redraw(MemorySegment obs) {
        observe(obs);
    }

    double agentX() {
        return x;
    }

    double agentY() {
        return y;
    }

    int heading() {
        return heading;
    }

    int apples() {
        return apples;
    }

    int applesLeft() {
        int left = 0;
        for (int a = 0; a < apples; a++) if (appleAlive[a]) left++;
        return left;
    }

    int portalX() {
        return portalX;
    }

    int portalY() {
        return portalY;
    }

    Maze maze() {
        return maze;
    }

    Raycaster view() {
        return view;
    }

    // ---- Renderable ----

    /**
     * The maze from above (walls dark, floor light, apples red, the portal violet, the agent a blue
     * disc with its heading and the edges of its 90° view) and, to its right, the first-person view
     * the agent observes, each 336 pixels high (the view enlarged by whole pixels).
     */
    @Override
    public BufferedImage render() {
        int side = 336, pad = 12;
        int scale = Math.max(1, side / size), viewPx = size * scale;
        int tiles = maze.tiles(), tile = Math.max(1, side / tiles), mapPx = tile * tiles;
        BufferedImage img = new BufferedImage(3 * pad + mapPx + viewPx, 2 * pad + Math.max(mapPx, viewPx), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        for (int ty = 0; ty < tiles; ty++) {
            for (int tx = 0; tx < tiles; tx++) {
                g.setColor(maze.wall(tx, ty) ? new Color(70, 62, 50) : new Color(228, 222, 205));
                g.fillRect(pad + tx * tile, pad + ty * tile, tile, tile);
            }
        }
        g.setColor(new Color(217, 26, 20));
        for (int a = 0; a < apples; a++) {
            if (appleAlive[a]) g.fill(disc(pad + (appleX[a] + 0.5) * tile, pad + (appleY[a] + 0.5) * tile, 0.25 * tile));
        }
        if (portalX >= 0) {
            g.setColor(new Color(178, 51, 242));
            g.fill(disc(pad + (portalX + 0.5) * tile, pad + (portalY + 0.5) * tile, 0.4 * tile));
        }
        double ax = pad + x * tile, ay = pad + y * tile, c = COS[heading], s = SIN[heading];
        g.setStroke(new BasicStroke(1f));
        g.setColor(new Color(40, 80, 200, 110));
        double reach = 3 * tile;  // the view's edges: forward ± right, 45° each side
        g.draw(new Line2D.Double(ax, ay, ax + (c + s) * reach, ay + (s - c) * reach));
        g.draw(new Line2D.Double(ax, ay, ax + (c - s) * reach, ay + (s + c) * reach));
        g.setColor(new Color(40, 80, 200));
        g.fill(disc(ax, ay, AGENT_RADIUS * tile));
        g.setStroke(new BasicStroke(2f));
        g.draw(new Line2D.Double(ax, ay, ax + c * 0.6 * tile, ay + s * 0.6 * tile));
        g.dispose();

        int left = 2 * pad + mapPx, plane = size * size;
        float[] f = view.frame;
        for (int py = 0; py < size; py++) {
            for (int px = 0; px < size; px++) {
                int i = py * size + px;
                int rgb = (byteOf(f[i]) << 16) | (byteOf(f[plane + i]) << 8) | byteOf(f[2 * plane + i]);
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) img.setRGB(left + px * scale + dx, pad + py * scale + dy, rgb);
                }
            }
        }
        return img;
    }

    private static Ellipse2D disc(double cx, double cy, double r) {
        return new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
    }

    private static int byteOf(float v) {
        return Math.round(Math.min(1f, Math.max(0f, v)) * 255);
    }
}
