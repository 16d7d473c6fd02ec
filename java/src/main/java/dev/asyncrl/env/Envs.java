package dev.asyncrl.env;

import dev.asyncrl.env.maze3d.Maze3d;
import dev.asyncrl.env.minatar.Asterix;
import dev.asyncrl.env.minatar.Breakout;
import dev.asyncrl.env.minatar.Freeway;
import dev.asyncrl.env.minatar.Seaquest;
import dev.asyncrl.env.minatar.SpaceInvaders;
import dev.asyncrl.env.mujoco.HalfCheetah;
import dev.asyncrl.env.mujoco.Hopper;
import dev.asyncrl.env.mujoco.Humanoid;
import dev.asyncrl.env.mujoco.InvertedDoublePendulum;
import dev.asyncrl.env.mujoco.InvertedPendulum;
import dev.asyncrl.env.mujoco.Reacher;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** The built-in environments by their command-line name. */
public final class Envs {
    private Envs() {}

    private static final Map<String, Supplier<Env>> ENVS = new LinkedHashMap<>();

    static {
        ENVS.put("cartpole", CartPole::new);
        ENVS.put("acrobot", Acrobot::new);
        ENVS.put("mountaincar", MountainCar::new);
        ENVS.put("pendulum", Pendulum::new);
        ENVS.put("tmaze", TMaze::new);
        // MinAtar: all six actions, as the paper (the reference's "-v0" ids) ...
        ENVS.put("minatar-asterix", () -> new Asterix(false));
        ENVS.put("minatar-breakout", () -> new Breakout(false));
        ENVS.put("minatar-freeway", () -> new Freeway(false));
        ENVS.put("minatar-seaquest", () -> new Seaquest(false));
        ENVS.put("minatar-space-invaders", () -> new SpaceInvaders(false));
        // ... and each game's minimal action set (the "-v1" ids; Seaquest's is all six).
        ENVS.put("minatar-asterix-minimal", () -> new Asterix(true));
        ENVS.put("minatar-breakout-minimal", () -> new Breakout(true));
        ENVS.put("minatar-freeway-minimal", () -> new Freeway(true));
        ENVS.put("minatar-seaquest-minimal", () -> new Seaquest(true));
        ENVS.put("minatar-space-invaders-minimal", () -> new SpaceInvaders(true));
        // MuJoCo (Debian's libmujoco2.2.2 through FFM), Gymnasium's v4 rules
        ENVS.put("mujoco-inverted-pendulum", InvertedPendulum::new);
        ENVS.put("mujoco-inverted-double-pendulum", InvertedDoublePendulum::new);
        ENVS.put("mujoco-reacher", Reacher::new);
        ENVS.put("mujoco-half-cheetah", HalfCheetah::new);
        ENVS.put("mujoco-hopper", Hopper::new);
        ENVS.put("mujoco-humanoid", Humanoid::new);
        // A Labyrinth-like 3D maze from RGB pixels: the paper's 84×84 view, and 42×42 for speed.
        ENVS.put("maze3d", () -> new Maze3d(Maze3d.DEFAULT_SIZE));
        ENVS.put("maze3d-small", () -> new Maze3d(Maze3d.SMALL_SIZE));
    }

    /**
     * Adds an environment under {@code name}, for tests and for programs that embed asyncrl;
     * refuses a name that is taken. Call it before any run starts, from one thread.
     */
    public static void register(String name, Supplier<Env> supplier) {
        if (ENVS.containsKey(name)) throw new IllegalArgumentException("env '" + name + "' is registered already");
        ENVS.put(name, supplier);
    }

    public static boolean exists(String name) {
        return ENVS.containsKey(name);
    }

    public static Iterable<String> names() {
        return ENVS.keySet();
    }

    /** A new instance, for one thread. */
    public static Env create(String name) {
        Supplier<Env> s = ENVS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown env '" + name + "' (known: " + String.join(", ", ENVS.keySet()) + ")");
        }
        return s.get();
    }
}
