package dev.asyncrl.bench;

import dev.asyncrl.algo.ActorLearner;
import dev.asyncrl.algo.Algorithm;
import dev.asyncrl.algo.Hyperparameters;
import dev.asyncrl.algo.TrainingContext;
import dev.asyncrl.env.CartPole;
import dev.asyncrl.env.Env;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.run.Kernels;
import dev.asyncrl.run.Preset;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Does the hot loop (act, step, update) allocate once warm, per environment step, for each method?
 * One op is one segment of up to t_max = 5 steps in each of K CartPole environments (K = 1, or 16
 * stepped in lock-step with K-row forwards) with the preset's 64,64 network (an episode's end cuts
 * it short): forwards, action choice, environment steps, the targets (θ⁻
 * forwards for the Q methods), the loss, the backward, clipping, the Shared RMSProp update and the
 * update telemetry. The {@code steps} counter counts environment steps, so JMH reports it as time
 * per step beside the time per segment. Run it with {@code -prof gc}: bytes per environment step =
 * gc.alloc.rate.norm (bytes per op) × (µs per step ÷ µs per op), i.e. ÷ steps per op. Below one
 * object's 16 bytes per op means nothing is allocated per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class HotLoopBench {

    @Param({"reference", "java"})
    public String kernel;

    @Param({"a3c", "nstep-q", "onestep-q", "onestep-sarsa"})
    public String algo;

    /** Environments per thread (--envs-per-thread): one op is then one segment of up to K·t_max steps. */
    @Param({"1", "16"})
    public int envs;

    private Kernel k;
    private SharedParams shared;
    private Arena arena;
    private ActorLearner.Segments learner;

    @Setup(Level.Trial)
    public void setup() {
        Preset p = Preset.CARTPOLE;
        k = Kernels.open(kernel);
        CartPole env = new CartPole();
        boolean q = !algo.equals("a3c");
        Mlp net = q ? Mlp.qNetwork(env.observationSize(), env.actionCount(), p.hp().hidden(), p.hp().activation())
                : Mlp.actorCritic(env.observationSize(), env.actionCount(), p.hp().hidden(), p.hp().activation());
        shared = new SharedParams(net.layout(), q);
        net.initialize(shared.theta(), 1);
        if (q) k.copy(shared.target(), shared.theta(), net.layout().size());
        TrainingContext ctx = new TrainingContext(k, shared, Long.MAX_VALUE, Double.NaN, Long.MAX_VALUE);
        Hyperparameters hp = p.hp().withLrSchedule(Hyperparameters.LrSchedule.CONSTANT).withEnvsPerThread(envs);
        arena = Arena.ofShared();
        List<Env> own = new ArrayList<>(List.of(env));
        while (own.size() < envs) own.add(new CartPole());
        learner = Algorithm.parse(algo).worker(ctx, net, hp, own, 1, 0).learner(arena);
    }

    /** Environment steps taken; JMH reports them like ops (here: µs per step). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Steps {
        public long steps;

        @Setup(Level.Iteration)
        public void reset() {
            steps = 0;
        }
    }

    @Benchmark
    public int segment(Steps s) {
        int t = learner.segment();
        s.steps += t;
        return t;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
        shared.close();
        k.close();
    }
}
