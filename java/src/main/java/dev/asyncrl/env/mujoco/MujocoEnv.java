package dev.asyncrl.env.mujoco;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.Drawing;
import dev.asyncrl.env.EpisodicEnv;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.mujoco.Data;
import dev.asyncrl.mujoco.Layout;
import dev.asyncrl.mujoco.Model;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A MuJoCo task with Gymnasium's v4 semantics: the action (one float per actuator) is clipped to
 * the actuators' control range and held for {@code frameSkip} calls of mj_step, then
 * mj_rnePostConstraint fills the contact forces, as Gymnasium's MujocoEnv does; the task computes
 * the reward, the termination and the observation from the state. The model is compiled once per
 * process and shared read-only by every thread's environment; each environment has its own mjData,
 * and stepping allocates nothing.
 *
 * <p>{@link #render()} projects every geom (capsules, spheres, boxes) onto a plane: the side view
 * (x, z) following the root, or the top view (x, y) for the reacher; Java2D, no OpenGL.
 */
public abstract class MujocoEnv extends EpisodicEnv {
    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();

    protected final Model model;
    protected final Data data;
    private final int frameSkip;
    /** Seconds of simulation per agent step: frameSkip × the model's time step. */
    protected final double dt;
    private final float low, high;
    /** The clipped action of the current step, in double. */
    protected final double[] action;

    /**
     * @param id       Gymnasium's id, e.g. "InvertedPendulum-v4"
     * @param model    the compiled model ({@link #shared})
     * @param obsSize  floats in one observation
     * @param maxSteps the time limit (1000 for most tasks)
     */
    protected MujocoEnv(String id, Model model, int obsSize, int frameSkip, int maxSteps) {
        super(id, obsSize, 0, maxSteps, (int) Math.round(1.0 / (frameSkip * model.timestep)));
        this.model = model;
        this.data = new Data(model);
        this.frameSkip = frameSkip;
        this.dt = frameSkip * model.timestep;
        this.action = new double[model.nu];
        low = (float) model.ctrlRange(0, 0);
        high = (float) model.ctrlRange(0, 1);
        for (int i = 1; i < model.nu; i++) {
            if (model.ctrlRange(i, 0) != low || model.ctrlRange(i, 1) != high) {
                throw new IllegalStateException(id + ": actuators with different control ranges");
            }
        }
    }

    /** The model {@code name} compiled from {@code mjcf} once per process (MJCF text written in this package). */
    protected static Model shared(String name, String mjcf) {
        return MODELS.computeIfAbsent(name, n -> Model.loadString(n, mjcf));
    }

    /** The compiled model, shared by every environment of this task. */
    public final Model model() {
        return model;
    }

    /** The MJCF text this task's model was compiled from; null for a model read from a file ({@link Humanoid}). */
    public String mjcf() {
        return null;
    }

    /** The model in the MJCF file {@code path}, compiled once per process. */
    protected static Model sharedFile(Path path) {
        return MODELS.computeIfAbsent(path.toString(), n -> Model.load(path));
    }

    @Override
    public final int actionDim() {
        return model.nu;
    }

    @Override
    public final float actionLow() {
        return low;
    }

    @Override
    public final float actionHigh() {
        return high;
    }

    @Override
    public final void step(int a, MemorySegment obs, StepResult result) {
        throw new IllegalStateException(id() + " has continuous actions: step(MemorySegment action, ...)");
    }

    @Override
    public final void step(MemorySegment act, MemorySegment obs, StepResult result) {
        requireRunning();
        for (int i = 0; i < model.nu; i++) {
            float a = act.getAtIndex(JAVA_FLOAT, i);
            if (!Float.isFinite(a)) throw new IllegalArgumentException(id() + ": action " + i + " must be finite, got " + a);
            action[i] = Math.min(Math.max(a, low), high);
            data.ctrl.setAtIndex(JAVA_DOUBLE, i, action[i]);
        }
        beforeStep();
        for (int k = 0; k < frameSkip; k++) data.step();
        data.rnePostConstraint();
        double reward = reward();
        boolean terminated = terminated();
        endStep(result, reward, terminated);
        observe(obs);
    }

    /** Σ a² of the clipped action. */
    protected final double actionSquared() {
        double s = 0;
        for (double a : action) s += a * a;
        return s;
    }

    /** Called after the controls are set, before the simulation advances (to remember positions). */
    protected void beforeStep() {}

    /** The reward of the step that just ran. */
    protected abstract double reward();

    /** Whether the state reached is terminal. */
    protected abstract boolean terminated();

    /** Writes the observation of the current state. */
    protected abstract void observe(MemorySegment obs);

    /**
     * Gymnasium's reset_model: mj_resetData, then qpos = qpos0 + U(−qposNoise, qposNoise) and qvel =
     * U(−qvelNoise, qvelNoise) (a task may override), mj_forward.
     */
    @Override
    protected void startEpisode(MemorySegment obs) {
        data.reset();
        randomizeState();
        data.forward();
        observe(obs);
    }

    /** Draws the start state into data.qpos and data.qvel (after mj_resetData). */
    protected abstract void randomizeState();

    protected final void uniformNoise(double qposNoise, double qvelNoise) {
        for (int i = 0; i < model.nq; i++) data.qpos.setAtIndex(JAVA_DOUBLE, i, model.qpos0(i) + rng.nextDouble(-qposNoise, qposNoise));
        for (int i = 0; i < model.nv; i++) data.qvel.setAtIndex(JAVA_DOUBLE, i, rng.nextDouble(-qvelNoise, qvelNoise));
    }

    /** A standard normal draw from the environment's stream (Box–Muller, one of the pair). */
    protected final double gaussian() {
        double u = 1.0 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }

    protected static void put(MemorySegment obs, int i, double v) {
        obs.setAtIndex(JAVA_FLOAT, i, (float) v);
    }

    protected static double clip(double v, double lo, double hi) {
        return Math.min(Math.max(v, lo), hi);
    }

    /** Whether the picture is the top view (x, y) rather than the side view (x, z). */
    protected boolean topView() {
        return false;
    }

    /** Half the width, in metres, of the region the picture shows. */
    protected double viewRadius() {
        return 2.0;
    }

    /** The point the picture centres on (x, and z or y): by default the first body's x and a fixed height. */
    protected double[] viewCentre() {
        return new double[] {data.xpos.getAtIndex(JAVA_DOUBLE, 3), topView() ? 0 : viewRadius() * 0.6};
    }

    @Override
    public BufferedImage render() {
        int w = 480, h = 480;
        double[] c = viewCentre();
        double scale = w / (2 * viewRadius());
        boolean top = topView();
        return Drawing.picture(w, h, g -> {
            g.setColor(new Color(235, 240, 245));
            g.fillRect(0, 0, w, h);
            if (!top) {   // the floor, with marks every metre so that motion shows
                double groundY = h / 2.0 + c[1] * scale;
                g.setColor(new Color(120, 130, 140));
                g.fillRect(0, (int) groundY, w, h);
                g.setColor(new Color(90, 100, 110));
                for (double x = Math.floor(c[0] - viewRadius()); x <= c[0] + viewRadius(); x += 1) {
                    double sx = w / 2.0 + (x - c[0]) * scale;
                    g.draw(new Line2D.Double(sx, groundY, sx, groundY + 10));
                }
            }
            for (int gi = 0; gi < model.ngeom; gi++) {
                int type = model.geomType(gi);
                if (type == Layout.GEOM_PLANE) continue;
                float alpha = model.geomRgba(gi, 3);
                if (alpha <= 0) continue;
                g.setColor(new Color(unit(model.geomRgba(gi, 0)), unit(model.geomRgba(gi, 1)), unit(model.geomRgba(gi, 2))));
                double px = data.geomXpos.getAtIndex(JAVA_DOUBLE, gi * 3L);
                double py = data.geomXpos.getAtIndex(JAVA_DOUBLE, gi * 3L + (top ? 1 : 2));
                double sx = w / 2.0 + (px - c[0]) * scale, sy = h / 2.0 - (py - c[1]) * scale;
                double r = model.geomSize(gi, 0) * scale;
                if (type == Layout.GEOM_CAPSULE || type == Layout.GEOM_CYLINDER) {
                    // the geom's axis is its frame's z: the third column of the row-major xmat
                    double half = model.geomSize(gi, 1);
                    double ax = data.geomXmat.getAtIndex(JAVA_DOUBLE, gi * 9L + 2) * half * scale;
                    double ay = data.geomXmat.getAtIndex(JAVA_DOUBLE, gi * 9L + (top ? 5 : 8)) * half * scale;
                    g.setStroke(new BasicStroke((float) Math.max(2, 2 * r), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                    g.draw(new Line2D.Double(sx - ax, sy + ay, sx + ax, sy - ay));
                } else if (type == Layout.GEOM_BOX) {
                    Path2D.Double p = new Path2D.Double();
                    int[][] corners = {{1, 1}, {1, -1}, {-1, -1}, {-1, 1}};
                    for (int k = 0; k < 4; k++) {
                        // the box's x and z half-extents (y for the top view) along its own axes
                        double[] v = new double[2];
                        for (int axis = 0; axis < 3; axis += 2) {
                            int a = top && axis == 2 ? 1 : axis;
                            double s = corners[k][axis == 0 ? 0 : 1] * model.geomSize(gi, a);
                            v[0] += data.geomXmat.getAtIndex(JAVA_DOUBLE, gi * 9L + a) * s;
                            v[1] += data.geomXmat.getAtIndex(JAVA_DOUBLE, gi * 9L + (top ? 3 : 6) + a) * s;
                        }
                        double qx = sx + v[0] * scale, qy = sy - v[1] * scale;
                        if (k == 0) p.moveTo(qx, qy);
                        else p.lineTo(qx, qy);
                    }
                    p.closePath();
                    g.fill(p);
                } else {
                    g.fill(new Ellipse2D.Double(sx - r, sy - r, 2 * r, 2 * r));
                }
            }
        });
    }

    private static float unit(float v) {
        return Math.min(Math.max(v, 0f), 1f);
    }
}
