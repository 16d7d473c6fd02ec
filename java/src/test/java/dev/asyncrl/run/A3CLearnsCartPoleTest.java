package dev.asyncrl.run;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learning test: A3C with 2 Hogwild threads and the CartPole preset, seed 1, reaches
 * mean_return_100 ≥ 475 within 1M steps. Threads make the run nondeterministic; before this test
 * went in, the same command solved CartPole for seeds 1–10 within 200k–400k steps, so the budget
 * leaves a margin of more than 2x.
 */
class A3CLearnsCartPoleTest {

    @TempDir
    Path tmp;

    @Test
    void a3cSolvesCartPoleWithTwoThreads() throws Exception {
        JsonNode s = TrainRunTest.train(tmp.resolve("run"), "--steps", "1000000");
        double best = s.get("best_mean_return_100").asDouble();
        assertTrue(best >= 475, "best_mean_return_100 = " + best + " after " + s.get("steps") + " steps");
    }
}
