package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.asyncrl.env.Envs;
import dev.asyncrl.net.Mlp;
import dev.asyncrl.run.TrainConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code --env maze3d} resolves to the paper's A3C LSTM (conv 16 8×8/4 → conv 32 4×4/2 → FC 256 →
 * LSTM 256) on the 84×84 picture, {@code maze3d-small} to convolutions that give the same 32 maps
 * of 9×9 from 42×42, and a flag still overrides the preset ({@code --lstm 0}: feed-forward).
 */
class Maze3dPresetTest {

    private static TrainConfig resolve(String... args) {
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.resolve();
    }

    @Test
    void thePapersLstmNetOnBothSizes() {
        for (String env : List.of("maze3d", "maze3d-small")) {
            TrainConfig cfg = resolve("--env", env);
            assertEquals(256, cfg.lstm(), env);
            assertArrayEquals(new int[] {256}, cfg.hidden(), env);
            assertEquals(20, cfg.hp().tMax(), env);
            assertEquals(0.95, cfg.hp().gamma(), env);  // with 0.99 the greedy policies stuck to walls
            assertEquals(3e-4, cfg.hp().entropyBeta(), env);
            Mlp net = cfg.network(Envs.create(env));
            List<Mlp.Conv> convs = net.convs();
            assertEquals(2, convs.size(), env);
            assertEquals(20, convs.get(0).outHeight(), env);
            assertEquals(env.equals("maze3d") ? 8 : 4, convs.get(0).kernel(), env);
            Mlp.Conv last = convs.get(1);
            assertEquals(32, last.filters(), env);
            assertEquals(9, last.outHeight(), env);
            assertEquals(9, last.outWidth(), env);
            assertEquals(6, net.actions(), env);
        }
        assertEquals(0, resolve("--env", "maze3d", "--lstm", "0").lstm(), "a flag overrides the preset");
    }
}
