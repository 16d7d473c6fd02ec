package dev.asyncrl.env.mujoco;

import java.lang.foreign.MemorySegment;

/**
 * InvertedPendulum-v4: a cart on a rail (±1 m) pushed by one motor (control in [−3, 3], gear 100),
 * a 0.6 m pole hinged on it. Two simulation steps of 0.02 s (RK4) per action. Observation: the
 * cart's position, the pole's angle, their velocities. Reward 1 per step; the episode terminates
 * when the pole leans more than 0.2 rad or the state is not finite; truncated at 1000 steps. Starts
 * at qpos0 and zero velocity, each with U(−0.01, 0.01) added.
 */
public final class InvertedPendulum extends MujocoEnv {
    static final String MJCF = """
            <mujoco model="inverted-pendulum">
              <compiler inertiafromgeom="true" autolimits="true"/>
              <option timestep="0.02" integrator="RK4" gravity="0 0 -9.81"/>
              <default>
                <joint damping="1"/>
                <geom contype="0" conaffinity="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
              </default>
              <worldbody>
                <geom name="rail" type="capsule" fromto="-1 0 0 1 0 0" size="0.02" rgba="0.3 0.3 0.7 1"/>
                <body name="cart">
                  <joint name="slider" type="slide" axis="1 0 0" range="-1 1"/>
                  <geom name="cart" type="capsule" fromto="-0.1 0 0 0.1 0 0" size="0.1"/>
                  <body name="pole">
                    <joint name="hinge" type="hinge" axis="0 1 0" range="-90 90"/>
                    <geom name="pole" type="capsule" fromto="0 0 0 0.001 0 0.6" size="0.049" rgba="0 0.7 0.7 1"/>
                  </body>
                </body>
              </worldbody>
              <actuator>
                <motor name="push" joint="slider" gear="100" ctrlrange="-3 3"/>
              </actuator>
            </mujoco>
            """;

    public InvertedPendulum() {
        super("InvertedPendulum-v4", shared("inverted-pendulum", MJCF), 4, 2, 1000);
    }

    @Override
    public String mjcf() {
        return MJCF;
    }

    @Override
    protected void randomizeState() {
        uniformNoise(0.01, 0.01);
    }

    @Override
    protected double reward() {
        return 1.0;
    }

    @Override
    protected boolean terminated() {
        for (int i = 0; i < 2; i++) if (!Double.isFinite(data.qpos(i)) || !Double.isFinite(data.qvel(i))) return true;
        return Math.abs(data.qpos(1)) > 0.2;
    }

    @Override
    protected void observe(MemorySegment obs) {
        put(obs, 0, data.qpos(0));
        put(obs, 1, data.qpos(1));
        put(obs, 2, data.qvel(0));
        put(obs, 3, data.qvel(1));
    }

    @Override
    protected double viewRadius() {
        return 1.3;
    }

    @Override
    protected double[] viewCentre() {
        return new double[] {0, 0.3};
    }
}
