package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;

/**
 * MountainCar-v0 with Gymnasium's dynamics: velocity += (action - 1)·0.001 - cos(3·position)·0.0025,
 * clipped to ±0.07; position += velocity, clipped to [-1.2, 0.6], the car stopping dead against the
 * left wall. Starts at rest at a position uniform in [-0.6, -0.4]. Terminates once position ≥ 0.5
 * with velocity ≥ 0; truncated at 200 steps. Reward -1 on every step, the terminating one included.
 * The state is kept in double and observed as float32: [position, velocity]. Actions: 0 pushes
 * left, 1 does nothing, 2 pushes right. An episode that reaches the flag is a success.
 */
public final class MountainCar extends EpisodicEnv implements ReportsSuccess {
    private static final double MIN_POSITION = -1.2;
    private static final double MAX_POSITION = 0.6;
    private static final double MAX_SPEED = 0.07;
    private static final double GOAL_POSITION = 0.5;
    private static final double GOAL_VELOCITY = 0.0;
    private static final double FORCE = 0.001;
    private static final double GRAVITY = 0.0025;
    public static final int MAX_STEPS = 200;

    private double position, velocity;

    public MountainCar() {
        super("MountainCar-v0", 2, 3, MAX_STEPS, 30);  // 2 floats observed, 3 actions; 30 frames/s, as Gymnasium renders it
    }

    @Override
    protected void startEpisode(MemorySegment obs) {
        position = rng.nextDouble(-0.6, -0.4);
        velocity = 0.0;
        observe(obs);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        requireRunning();
        if (action < 0 || action > 2) throw new IllegalArgumentException("MountainCar: action must be 0, 1 or 2, got " + action);
        velocity += (action - 1) * FORCE + Math.cos(3 * position) * (-GRAVITY);
        velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
        position += velocity;
        position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
        if (position == MIN_POSITION && velocity < 0) velocity = 0.0;

        endStep(result, -1.0, position >= GOAL_POSITION && velocity >= GOAL_VELOCITY);
        observe(obs);
    }

    private void observe(MemorySegment obs) {
        obs.setAtIndex(JAVA_FLOAT, 0, (float) position);
        obs.setAtIndex(JAVA_FLOAT, 1, (float) velocity);
    }

    /** True when the episode ended with the car at the flag. */
    @Override
    public boolean succeeded() {
        return reachedTerminal();
    }

    private static double surface(double xs) {
        return Math.sin(3 * xs) * 0.45 + 0.55;
    }

    /** The valley y = 0.45·sin(3x) + 0.55, the flag at x = 0.5, the car tilted along the slope. */
    @Override
    public BufferedImage render() {
        int width = 480, height = 360;
        return Drawing.picture(width, height, g -> {
            double scale = width / (MAX_POSITION - MIN_POSITION);
            double base = height - 10;
            Path2D.Double valley = new Path2D.Double();
            for (int i = 0; i <= 100; i++) {
                double xs = MIN_POSITION + i * (MAX_POSITION - MIN_POSITION) / 100;
                double px = (xs - MIN_POSITION) * scale, py = base - surface(xs) * scale;
                if (i == 0) valley.moveTo(px, py);
                else valley.lineTo(px, py);
            }
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(2f));
            g.draw(valley);
            double fx = (GOAL_POSITION - MIN_POSITION) * scale, fy = base - surface(GOAL_POSITION) * scale;
            g.drawLine((int) fx, (int) fy, (int) fx, (int) (fy - 50));
            g.setColor(new Color(204, 204, 0));
            Path2D.Double flag = new Path2D.Double();
            flag.moveTo(fx, fy - 50);
            flag.lineTo(fx, fy - 40);
            flag.lineTo(fx + 25, fy - 45);
            flag.closePath();
            g.fill(flag);
            double carW = 40, carH = 20, clearance = 10;
            var saved = g.getTransform();
            g.translate((position - MIN_POSITION) * scale, base - surface(position) * scale);
            g.rotate(-Math.atan(3 * 0.45 * Math.cos(3 * position))); // along the slope; screen y points down
            g.setColor(Color.BLACK);
            g.fill(new Rectangle2D.Double(-carW / 2, -clearance - carH, carW, carH));
            g.setColor(new Color(128, 128, 128));
            double r = carH / 2.5;
            g.fill(new Ellipse2D.Double(-carW / 4 - r, -clearance - r, 2 * r, 2 * r));
            g.fill(new Ellipse2D.Double(carW / 4 - r, -clearance - r, 2 * r, 2 * r));
            g.setTransform(saved);
        });
    }
}
