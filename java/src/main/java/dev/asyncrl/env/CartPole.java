package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;

/**
 * CartPole-v1 with Gymnasium's physics (Euler integration, tau 0.02 s, force ±10 N), thresholds
 * (|x| &gt; 2.4 or |θ| &gt; 12°) and the 500-step time limit. The state is kept in double, as
 * Gymnasium does, and observed as float32: [x, ẋ, θ, θ̇]. Reward 1 per step, the terminating step
 * included. Actions: 0 pushes left, 1 pushes right.
 */
public final class CartPole extends EpisodicEnv {
    private static final double GRAVITY = 9.8;
    private static final double MASS_CART = 1.0;
    private static final double MASS_POLE = 0.1;
    private static final double TOTAL_MASS = MASS_CART + MASS_POLE;
    private static final double HALF_LENGTH = 0.5;
    private static final double POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
    private static final double FORCE = 10.0;
    private static final double TAU = 0.02;
    private static final double THETA_LIMIT = 12 * 2 * Math.PI / 360;
    private static final double X_LIMIT = 2.4;
    public static final int MAX_STEPS = 500;

    private double x, xDot, theta, thetaDot;

    public CartPole() {
        super("CartPole-v1", 4, 2, MAX_STEPS, 50);  // 4 floats observed, 2 actions; 50 frames/s, as Gymnasium renders it
    }

    @Override
    protected void startEpisode(MemorySegment obs) {
        x = uniform();
        xDot = uniform();
        theta = uniform();
        thetaDot = uniform();
        observe(obs);
    }

    private double uniform() {
        return rng.nextDouble(-0.05, 0.05);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        requireRunning();
        if (action != 0 && action != 1) throw new IllegalArgumentException("CartPole: action must be 0 or 1, got " + action);
        double force = action == 1 ? FORCE : -FORCE;
        double cos = Math.cos(theta);
        double sin = Math.sin(theta);
        double temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
        double thetaAcc = (GRAVITY * sin - cos * temp)
                / (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * cos * cos / TOTAL_MASS));
        double xAcc = temp - POLE_MASS_LENGTH * thetaAcc * cos / TOTAL_MASS;
        x += TAU * xDot;
        xDot += TAU * xAcc;
        theta += TAU * thetaDot;
        thetaDot += TAU * thetaAcc;

        endStep(result, 1.0, x < -X_LIMIT || x > X_LIMIT || theta < -THETA_LIMIT || theta > THETA_LIMIT);
        observe(obs);
    }

    private void observe(MemorySegment obs) {
        obs.setAtIndex(JAVA_FLOAT, 0, (float) x);
        obs.setAtIndex(JAVA_FLOAT, 1, (float) xDot);
        obs.setAtIndex(JAVA_FLOAT, 2, (float) theta);
        obs.setAtIndex(JAVA_FLOAT, 3, (float) thetaDot);
    }

    /** The cart on its track, the pole at θ (positive leans right), as Gymnasium draws it. */
    @Override
    public BufferedImage render() {
        int width = 480, height = 320;
        return Drawing.picture(width, height, g -> {
            double scale = width / (2 * X_LIMIT);  // pixels per metre: the track spans the picture
            double trackY = height * 0.7;
            double cartW = 50, cartH = 30;
            double cartX = x * scale + width / 2.0;
            g.setColor(Color.BLACK);
            g.drawLine(0, (int) trackY, width, (int) trackY);
            g.fill(new Rectangle2D.Double(cartX - cartW / 2, trackY - cartH / 2, cartW, cartH));
            double poleLen = scale * 2 * HALF_LENGTH, poleW = 10;
            double axleY = trackY - cartH / 4;
            var saved = g.getTransform();
            g.translate(cartX, axleY);
            g.rotate(theta);
            g.setColor(new Color(202, 152, 101));
            g.fill(new Rectangle2D.Double(-poleW / 2, -poleLen, poleW, poleLen));
            g.setTransform(saved);
            g.setColor(new Color(129, 132, 203));
            g.fill(new Ellipse2D.Double(cartX - poleW / 2, axleY - poleW / 2, poleW, poleW));
        });
    }
}
