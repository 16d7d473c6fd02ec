package dev.asyncrl.examples;

import dev.asyncrl.api.Policy;
import dev.asyncrl.api.StepResult;
import dev.asyncrl.api.Training;
import dev.asyncrl.api.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Trains A3C on {@link GridWorld} through the asyncrl API (2 threads, 80,000 steps: seconds), plays
 * 200 episodes with the greedy policy and 200 with random actions, exports the policy to ONNX and
 * prints one result line. Arguments: the ONNX file to write, the seed (default 1), the kernel
 * (default auto: the fastest native kernel that loads, else the pure-Java one).
 */
public final class TrainGridWorld {
    public static void main(String[] args) throws Exception {
        Path onnx = Path.of(args.length > 0 ? args[0] : "gridworld.onnx");
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        String kernel = args.length > 2 ? args[2] : "auto";

        try (TrainingResult result = Training.a3c()
                .environment(GridWorld::new)            // one instance per actor-learner thread
                .threads(2).steps(80_000).seed(seed).kernel(kernel)
                .hidden(32).lr(3e-3).gamma(0.95)        // the rest: the paper's values
                .reportEvery(20_000)
                .listener(row -> System.out.printf(Locale.ROOT, "step %d: mean_return_100 %.3f (%.0f steps/s)%n",
                        row.globalStep(), row.meanReturn100(), row.stepsPerSecond()))
                .train()) {
            double greedy = meanReturn(200, seed, result.policy());
            double random = meanReturn(200, seed, null);
            Files.deleteIfExists(onnx);
            result.policy().exportOnnx(onnx);
            System.out.printf(Locale.ROOT, "RESULT steps=%d train_seconds=%.1f kernel=%s greedy_return=%.3f random_return=%.3f"
                    + " onnx=%s onnx_bytes=%d%n", result.steps(), result.wallSeconds(), result.kernel(), greedy, random, onnx,
                    Files.size(onnx));
        }
    }

    /** The mean return over {@code episodes} episodes, acting greedily with {@code policy}, or at random where it is null. */
    static double meanReturn(int episodes, long seed, Policy policy) {
        GridWorld env = new GridWorld();
        SplittableRandom random = new SplittableRandom(seed);
        float[] obs = new float[env.observationSize()];
        StepResult step = new StepResult();
        double total = 0;
        for (int e = 0; e < episodes; e++) {
            env.reset(seed * 1000 + e, obs);
            if (policy != null) policy.reset();       // an LSTM policy starts each episode afresh
            for (int t = 0; t < env.maxEpisodeSteps(); t++) {
                env.step(policy != null ? policy.act(obs) : random.nextInt(env.actionCount()), obs, step);
                total += step.reward;
                if (step.terminated) break;
            }
        }
        return total / episodes;
    }
}
