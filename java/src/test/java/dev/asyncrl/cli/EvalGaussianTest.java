package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eval plays a trained Gaussian policy (its mean) on a continuous-action environment. */
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
        run("eval", "--run", runDir.toString(), "--episodes", "3", "--seed", "1", "--out", out.toString());
        JsonNode s = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertEquals(3, s.get("episodes").asInt());
        assertEquals(200.0, s.get("mean_episode_length").asDouble(), "Pendulum is truncated at 200");
        double mean = s.get("mean_return").asDouble();
        assertTrue(mean < 0 && mean >= -200 * 16.3, "a Pendulum return: " + mean);
    }
}
