package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval plays a trained Gaussian policy by its mean μ on a continuous-action environment: the
 * returns are those of an independent {@link GreedyOracle} playing μ with the run's parameters.
 */
class EvalGaussianTest {

    @TempDir
    Path tmp;

    private static int run(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        return code;
    }

    @Test
    void aTrainedPendulumPolicyIsEvaluated() throws Exception {
        Path runDir = tmp.resolve("run");
        run("train", "--env", "pendulum", "--threads", "1", "--steps", "5000", "--out", runDir.toString(), "--progress", "none");
        Path out = tmp.resolve("eval");
        run("eval", "--run", runDir.toString(), "--episodes", "3", "--seed", "1", "--kernel", "java", "--out", out.toString());
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(200.0, s.get("mean_episode_length").asDouble(), "Pendulum is truncated at 200");
        // the torques played are μ itself, not a draw around it: the oracle's episodes to the last digit
        EvalCommandTest.assertSameEpisodes(new GreedyOracle(runDir).play("pendulum", 1, 3), s);
    }
}
