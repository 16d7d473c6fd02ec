package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.env.mujoco.MujocoEnv;
import dev.asyncrl.mujoco.Data;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The MuJoCo tasks' speed on one thread. {@code envStep}: one agent step under a uniform random
 * policy (the action clipped and set, frame-skip × mj_step, mj_rnePostConstraint, reward and
 * observation; a reset folded in where an episode ends). {@code mjStep}: one mj_step through FFM
 * with zero controls from the model's default state, restarted every 2,000 steps: the protocol of
 * MuJoCo's own {@code mujoco-testspeed MODEL 2000 1 0}, which java/results/mujoco-speed.sh runs on the
 * same models (this benchmark writes them to target/mujoco-models/) right after it, so that the two
 * rates come from one run and their ratio is the FFM binding's overhead per mj_step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class MujocoStepBench {

    @Param({"mujoco-inverted-pendulum", "mujoco-inverted-double-pendulum", "mujoco-reacher", "mujoco-half-cheetah",
        "mujoco-hopper", "mujoco-humanoid"})
    public String env;

    private Arena arena;
    private Env e;
    private Data raw;
    private MemorySegment obs, action;
    private int rawSteps;
    private final StepResult result = new StepResult();
    private final SplittableRandom policy = new SplittableRandom(1);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = Arena.ofConfined();
        e = Envs.create(env);
        obs = arena.allocate((long) e.observationSize() * Float.BYTES, 64);
        action = arena.allocate((long) e.actionDim() * Float.BYTES, 64);
        e.reset(1, obs);
        MujocoEnv m = (MujocoEnv) e;
        raw = new Data(m.model());
        String mjcf = m.mjcf();
        if (mjcf != null) {
            Path dir = Files.createDirectories(Path.of("target", "mujoco-models"));
            Files.writeString(dir.resolve(env + ".xml"), mjcf);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        raw.close();
        arena.close();
    }

    @Benchmark
    public double envStep() {
        for (int i = 0; i < e.actionDim(); i++) action.setAtIndex(JAVA_FLOAT, i, (float) policy.nextDouble(e.actionLow(), e.actionHigh()));
        e.step(action, obs, result);
        if (result.done()) e.reset(obs);
        return result.reward;
    }

    @Benchmark
    public double mjStep() {
        raw.step();
        if (++rawSteps == 2000) {
            rawSteps = 0;
            raw.reset();
        }
        return raw.time();
    }
}
