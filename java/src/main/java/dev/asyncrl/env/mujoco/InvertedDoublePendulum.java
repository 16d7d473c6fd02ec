package dev.asyncrl.env.mujoco;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import dev.asyncrl.mujoco.Layout;
import java.lang.foreign.MemorySegment;

/**
 * InvertedDoublePendulum-v4: a cart on a rail (±1 m, control in [−1, 1], gear 500) carrying two
 * 0.6 m poles, one hinged on the other; a site marks the tip. Five steps of 0.01 s per action.
 * Observation (11): the cart's position, sin and cos of the two hinge angles, the three velocities
 * clipped to ±10, the three constraint forces clipped to ±10. Reward: 10 − (0.01·x² + (y − 2)²) −
 * (0.001·ω₁² + 0.005·ω₂²), with (x, y) the tip's position in the plane (its height y is at most 1.2,
 * so a step earns at most 9.36); terminates once the tip is at or below 1 m; truncated at 1000
 * steps. Starts at qpos0 + U(−0.1, 0.1) with velocities 0.1·N(0, 1).
 */
public final class InvertedDoublePendulum extends MujocoEnv {
    static final String MJCF = """
            <mujoco model="inverted-double-pendulum">
              <compiler inertiafromgeom="true" autolimits="true"/>
              <option timestep="0.01" integrator="RK4" gravity="0 0 -9.81"/>
              <default>
                <joint damping="0.05"/>
                <geom contype="0" conaffinity="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
              </default>
              <worldbody>
                <geom name="rail" type="capsule" fromto="-1 0 0 1 0 0" size="0.02" rgba="0.3 0.3 0.7 1"/>
                <body name="cart">
                  <joint name="slider" type="slide" axis="1 0 0" range="-1 1"/>
                  <geom name="cart" type="capsule" fromto="-0.1 0 0 0.1 0 0" size="0.1"/>
                  <body name="pole1">
                    <joint name="hinge1" type="hinge" axis="0 1 0"/>
                    <geom name="pole1" type="capsule" fromto="0 0 0 0 0 0.6" size="0.045" rgba="0 0.7 0.7 1"/>
                    <body name="pole2" pos="0 0 0.6">
                      <joint name="hinge2" type="hinge" axis="0 1 0"/>
                      <geom name="pole2" type="capsule" fromto="0 0 0 0 0 0.6" size="0.045" rgba="0 0.7 0.7 1"/>
                      <site name="tip" pos="0 0 0.6" size="0.01"/>
                    </body>
                  </body>
                </body>
              </worldbody>
              <actuator>
                <motor name="push" joint="slider" gear="500" ctrlrange="-1 1"/>
              </actuator>
            </mujoco>
            """;

    private final int tip;

    public InvertedDoublePendulum() {
        super("InvertedDoublePendulum-v4", shared("inverted-double-pendulum", MJCF), 11, 5, 1000);
        tip = model.id(Layout.OBJ_SITE, "tip");
    }

    @Override
    public String mjcf() {
        return MJCF;
    }

    @Override
    protected void randomizeState() {
        for (int i = 0; i < model.nq; i++) data.qpos.setAtIndex(JAVA_DOUBLE, i, model.qpos0(i) + rng.nextDouble(-0.1, 0.1));
        for (int i = 0; i < model.nv; i++) data.qvel.setAtIndex(JAVA_DOUBLE, i, 0.1 * gaussian());
    }

    private double tipX() {
        return data.siteXpos.getAtIndex(JAVA_DOUBLE, tip * 3L);
    }

    private double tipY() {
        return data.siteXpos.getAtIndex(JAVA_DOUBLE, tip * 3L + 2);
    }

    @Override
    protected double reward() {
        double x = tipX(), y = tipY();
        double dist = 0.01 * x * x + (y - 2) * (y - 2);
        double w1 = data.qvel(1), w2 = data.qvel(2);
        double vel = 1e-3 * w1 * w1 + 5e-3 * w2 * w2;
        return 10 - dist - vel;
    }

    @Override
    protected boolean terminated() {
        return tipY() <= 1;
    }

    @Override
    protected void observe(MemorySegment obs) {
        put(obs, 0, data.qpos(0));
        put(obs, 1, Math.sin(data.qpos(1)));
        put(obs, 2, Math.sin(data.qpos(2)));
        put(obs, 3, Math.cos(data.qpos(1)));
        put(obs, 4, Math.cos(data.qpos(2)));
        for (int i = 0; i < 3; i++) put(obs, 5 + i, clip(data.qvel(i), -10, 10));
        for (int i = 0; i < 3; i++) put(obs, 8 + i, clip(data.qfrcConstraint.getAtIndex(JAVA_DOUBLE, i), -10, 10));
    }

    @Override
    protected double viewRadius() {
        return 1.6;
    }

    @Override
    protected double[] viewCentre() {
        return new double[] {0, 0.6};
    }
}
