package dev.asyncrl.env.mujoco;

import java.lang.foreign.MemorySegment;

/**
 * HalfCheetah-v4: a planar two-legged runner (a 1 m torso and head, thigh, shin and foot on each
 * leg, 14 kg in all), six motors (control in [−1, 1]; gears 120, 90, 60, 120, 60, 30), sliding on
 * x and z and turning about y at its root. Five steps of 0.01 s per action; never terminates,
 * truncated at 1000 steps. Observation (17): qpos without the root's x, then qvel. Reward: the
 * root's forward speed (Δx / dt) − 0.1·Σ a². Starts at qpos0 + U(−0.1, 0.1), velocities 0.1·N(0, 1).
 */
public final class HalfCheetah extends MujocoEnv {
    static final String MJCF = """
            <mujoco model="half-cheetah">
              <compiler angle="radian" inertiafromgeom="true" settotalmass="14" autolimits="true"/>
              <option timestep="0.01" gravity="0 0 -9.81"/>
              <default>
                <joint armature="0.1" damping="0.01" limited="true" stiffness="8" solimplimit="0 0.8 0.03" solreflimit="0.02 1"/>
                <geom contype="1" conaffinity="0" condim="3" friction="0.4 0.1 0.1" solimp="0 0.8 0.01" solref="0.02 1" rgba="0.8 0.6 0.4 1"/>
              </default>
              <worldbody>
                <geom name="floor" type="plane" size="40 40 40" conaffinity="1" condim="3" rgba="0.8 0.9 0.8 1"/>
                <body name="torso" pos="0 0 0.7">
                  <joint name="rootx" type="slide" axis="1 0 0" limited="false" armature="0" damping="0" stiffness="0"/>
                  <joint name="rootz" type="slide" axis="0 0 1" limited="false" armature="0" damping="0" stiffness="0"/>
                  <joint name="rooty" type="hinge" axis="0 1 0" limited="false" armature="0" damping="0" stiffness="0"/>
                  <geom name="torso" type="capsule" fromto="-0.5 0 0 0.5 0 0" size="0.046"/>
                  <geom name="head" type="capsule" pos="0.6 0 0.1" axisangle="0 1 0 0.87" size="0.046 0.15"/>
                  <body name="bthigh" pos="-0.5 0 0">
                    <joint name="bthigh" type="hinge" axis="0 1 0" range="-0.52 1.05" stiffness="240" damping="6"/>
                    <geom type="capsule" pos="0.1 0 -0.13" axisangle="0 1 0 -3.8" size="0.046 0.145"/>
                    <body name="bshin" pos="0.16 0 -0.25">
                      <joint name="bshin" type="hinge" axis="0 1 0" range="-0.785 0.785" stiffness="180" damping="4.5"/>
                      <geom type="capsule" pos="-0.14 0 -0.07" axisangle="0 1 0 -2.03" size="0.046 0.15" rgba="0.9 0.6 0.6 1"/>
                      <body name="bfoot" pos="-0.28 0 -0.14">
                        <joint name="bfoot" type="hinge" axis="0 1 0" range="-0.4 0.785" stiffness="120" damping="3"/>
                        <geom type="capsule" pos="0.03 0 -0.097" axisangle="0 1 0 -0.27" size="0.046 0.094" rgba="0.9 0.6 0.6 1"/>
                      </body>
                    </body>
                  </body>
                  <body name="fthigh" pos="0.5 0 0">
                    <joint name="fthigh" type="hinge" axis="0 1 0" range="-1 0.7" stiffness="180" damping="4.5"/>
                    <geom type="capsule" pos="-0.07 0 -0.12" axisangle="0 1 0 0.52" size="0.046 0.133"/>
                    <body name="fshin" pos="-0.14 0 -0.24">
                      <joint name="fshin" type="hinge" axis="0 1 0" range="-1.2 0.87" stiffness="120" damping="3"/>
                      <geom type="capsule" pos="0.065 0 -0.09" axisangle="0 1 0 -0.6" size="0.046 0.106" rgba="0.9 0.6 0.6 1"/>
                      <body name="ffoot" pos="0.13 0 -0.18">
                        <joint name="ffoot" type="hinge" axis="0 1 0" range="-0.5 0.5" stiffness="60" damping="1.5"/>
                        <geom type="capsule" pos="0.045 0 -0.07" axisangle="0 1 0 -0.6" size="0.046 0.07" rgba="0.9 0.6 0.6 1"/>
                      </body>
                    </body>
                  </body>
                </body>
              </worldbody>
              <actuator>
                <motor joint="bthigh" gear="120" ctrlrange="-1 1"/>
                <motor joint="bshin" gear="90" ctrlrange="-1 1"/>
                <motor joint="bfoot" gear="60" ctrlrange="-1 1"/>
                <motor joint="fthigh" gear="120" ctrlrange="-1 1"/>
                <motor joint="fshin" gear="60" ctrlrange="-1 1"/>
                <motor joint="ffoot" gear="30" ctrlrange="-1 1"/>
              </actuator>
            </mujoco>
            """;

    private double xBefore;

    public HalfCheetah() {
        super("HalfCheetah-v4", shared("half-cheetah", MJCF), 17, 5, 1000);
    }

    @Override
    public String mjcf() {
        return MJCF;
    }

    @Override
    protected void randomizeState() {
        for (int i = 0; i < model.nq; i++) data.qpos.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, model.qpos0(i) + rng.nextDouble(-0.1, 0.1));
        for (int i = 0; i < model.nv; i++) data.qvel.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, 0.1 * gaussian());
    }

    @Override
    protected void beforeStep() {
        xBefore = data.qpos(0);
    }

    @Override
    protected double reward() {
        return (data.qpos(0) - xBefore) / dt - 0.1 * actionSquared();
    }

    @Override
    protected boolean terminated() {
        return false;
    }

    @Override
    protected void observe(MemorySegment obs) {
        for (int i = 1; i < model.nq; i++) put(obs, i - 1, data.qpos(i));
        for (int i = 0; i < model.nv; i++) put(obs, model.nq - 1 + i, data.qvel(i));
    }
}
