package dev.asyncrl.bench;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.StepResult;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * How many steps a second does one thread get from an environment alone, under a uniform random
 * policy, with no network? One op is one step (a reset folded in where an episode ends), the
 * observation written into an off-heap segment as training does. The 3D mazes render a picture
 * every step, so they are set beside a MinAtar game and CartPole in the same run: what matters is
 * the ratio, and how much of a training step's time the environment takes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1)
public class EnvStepBench {

    @Param({"maze3d", "maze3d-small", "minatar-breakout", "cartpole"})
    public String env;

    private Arena arena;
    private Env e;
    private MemorySegment obs;
    private final StepResult result = new StepResult();
    private final SplittableRandom policy = new SplittableRandom(1);

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofConfined();
        e = Envs.create(env);
        obs = arena.allocate((long) e.observationSize() * Float.BYTES, 64);
        e.reset(1, obs);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public double step() {
        e.step(policy.nextInt(e.actionCount()), obs, result);
        if (result.done()) e.reset(obs);
        return result.reward;
    }
}
