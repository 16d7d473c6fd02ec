package dev.asyncrl.env.mujoco;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import dev.asyncrl.mujoco.Layout;
import java.lang.foreign.MemorySegment;

/**
 * Reacher-v4: a two-link arm (0.1 m links, the fingertip 0.11 m past the elbow) in the horizontal
 * plane, two motors (control in [−1, 1], gear 200), and a target held by two slide joints. Two steps
 * of 0.01 s per action; 50 steps, never terminates. Observation (11): cos and sin of the two joint
 * angles, the target's position, the joints' velocities, fingertip − target (x, y, z). Reward, as
 * v4 computes it, from the state before the action: −|fingertip − target| − Σ a². Starts at qpos0
 * + U(−0.1, 0.1), the target drawn uniformly in the disc of radius 0.2, joint velocities
 * U(−0.005, 0.005), the target at rest.
 */
public final class Reacher extends MujocoEnv {
    static final String MJCF = """
            <mujoco model="reacher">
              <compiler angle="radian" inertiafromgeom="true" autolimits="true"/>
              <option timestep="0.01" integrator="RK4" gravity="0 0 -9.81"/>
              <default>
                <joint armature="1" damping="1"/>
                <geom contype="0" conaffinity="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
              </default>
              <worldbody>
                <geom name="arena" type="plane" pos="0 0 0" size="1 1 10" rgba="0.9 0.9 0.9 1"/>
                <geom name="root" type="cylinder" fromto="0 0 0 0 0 0.02" size="0.011" rgba="0.9 0.4 0.6 1"/>
                <body name="upper" pos="0 0 0.01">
                  <joint name="shoulder" type="hinge" axis="0 0 1"/>
                  <geom name="upper" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0 0.4 0.6 1"/>
                  <body name="lower" pos="0.1 0 0">
                    <joint name="elbow" type="hinge" axis="0 0 1" range="-3 3"/>
                    <geom name="lower" type="capsule" fromto="0 0 0 0.1 0 0" size="0.01" rgba="0 0.4 0.6 1"/>
                    <body name="fingertip" pos="0.11 0 0">
                      <geom name="fingertip" type="sphere" size="0.01" rgba="0 0.8 0.6 1"/>
                    </body>
                  </body>
                </body>
                <body name="target" pos="0 0 0.01">
                  <joint name="target_x" type="slide" axis="1 0 0" range="-0.27 0.27" armature="0" damping="0"/>
                  <joint name="target_y" type="slide" axis="0 1 0" range="-0.27 0.27" armature="0" damping="0"/>
                  <geom name="target" type="sphere" size="0.009" rgba="0.9 0.2 0.2 1"/>
                </body>
              </worldbody>
              <actuator>
                <motor name="shoulder" joint="shoulder" gear="200" ctrlrange="-1 1"/>
                <motor name="elbow" joint="elbow" gear="200" ctrlrange="-1 1"/>
              </actuator>
            </mujoco>
            """;

    private final int fingertip, target;
    private double rewardBefore;

    public Reacher() {
        super("Reacher-v4", shared("reacher", MJCF), 11, 2, 50);
        fingertip = model.id(Layout.OBJ_BODY, "fingertip");
        target = model.id(Layout.OBJ_BODY, "target");
    }

    private double gap(int k) {
        return data.xpos.getAtIndex(JAVA_DOUBLE, fingertip * 3L + k) - data.xpos.getAtIndex(JAVA_DOUBLE, target * 3L + k);
    }

    @Override
    public String mjcf() {
        return MJCF;
    }

    @Override
    protected void randomizeState() {
        for (int i = 0; i < 2; i++) data.qpos.setAtIndex(JAVA_DOUBLE, i, model.qpos0(i) + rng.nextDouble(-0.1, 0.1));
        double gx, gy;
        do {
            gx = rng.nextDouble(-0.2, 0.2);
            gy = rng.nextDouble(-0.2, 0.2);
        } while (Math.hypot(gx, gy) >= 0.2);
        data.qpos.setAtIndex(JAVA_DOUBLE, 2, gx);
        data.qpos.setAtIndex(JAVA_DOUBLE, 3, gy);
        for (int i = 0; i < 2; i++) data.qvel.setAtIndex(JAVA_DOUBLE, i, rng.nextDouble(-0.005, 0.005));
        data.qvel.setAtIndex(JAVA_DOUBLE, 2, 0);
        data.qvel.setAtIndex(JAVA_DOUBLE, 3, 0);
    }

    @Override
    protected void beforeStep() {
        double dx = gap(0), dy = gap(1), dz = gap(2);
        rewardBefore = -Math.sqrt(dx * dx + dy * dy + dz * dz) - actionSquared();
    }

    @Override
    protected double reward() {
        return rewardBefore;
    }

    @Override
    protected boolean terminated() {
        return false;
    }

    @Override
    protected void observe(MemorySegment obs) {
        put(obs, 0, Math.cos(data.qpos(0)));
        put(obs, 1, Math.cos(data.qpos(1)));
        put(obs, 2, Math.sin(data.qpos(0)));
        put(obs, 3, Math.sin(data.qpos(1)));
        put(obs, 4, data.qpos(2));
        put(obs, 5, data.qpos(3));
        put(obs, 6, data.qvel(0));
        put(obs, 7, data.qvel(1));
        for (int k = 0; k < 3; k++) put(obs, 8 + k, gap(k));
    }

    @Override
    protected boolean topView() {
        return true;
    }

    @Override
    protected double viewRadius() {
        return 0.28;
    }

    @Override
    protected double[] viewCentre() {
        return new double[] {0, 0};
    }
}
