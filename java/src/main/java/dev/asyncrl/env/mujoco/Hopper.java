package dev.asyncrl.env.mujoco;

import java.lang.foreign.MemorySegment;

/**
 * Hopper-v4: a planar one-legged hopper (torso, thigh, leg and foot capsules), three motors
 * (control in [−1, 1], gear 200), sliding on x and z and turning about y at its root (the torso's
 * height z is qpos[1]). Four steps of 0.002 s (RK4) per action; truncated at 1000 steps. Observation
 * (11): qpos without x, then qvel clipped to ±10. Reward: 1 for being healthy + forward speed
 * (Δx / dt) − 0.001·Σ a². Healthy while z > 0.7, |angle| < 0.2 and every entry of qpos[2:] and qvel
 * is within ±100; the episode terminates when it is not. Starts at qpos0 and zero velocity, each
 * with U(−0.005, 0.005) added.
 */
public final class Hopper extends MujocoEnv {
    static final String MJCF = """
            <mujoco model="hopper">
              <compiler angle="degree" inertiafromgeom="true" autolimits="true"/>
              <option timestep="0.002" integrator="RK4" gravity="0 0 -9.81"/>
              <default>
                <joint armature="1" damping="1" limited="true"/>
                <geom contype="1" conaffinity="1" condim="1" margin="0.001" friction="0.8 0.1 0.1" solimp="0.8 0.8 0.01" solref="0.02 1" rgba="0.8 0.6 0.4 1"/>
              </default>
              <worldbody>
                <geom name="floor" type="plane" size="20 20 0.125" conaffinity="1" condim="3" friction="0.9 0.1 0.1" rgba="0.8 0.9 0.8 1"/>
                <body name="torso" pos="0 0 1.25">
                  <joint name="rootx" type="slide" axis="1 0 0" limited="false" armature="0" damping="0" stiffness="0"/>
                  <joint name="rootz" type="slide" axis="0 0 1" ref="1.25" limited="false" armature="0" damping="0" stiffness="0"/>
                  <joint name="rooty" type="hinge" axis="0 1 0" limited="false" armature="0" damping="0" stiffness="0"/>
                  <geom name="torso" type="capsule" fromto="0 0 0.2 0 0 -0.2" size="0.05" friction="0.9 0.1 0.1"/>
                  <body name="thigh" pos="0 0 -0.2">
                    <joint name="thigh" type="hinge" axis="0 -1 0" range="-150 0"/>
                    <geom name="thigh" type="capsule" fromto="0 0 0 0 0 -0.45" size="0.05"/>
                    <body name="leg" pos="0 0 -0.45">
                      <joint name="leg" type="hinge" axis="0 -1 0" range="-150 0"/>
                      <geom name="leg" type="capsule" fromto="0 0 0 0 0 -0.5" size="0.04"/>
                      <body name="foot" pos="0 0 -0.5">
                        <joint name="foot" type="hinge" axis="0 -1 0" range="-45 45"/>
                        <geom name="foot" type="capsule" fromto="-0.13 0 0 0.26 0 0" size="0.06" friction="2 0.1 0.1"/>
                      </body>
                    </body>
                  </body>
                </body>
              </worldbody>
              <actuator>
                <motor joint="thigh" gear="200" ctrlrange="-1 1"/>
                <motor joint="leg" gear="200" ctrlrange="-1 1"/>
                <motor joint="foot" gear="200" ctrlrange="-1 1"/>
              </actuator>
            </mujoco>
            """;

    private double xBefore;

    public Hopper() {
        super("Hopper-v4", shared("hopper", MJCF), 11, 4, 1000);
    }

    @Override
    public String mjcf() {
        return MJCF;
    }

    @Override
    protected void randomizeState() {
        uniformNoise(0.005, 0.005);
    }

    @Override
    protected void beforeStep() {
        xBefore = data.qpos(0);
    }

    @Override
    protected double reward() {
        return 1.0 + (data.qpos(0) - xBefore) / dt - 1e-3 * actionSquared();
    }

    @Override
    protected boolean terminated() {
        for (int i = 2; i < model.nq; i++) if (!(Math.abs(data.qpos(i)) < 100)) return true;
        for (int i = 0; i < model.nv; i++) if (!(Math.abs(data.qvel(i)) < 100)) return true;
        return !(data.qpos(1) > 0.7 && Math.abs(data.qpos(2)) < 0.2);
    }

    @Override
    protected void observe(MemorySegment obs) {
        for (int i = 1; i < model.nq; i++) put(obs, i - 1, data.qpos(i));
        for (int i = 0; i < model.nv; i++) put(obs, model.nq - 1 + i, clip(data.qvel(i), -10, 10));
    }
}
