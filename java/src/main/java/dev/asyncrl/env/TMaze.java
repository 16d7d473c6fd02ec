package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;

/**
 * A T-maze (after Bakker 2001), a memory task: a feed-forward policy cannot do better than chance,
 * a recurrent one can solve it. The agent starts at the foot of a corridor of {@code length} cells;
 * the top of the corridor is a junction with an arm to the left and one to the right. One arm holds
 * the goal, drawn 50/50 at reset from the environment's stream, and the cue saying which is shown
 * only in the first observation, the one reset writes.
 *
 * <pre>
 *   L . R        cells: 0 (start) .. length-1 corridor, length = the junction
 *     .          actions: 0 forward (up the corridor; at the junction: stays)
 *     .                   1 left, 2 right (in the corridor: bumps the wall, stays;
 *     S                                    at the junction: enters that arm, ends the episode)
 * </pre>
 *
 * Observation (4 floats): [cue left, cue right, in corridor, at junction]. Reset writes [1,0,1,0]
 * or [0,1,1,0]; every later observation in the corridor is [0,0,1,0], whatever the cue and the
 * cell, and at the junction [0,0,0,1]; after the episode ends, [0,0,0,0].
 *
 * <p>Rewards: +1 for entering the cued arm, −1 for the other (both terminate, and {@link
 * #succeeded()} says which); −0.1 for a move that leaves the agent where it was (left or right in
 * the corridor, forward at the junction), 0 for a step forward in the corridor. Truncated after
 * 4·(length+1) steps (the shortest solution takes length+1). The bump cost makes waiting at the
 * junction worse than guessing, so an agent without memory learns to guess rather than to dither
 * until the time limit; it leaves the observations alone. An episode's return is positive exactly
 * when it succeeds: the best return is +1, a wrong arm gives at most −1, and an episode cut by the
 * time limit has bumped at least once.
 *
 * <p>Why a feed-forward policy gets at most 50%: the junction's observation is the same for both
 * cues, so a policy that sees only the current observation turns left at the junction with one
 * probability p whichever the cue, and succeeds with probability ½·p + ½·(1−p) = ½ when it gets
 * there at all. The cue can bias only its first action, and no action leaves a trace that a later
 * observation shows (every corridor cell looks alike). A policy that remembers the first
 * observation succeeds every time.
 */
public final class TMaze extends EpisodicEnv implements ReportsSuccess {
    public static final int DEFAULT_LENGTH = 5;
    public static final int FORWARD = 0, LEFT = 1, RIGHT = 2;
    /** The reward for a move that goes nowhere. */
    public static final double BUMP = -0.1;

    private final int length;
    /** The goal arm: LEFT or RIGHT. */
    private int goal;
    /** 0 .. length; length is the junction. */
    private int position;
    /** The arm entered, LEFT or RIGHT, or -1 while in the corridor. */
    private int arm = -1;

    public TMaze() {
        this(DEFAULT_LENGTH);
    }

    /** @param length corridor cells from the start to the junction, at least 1 */
    public TMaze(int length) {
        super("TMaze-" + length, 4, 3, 4 * (length + 1), 4);  // 4 floats observed, 3 actions; 4 frames/s, a cell at a time
        if (length < 1) throw new IllegalArgumentException("T-maze: the corridor length must be >= 1, got " + length);
        this.length = length;
    }

    public int length() {
        return length;
    }

    @Override
    protected void startEpisode(MemorySegment obs) {
        goal = rng.nextBoolean() ? LEFT : RIGHT;
        position = 0;
        arm = -1;
        observe(obs, 0f, 0f, 0f, 0f);
        obs.setAtIndex(JAVA_FLOAT, goal == LEFT ? 0 : 1, 1f); // the cue: this once only
        obs.setAtIndex(JAVA_FLOAT, 2, 1f);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        requireRunning();
        if (action < 0 || action > 2) throw new IllegalArgumentException("TMaze: action must be 0, 1 or 2, got " + action);
        double reward = 0.0;
        if (position < length) {
            if (action == FORWARD) position++;
            else reward = BUMP;
        } else if (action == FORWARD) {
            reward = BUMP;
        } else {
            arm = action;
            reward = arm == goal ? 1.0 : -1.0;
        }
        endStep(result, reward, arm != -1);  // entering an arm ends the episode
        if (result.terminated) observe(obs, 0f, 0f, 0f, 0f);
        else if (position < length) observe(obs, 0f, 0f, 1f, 0f);
        else observe(obs, 0f, 0f, 0f, 1f);
    }

    /** True when the episode ended in the cued arm. */
    @Override
    public boolean succeeded() {
        return arm != -1 && arm == goal;
    }

    private static void observe(MemorySegment obs, float cueLeft, float cueRight, float corridor, float junction) {
        obs.setAtIndex(JAVA_FLOAT, 0, cueLeft);
        obs.setAtIndex(JAVA_FLOAT, 1, cueRight);
        obs.setAtIndex(JAVA_FLOAT, 2, corridor);
        obs.setAtIndex(JAVA_FLOAT, 3, junction);
    }

    /** The T from above: the goal arm green, the other grey-red, the agent a blue disc. */
    @Override
    public BufferedImage render() {
        int cell = 48, pad = 16;
        int width = 3 * cell + 2 * pad, height = (length + 1) * cell + 2 * pad;
        return Drawing.picture(width, height, g -> {
            int cx = pad + cell; // the corridor's column
            int top = pad;       // the junction's row
            g.setColor(new Color(225, 225, 225));
            for (int p = 0; p <= length; p++) g.fillRect(cx, top + (length - p) * cell, cell, cell);
            g.setColor(goal == LEFT ? new Color(120, 200, 120) : new Color(220, 150, 150));
            g.fillRect(pad, top, cell, cell);
            g.setColor(goal == RIGHT ? new Color(120, 200, 120) : new Color(220, 150, 150));
            g.fillRect(pad + 2 * cell, top, cell, cell);
            g.setColor(new Color(160, 160, 160));
            for (int p = 0; p <= length; p++) g.drawRect(cx, top + (length - p) * cell, cell, cell);
            g.drawRect(pad, top, cell, cell);
            g.drawRect(pad + 2 * cell, top, cell, cell);
            int ax = arm == LEFT ? pad : arm == RIGHT ? pad + 2 * cell : cx;
            int ay = arm != -1 ? top : top + (length - position) * cell;
            g.setColor(new Color(40, 80, 200));
            double m = cell * 0.2;
            g.fill(new Ellipse2D.Double(ax + m, ay + m, cell - 2 * m, cell - 2 * m));
        });
    }
}
