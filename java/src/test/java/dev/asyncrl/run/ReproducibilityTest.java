package dev.asyncrl.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.asyncrl.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * With one thread a run is a function of --seed: the same seed trains the same θ bit for bit
 * (every stream, the environment's included, comes from it), another seed another θ. With more
 * threads the scheduling makes runs differ, so only one thread is checked.
 */
class ReproducibilityTest {
    @TempDir
    Path tmp;

    private byte[] params(String name, String algo, String env, long seed) throws Exception {
        Path out = tmp.resolve(name);
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"train", "--algo", algo, "--env", env, "--threads", "1", "--seed", Long.toString(seed),
                "--steps", "20000", "--stop-return", "none", "--progress", "none", "--out", out.toString()},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, code, err.toString());
        return Files.readAllBytes(out.resolve(RunDirectory.PARAMS));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a3c:minatar-breakout", "onestep-sarsa:cartpole", "a3c:pendulum"})
    void oneThreadTrainsTheSameParametersFromTheSameSeed(String run) throws Exception {
        String algo = run.split(":")[0], env = run.split(":")[1];
        byte[] a = params("a", algo, env, 3), b = params("b", algo, env, 3), c = params("c", algo, env, 4);
        assertArrayEquals(a, b, "the same --seed trained different θ");
        assertFalse(Arrays.equals(a, c), "--seed 3 and --seed 4 trained the same θ");
    }
}
