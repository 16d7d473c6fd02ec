package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;

/**
 * Acrobot-v1 with Gymnasium's physics: the dynamics of Sutton and Barto's book (Gymnasium's
 * {@code book_or_nips = "book"}), one classical RK4 step over dt = 0.2 s, no torque noise, the
 * angles wrapped into [-π, π] and the velocities bounded to ±4π and ±9π after each step, as
 * Gymnasium's {@code wrap} and {@code bound} do. The state [θ1, θ2, θ̇1, θ̇2] is kept in double and
 * observed as float32: [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]. Actions 0, 1, 2 apply torque -1,
 * 0, +1 at the middle joint. Reward -1 per step and 0 on the step that lifts the tip above the goal
 * line (-cos θ1 - cos(θ1 + θ2) &gt; 1), which terminates (a success); truncated at 500 steps.
 */
public final class Acrobot extends EpisodicEnv implements ReportsSuccess {
    private static final double DT = 0.2;
    private static final double L1 = 1.0;
    private static final double M1 = 1.0;
    private static final double M2 = 1.0;
    private static final double LC1 = 0.5;
    private static final double LC2 = 0.5;
    private static final double I1 = 1.0;
    private static final double I2 = 1.0;
    private static final double G = 9.8;
    private static final double MAX_VEL_1 = 4 * Math.PI;
    private static final double MAX_VEL_2 = 9 * Math.PI;
    private static final double[] TORQUE = {-1.0, 0.0, 1.0};
    public static final int MAX_STEPS = 500;

    /** θ1, θ2, θ̇1, θ̇2. */
    private final double[] s = new double[4];
    // RK4 scratch, reused every step.
    private final double[] k1 = new double[4], k2 = new double[4], k3 = new double[4], k4 = new double[4];
    private final double[] y = new double[4];

    public Acrobot() {
        super("Acrobot-v1", 6, 3, MAX_STEPS, 15);  // 6 floats observed, 3 actions; 15 frames/s, as Gymnasium renders it
    }

    @Override
    protected void startEpisode(MemorySegment obs) {
        // Gymnasium draws the start state uniformly in [-0.1, 0.1) and stores it as float32.
        for (int i = 0; i < 4; i++) s[i] = (float) rng.nextDouble(-0.1, 0.1);
        observe(obs);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        requireRunning();
        if (action < 0 || action > 2) throw new IllegalArgumentException("Acrobot: action must be 0, 1 or 2, got " + action);
        double torque = TORQUE[action];

        // One RK4 step over [0, dt], in the order Gymnasium's rk4 evaluates it.
        double half = DT / 2.0;
        derivs(s, torque, k1);
        for (int i = 0; i < 4; i++) y[i] = s[i] + half * k1[i];
        derivs(y, torque, k2);
        for (int i = 0; i < 4; i++) y[i] = s[i] + half * k2[i];
        derivs(y, torque, k3);
        for (int i = 0; i < 4; i++) y[i] = s[i] + DT * k3[i];
        derivs(y, torque, k4);
        double sixth = DT / 6.0;
        for (int i = 0; i < 4; i++) s[i] = s[i] + sixth * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);

        s[0] = wrap(s[0]);
        s[1] = wrap(s[1]);
        s[2] = bound(s[2], MAX_VEL_1);
        s[3] = bound(s[3], MAX_VEL_2);

        boolean aboveLine = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
        endStep(result, aboveLine ? 0.0 : -1.0, aboveLine);
        observe(obs);
    }

    /** The book's equations of motion: d/dt of [θ1, θ2, θ̇1, θ̇2] under {@code torque}, into {@code out}. */
    private static void derivs(double[] q, double torque, double[] out) {
        double theta1 = q[0], theta2 = q[1], dtheta1 = q[2], dtheta2 = q[3];
        double cos2 = Math.cos(theta2);
        double sin2 = Math.sin(theta2);
        double d1 = M1 * (LC1 * LC1) + M2 * (L1 * L1 + LC2 * LC2 + 2 * L1 * LC2 * cos2) + I1 + I2;
        double d2 = M2 * (LC2 * LC2 + L1 * LC2 * cos2) + I2;
        double phi2 = M2 * LC2 * G * Math.cos(theta1 + theta2 - Math.PI / 2.0);
        double phi1 = -M2 * L1 * LC2 * (dtheta2 * dtheta2) * sin2
                - 2 * M2 * L1 * LC2 * dtheta2 * dtheta1 * sin2
                + (M1 * LC1 + M2 * L1) * G * Math.cos(theta1 - Math.PI / 2)
                + phi2;
        double ddtheta2 = (torque + d2 / d1 * phi1 - M2 * L1 * LC2 * (dtheta1 * dtheta1) * sin2 - phi2)
                / (M2 * (LC2 * LC2) + I2 - (d2 * d2) / d1);
        double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
        out[0] = dtheta1;
        out[1] = dtheta2;
        out[2] = ddtheta1;
        out[3] = ddtheta2;
    }

    /** Gymnasium's wrap onto [-π, π]: whole turns are added or removed; π itself stays. */
    private static double wrap(double x) {
        double turn = Math.PI - (-Math.PI);
        while (x > Math.PI) x -= turn;
        while (x < -Math.PI) x += turn;
        return x;
    }

    private static double bound(double x, double limit) {
        return Math.min(Math.max(x, -limit), limit);
    }

    private void observe(MemorySegment obs) {
        obs.setAtIndex(JAVA_FLOAT, 0, (float) Math.cos(s[0]));
        obs.setAtIndex(JAVA_FLOAT, 1, (float) Math.sin(s[0]));
        obs.setAtIndex(JAVA_FLOAT, 2, (float) Math.cos(s[1]));
        obs.setAtIndex(JAVA_FLOAT, 3, (float) Math.sin(s[1]));
        obs.setAtIndex(JAVA_FLOAT, 4, (float) s[2]);
        obs.setAtIndex(JAVA_FLOAT, 5, (float) s[3]);
    }

    /** True when the episode ended with the tip above the goal line. */
    @Override
    public boolean succeeded() {
        return reachedTerminal();
    }

    /** The two links hanging from the pivot (θ1 = θ2 = 0 hangs straight down), the goal line above. */
    @Override
    public BufferedImage render() {
        int size = 320;
        return Drawing.picture(size, size, g -> {
            double scale = size / (2 * (L1 + 1.0 + 0.2)); // both links and a margin, either side
            double cx = size / 2.0, cy = size / 2.0;
            // Positions in metres, y up; the screen's y points down.
            double x1 = L1 * Math.sin(s[0]), y1 = -L1 * Math.cos(s[0]);
            double x2 = x1 + Math.sin(s[0] + s[1]), y2 = y1 - Math.cos(s[0] + s[1]);
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.5f));
            g.draw(new Line2D.Double(0, cy - 1.0 * scale, size, cy - 1.0 * scale)); // the goal: the tip 1 m above the pivot
            g.setStroke(new BasicStroke((float) (0.2 * scale), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.setColor(new Color(0, 204, 204));
            g.draw(new Line2D.Double(cx, cy, cx + x1 * scale, cy - y1 * scale));
            g.draw(new Line2D.Double(cx + x1 * scale, cy - y1 * scale, cx + x2 * scale, cy - y2 * scale));
            g.setColor(new Color(204, 204, 0));
            double r = 0.1 * scale;
            g.fill(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
            g.fill(new Ellipse2D.Double(cx + x1 * scale - r, cy - y1 * scale - r, 2 * r, 2 * r));
        });
    }
}
