package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.asyncrl.env.Envs;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.run.TrainConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --preset paper-continuous} resolves to the paper's continuous-control net (200 ReLU → 128
 * LSTM, μ and σ² heads, a separate value net of the same shape) with the Pendulum values it was
 * measured with, and a flag still overrides it.
 */
class PaperContinuousPresetTest {

    private static TrainConfig resolve(String... args) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.resolve();
    }

    @Test
    void thePapersContinuousControlNet() {
        TrainConfig cfg = resolve("--env", "pendulum", "--preset", "paper-continuous");
        assertArrayEquals(new int[] {200}, cfg.hidden());
        assertEquals("relu", cfg.activation());
        assertEquals(128, cfg.lstm());
        assertEquals("separate", cfg.valueNet());
        assertEquals(1e-4, cfg.hp().entropyBeta());
        assertEquals(2e-4, cfg.hp().lr());
        assertEquals(0.01, cfg.hp().rewardScale());
        assertEquals(5, cfg.hp().tMax());
        assertEquals(2_000_000L, cfg.steps());
        Mlp net = cfg.network(Envs.create("pendulum"));
        assertEquals(338_883, net.layout().parameterCount());
        assertEquals("value_", net.torsoOf(net.heads().get(Mlp.GAUSS_VALUE)));

        assertEquals("shared", resolve("--env", "pendulum").valueNet(), "the pendulum preset keeps its shared torso");
        assertEquals("shared", resolve("--env", "pendulum", "--preset", "paper-continuous", "--value-net", "shared").valueNet());
    }
}
