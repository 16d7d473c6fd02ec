package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.geom.Arc2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;

/**
 * Pendulum-v1 with Gymnasium's dynamics and limits: g = 10, m = 1, l = 1, dt = 0.05 s, the torque
 * clipped to ±2, the angular velocity to ±8. Each step first costs the current state and the
 * clipped torque, angle_normalize(θ)² + 0.1·θ̇² + 0.001·u² (reward = −cost, in [−16.27, 0]), then
 * updates θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(ml²)·u)·dt, ±8) and θ ← θ + θ̇·dt with the new θ̇
 * (semi-implicit Euler, θ itself is never wrapped). θ = 0 is upright. Starts at θ ∈ U[−π, π],
 * θ̇ ∈ U[−1, 1]; never terminates, truncated at 200 steps. The state is kept in double and observed as
 * float32: [cos θ, sin θ, θ̇].
 *
 * <p>Continuous actions: one float, the torque, in [−2, 2]; {@code step(int, ...)} is refused. A
 * non-finite torque is refused too (Gymnasium would carry the NaN into the state for good).
 */
public final class Pendulum extends EpisodicEnv {
    private static final double MAX_SPEED = 8.0;
    private static final double MAX_TORQUE = 2.0;
    private static final double DT = 0.05;
    private static final double G = 10.0;
    private static final double M = 1.0;
    private static final double L = 1.0;
    public static final int MAX_STEPS = 200;

    private double theta, thetaDot;
    /** The clipped torque of the last step, for drawing; NaN right after a reset. */
    private double lastTorque = Double.NaN;

    public Pendulum() {
        super("Pendulum-v1", 3, 0, MAX_STEPS, 30);  // 3 floats observed, continuous actions; 30 frames/s, as Gymnasium renders it
    }

    @Override
    public int actionDim() {
        return 1;
    }

    @Override
    public float actionLow() {
        return (float) -MAX_TORQUE;
    }

    @Override
    public float actionHigh() {
        return (float) MAX_TORQUE;
    }

    @Override
    protected void startEpisode(MemorySegment obs) {
        theta = rng.nextDouble(-Math.PI, Math.PI);
        thetaDot = rng.nextDouble(-1.0, 1.0);
        lastTorque = Double.NaN;
        observe(obs);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        throw new IllegalStateException("Pendulum-v1 has continuous actions: step(MemorySegment action, ...)");
    }

    @Override
    public void step(MemorySegment action, MemorySegment obs, StepResult result) {
        requireRunning();
        float a = action.getAtIndex(JAVA_FLOAT, 0);
        if (!Float.isFinite(a)) throw new IllegalArgumentException("Pendulum: the torque must be finite, got " + a);
        double u = Math.min(Math.max(a, -MAX_TORQUE), MAX_TORQUE);
        lastTorque = u;
        double cost = square(angleNormalize(theta)) + 0.1 * thetaDot * thetaDot + 0.001 * u * u;

        double newThetaDot = thetaDot + (3 * G / (2 * L) * Math.sin(theta) + 3.0 / (M * L * L) * u) * DT;
        newThetaDot = Math.min(Math.max(newThetaDot, -MAX_SPEED), MAX_SPEED);
        theta = theta + newThetaDot * DT;
        thetaDot = newThetaDot;

        endStep(result, -cost, false);  // never terminates: only the time limit ends an episode
        observe(obs);
    }

    /** For tests: puts the pendulum in state (θ, θ̇) mid-episode. */
    void setState(double theta, double thetaDot) {
        this.theta = theta;
        this.thetaDot = thetaDot;
    }

    /** Gymnasium's angle_normalize: ((x + π) mod 2π) − π with a floored modulo, into [−π, π). */
    static double angleNormalize(double x) {
        double twoPi = 2 * Math.PI;
        double r = (x + Math.PI) % twoPi;
        if (r < 0) r += twoPi;
        return r - Math.PI;
    }

    private static double square(double x) {
        return x * x;
    }

    private void observe(MemorySegment obs) {
        obs.setAtIndex(JAVA_FLOAT, 0, (float) Math.cos(theta));
        obs.setAtIndex(JAVA_FLOAT, 1, (float) Math.sin(theta));
        obs.setAtIndex(JAVA_FLOAT, 2, (float) thetaDot);
    }

    /** The rod seen from the front (θ = 0 points up, positive θ counter-clockwise), an arc for the torque. */
    @Override
    public BufferedImage render() {
        int size = 320;
        return Drawing.picture(size, size, g -> {
            double scale = size / 4.4; // the rod is 1 m; the picture spans ±2.2 m, as Gymnasium's does
            double cx = size / 2.0, cy = size / 2.0;
            double rodWidth = 0.2 * scale;
            AffineTransform saved = g.getTransform();
            g.translate(cx, cy);
            g.rotate(-theta); // screen y points down, so a counter-clockwise θ is a negative screen rotation
            g.setColor(new Color(204, 77, 77));
            g.fill(new RoundRectangle2D.Double(-rodWidth / 2, -scale - rodWidth / 2, rodWidth, scale + rodWidth,
                    rodWidth, rodWidth));
            g.setTransform(saved);
            if (!Double.isNaN(lastTorque) && lastTorque != 0) {
                double r = 0.5 * scale;
                double extent = 150 * Math.abs(lastTorque) / MAX_TORQUE; // the arc's length shows |u|
                g.setColor(new Color(60, 60, 60));
                g.setStroke(new BasicStroke(3f));
                // positive torque turns counter-clockwise: the arc runs from the right over the top
                double start = lastTorque > 0 ? 0 : 180;
                g.draw(new Arc2D.Double(cx - r, cy - r, 2 * r, 2 * r, start, lastTorque > 0 ? extent : -extent, Arc2D.OPEN));
                double end = Math.toRadians(start + (lastTorque > 0 ? extent : -extent));
                double ex = cx + r * Math.cos(end), ey = cy - r * Math.sin(end);
                g.fill(new Ellipse2D.Double(ex - 5, ey - 5, 10, 10));
            }
            g.setColor(Color.BLACK);
            double axle = 0.05 * scale;
            g.fill(new Ellipse2D.Double(cx - axle, cy - axle, 2 * axle, 2 * axle));
        });
    }
}
