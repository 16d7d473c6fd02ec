package dev.asyncrl.run;

import static dev.asyncrl.run.ReaderFuzzing.requireClear;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * params.f32 from arbitrary bytes (seed: the fixture run's own), read as eval --run reads a run
 * directory from before checkpoints: beside a valid config.json, no checkpoint.
 */
class ParamsFileFuzzTest {

    @TempDir
    static Path run;

    @BeforeAll
    static void fixture() {
        ReaderFuzzing.copyFixture(RunDirectory.CONFIG, run);
    }

    @FuzzTest(maxDuration = "10s")
    void fuzz(byte[] bytes) {
        ReaderFuzzing.write(run.resolve(RunDirectory.PARAMS), bytes);
        try (TrainedPolicy policy = TrainedPolicy.load(run)) {
            policy.algo();
        } catch (IllegalArgumentException e) {
            requireClear(e);
        }
    }
}
