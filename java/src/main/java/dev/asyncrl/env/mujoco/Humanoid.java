package dev.asyncrl.env.mujoco;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import dev.asyncrl.mujoco.Model;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Humanoid, with Gymnasium v4's rules on Debian's MuJoCo humanoid ({@code libmujoco-samples}:
 * /usr/share/mujoco/model/humanoid/humanoid.xml, the DeepMind Control Suite's body: 21 motors with
 * control in [−1, 1], 27 degrees of freedom, a free root joint, 0.005 s steps). Five steps per
 * action (0.025 s; Gymnasium's own model steps 0.003 s); truncated at 1000 steps. Observation:
 * qpos without the root's x and y, qvel, and for every body but the world its com-based inertia (10),
 * velocity (6) and external force (6), and the actuator forces of the non-root joints, as v4 orders
 * them: qpos[2:], qvel, cinert[1:], cvel[1:], qfrc_actuator[6:], cfrc_ext[1:]. Reward: 5 for being
 * healthy + 1.25 × the centre of mass's forward speed − 0.1·Σ a² (v4 leaves the contact cost out);
 * healthy while the root's height is in (1, 2), and the episode terminates when it is not. Starts at
 * qpos0 and zero velocity, each with U(−0.01, 0.01) added.
 */
public final class Humanoid extends MujocoEnv {
    /** Where Debian's libmujoco-samples puts the model. */
    public static final Path MODEL = Path.of("/usr/share/mujoco/model/humanoid/humanoid.xml");

    private double comBefore;

    public Humanoid() {
        this(loadModel());
    }

    private Humanoid(Model m) {
        super("Humanoid-v4", m, (m.nq - 2) + m.nv + (m.nbody - 1) * 22 + (m.nv - 6), 5, 1000);
    }

    private static Model loadModel() {
        if (!Files.isRegularFile(MODEL)) {
            throw new IllegalArgumentException("mujoco-humanoid needs Debian's humanoid model " + MODEL
                    + ": install libmujoco-samples (apt-get install libmujoco-samples)");
        }
        return sharedFile(MODEL);
    }

    @Override
    protected void randomizeState() {
        uniformNoise(0.01, 0.01);
    }

    private double centreOfMassX() {
        double m = 0, mx = 0;
        for (int b = 1; b < model.nbody; b++) {
            double mass = model.bodyMass(b);
            m += mass;
            mx += mass * data.xipos.getAtIndex(JAVA_DOUBLE, b * 3L);
        }
        return mx / m;
    }

    @Override
    protected void beforeStep() {
        comBefore = centreOfMassX();
    }

    @Override
    protected double reward() {
        return 5.0 + 1.25 * (centreOfMassX() - comBefore) / dt - 0.1 * actionSquared();
    }

    @Override
    protected boolean terminated() {
        double z = data.qpos(2);
        return !(z > 1.0 && z < 2.0);
    }

    @Override
    protected void observe(MemorySegment obs) {
        int o = 0;
        for (int i = 2; i < model.nq; i++) put(obs, o++, data.qpos(i));
        for (int i = 0; i < model.nv; i++) put(obs, o++, data.qvel(i));
        for (long i = 10; i < model.nbody * 10L; i++) put(obs, o++, data.cinert.getAtIndex(JAVA_DOUBLE, i));
        for (long i = 6; i < model.nbody * 6L; i++) put(obs, o++, data.cvel.getAtIndex(JAVA_DOUBLE, i));
        for (int i = 6; i < model.nv; i++) put(obs, o++, data.qfrcActuator.getAtIndex(JAVA_DOUBLE, i));
        for (long i = 6; i < model.nbody * 6L; i++) put(obs, o++, data.cfrcExt.getAtIndex(JAVA_DOUBLE, i));
    }

    @Override
    protected double viewRadius() {
        return 1.5;
    }

    @Override
    protected double[] viewCentre() {
        return new double[] {data.xpos.getAtIndex(JAVA_DOUBLE, 3), 1.0};
    }
}
