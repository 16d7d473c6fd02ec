package dev.asyncrl.env.minatar;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.EpisodicEnv;
import dev.asyncrl.env.Renderable;
import dev.asyncrl.env.StepResult;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What the five MinAtar games (Young &amp; Tian 2019) share: the 10×10 grid and its channel buffer,
 * the six actions (no-op, left, up, right, down, fire) or a game's minimal set, sticky actions
 * and the picture of {@link Renderable}; the episode bookkeeping is {@link EpisodicEnv}'s. A game
 * supplies {@link #resetGame()}, {@link #act(int)} (one step of its rules on a full action 0–5)
 * and {@link #draw()} (its channels into the grid).
 *
 * <p><b>Observation.</b> float32, channel-major (C, 10, 10): channel c, row y (0 = top), column
 * x is at index {@code c*100 + y*10 + x}; every value is 0 or 1. The grid is rebuilt and copied
 * into the caller's segment at every reset and step.
 *
 * <p><b>Sticky actions.</b> As the reference wrapper does: before every step, with probability
 * {@code stickyProbability} (0.1 by default) the previously <em>executed</em> action (a full
 * action 0–5) is executed instead of the chosen one, and the executed action is remembered. It
 * starts at 0 (no-op) when the game is made and when the stream is seeded by
 * {@link #reset(long, MemorySegment)} (a freshly made reference environment), and is carried over
 * by {@link #reset(MemorySegment)} (the reference keeps it between episodes). One random stream
 * serves the sticky draw and the game, as in the reference.
 *
 * <p><b>Episodes.</b> A game's terminal states end an episode as {@code terminated}. Only Freeway
 * has a time limit in the reference; the other four have none there, and here they are truncated
 * after {@link #DEFAULT_MAX_STEPS} steps so that a policy which stalls forever (for example a
 * Seaquest submarine that never dives) cannot hang a run. Stepping after the end of an episode is
 * refused, as for every {@link Env} of this project (the reference would return (0, terminal)).
 *
 * <p>Nothing is allocated per step: every game keeps fixed arrays, the grid is reused and copied
 * with {@link MemorySegment#copy(Object, int, MemorySegment, java.lang.foreign.ValueLayout.OfFloat, long, int)}.
 * An instance belongs to one thread.
 */
public abstract class MinAtarGame extends EpisodicEnv {
    /** The grid is SIZE × SIZE. */
    public static final int SIZE = 10;
    /** Cells in one channel. */
    public static final int CELLS = SIZE * SIZE;

    /** The full action set, as the reference indexes it. */
    public static final int NOOP = 0, LEFT = 1, UP = 2, RIGHT = 3, DOWN = 4, FIRE = 5;
    /** Size of the full action set. */
    public static final int FULL_ACTIONS = 6;

    /** The reference wrapper's default probability of repeating the last executed action. */
    public static final double STICKY_PROBABILITY = 0.1;
    /** Truncation cap for the games without a time limit of their own (see the class comment). */
    public static final int DEFAULT_MAX_STEPS = 100_000;

    /** Pixels per cell in {@link #render()}. */
    public static final int CELL_PIXELS = 16;
    /** How fast {@link #render()}'s pictures are meant to be shown. */
    static final int FRAMES_PER_SECOND = 30;

    private static final int[] FULL_SET = {NOOP, LEFT, UP, RIGHT, DOWN, FIRE};

    private final int channels;
    private final int[] actionSet;
    /** Difficulty ramping on (the games that have it read this). */
    protected final boolean ramping;
    private final double stickyProbability;
    private final int[] palette;

    /** The observation under construction: (C, 10, 10), channel-major. */
    protected final float[] grid;
    /** Set by {@link #act(int)} when the game reaches a terminal state. */
    protected boolean terminal;

    private int lastAction = NOOP;

    /**
     * @param name the game's name in the reference's gym ids, e.g. "Breakout"
     * @param channels channels of the observation
     * @param minimalSet the game's minimal action set as full actions, in the reference's order
     * @param minimalActions expose the minimal set (the reference's "-v1" ids) instead of all six
     * @param ramping difficulty ramping (ignored by the games without it)
     * @param stickyProbability probability of repeating the last executed action, in [0, 1]
     * @param maxSteps steps after which an episode is truncated
     */
    protected MinAtarGame(String name, int channels, int[] minimalSet, boolean minimalActions, boolean ramping,
            double stickyProbability, int maxSteps) {
        super(id(name, minimalActions), channels * CELLS, (minimalActions ? minimalSet : FULL_SET).length, maxSteps,
                FRAMES_PER_SECOND);
        if (!(stickyProbability >= 0 && stickyProbability <= 1)) {
            throw new IllegalArgumentException("sticky-action probability must be in [0, 1], got " + stickyProbability);
        }
        if (maxSteps < 1) throw new IllegalArgumentException("maxSteps must be positive, got " + maxSteps);
        this.channels = channels;
        this.actionSet = (minimalActions ? minimalSet : FULL_SET).clone();
        this.ramping = ramping;
        this.stickyProbability = stickyProbability;
        this.grid = new float[channels * CELLS];
        this.palette = palette(channels);
    }

    /** The reference's gym id: the full action set is "-v0", the minimal one "-v1". */
    private static String id(String name, boolean minimalActions) {
        return "MinAtar/" + name + (minimalActions ? "-v1" : "-v0");
    }

    // ---- what a game supplies ----

    /** Puts the game in its start state (the random stream is ready). */
    protected abstract void resetGame();

    /**
     * One step of the game's rules for the full action {@code action} (0–5), after the sticky
     * draw. Returns the reward and sets {@link #terminal} when the game ends.
     */
    protected abstract int act(int action);

    /** Lights the current state's cells in {@link #grid} (cleared beforehand). */
    protected abstract void draw();

    // ---- Env ----

    /** (C, 10, 10), channel-major: the network reads it with a convolution. */
    @Override
    public int[] observationShape() {
        return new int[] {channels, SIZE, SIZE};
    }

    /** Channels of the observation. */
    public int channels() {
        return channels;
    }

    /** The full action (0–5) that the agent's action {@code a} stands for. */
    public int fullAction(int a) {
        return actionSet[a];
    }

    /** Seeds the stream as a freshly made reference environment: the last executed action is a no-op again. */
    @Override
    public void reset(long seed, MemorySegment obs) {
        lastAction = NOOP;
        super.reset(seed, obs);
    }

    @Override
    protected void startEpisode(MemorySegment obs) {
        terminal = false;
        resetGame();
        observe(obs);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        requireRunning();
        if (action < 0 || action >= actionSet.length) {
            throw new IllegalArgumentException(id() + ": action must be in [0, " + actionSet.length + "), got " + action);
        }
        int executed = actionSet[action];
        if (rng.nextDouble() < stickyProbability) executed = lastAction;
        lastAction = executed;

        int reward = act(executed);
        endStep(result, reward, terminal);
        observe(obs);
    }

    private void observe(MemorySegment obs) {
        Arrays.fill(grid, 0f);
        draw();
        MemorySegment.copy(grid, 0, obs, JAVA_FLOAT, 0, grid.length);
    }

    /** Lights channel {@code c} at column {@code x}, row {@code y}. */
    protected final void light(int c, int x, int y) {
        grid[c * CELLS + y * SIZE + x] = 1f;
    }

    // ---- test hooks (package-private) ----

    /** Test hook: the last executed full action (what a sticky step would repeat). */
    final int lastAction() {
        return lastAction;
    }

    /** Test hook: redraws the grid after a hook changed the state and copies it into {@code obs}. */
    final void redraw(MemorySegment obs) {
        observe(obs);
    }

    // ---- Renderable ----

    /**
     * The current state as a picture: 10×10 cells of {@link #CELL_PIXELS} px on black, each cell
     * in the colour of the highest-numbered channel lit there, as the reference's display does;
     * the colours are the reference's cubehelix palette sampled once per channel. Thin dark lines
     * separate the cells.
     */
    @Override
    public BufferedImage render() {
        int px = SIZE * CELL_PIXELS;
        BufferedImage img = new BufferedImage(px, px, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int rgb = 0x000000;
                for (int c = channels - 1; c >= 0; c--) {
                    if (grid[c * CELLS + y * SIZE + x] != 0f) {
                        rgb = palette[c];
                        break;
                    }
                }
                for (int dy = 0; dy < CELL_PIXELS; dy++) {
                    for (int dx = 0; dx < CELL_PIXELS; dx++) {
                        boolean edge = dx == CELL_PIXELS - 1 || dy == CELL_PIXELS - 1;
                        img.setRGB(x * CELL_PIXELS + dx, y * CELL_PIXELS + dy, edge ? 0x202020 : rgb);
                    }
                }
            }
        }
        return img;
    }

    /** The colour (0xRRGGBB) of channel {@code c} in {@link #render()}. */
    public int channelColour(int c) {
        return palette[c];
    }

    /**
     * Green's cubehelix (2011) with matplotlib's defaults (start 0.5, rotations -1.5, hue 1,
     * gamma 1), sampled at n evenly spaced interior points of [0, 1] as seaborn's
     * {@code color_palette("cubehelix", n)} does: dark to light, one colour per channel.
     */
    static int[] palette(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            double l = (i + 1.0) / (n + 1.0);
            double a = l * (1 - l) / 2;
            double phi = 2 * Math.PI * (0.5 / 3 + -1.5 * l);
            double cos = Math.cos(phi), sin = Math.sin(phi);
            double r = l + a * (-0.14861 * cos + 1.78277 * sin);
            double g = l + a * (-0.29227 * cos - 0.90649 * sin);
            double b = l + a * (1.97294 * cos);
            out[i] = (byteOf(r) << 16) | (byteOf(g) << 8) | byteOf(b);
        }
        return out;
    }

    private static int byteOf(double v) {
        return (int) Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
}
