package dev.asyncrl.run;

import static dev.asyncrl.run.ReaderFuzzing.requireClear;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * config.json from arbitrary bytes (seed: the fixture run's own): read as eval --run reads it (the
 * network it describes, beside the fixture's params.f32), and as a resumed run reads its recorded
 * configuration (TrainConfig.fromJson, once the text is JSON at all).
 */
class ConfigJsonFuzzTest {

    @TempDir
    static Path run;

    @BeforeAll
    static void fixture() {
        ReaderFuzzing.copyFixture(RunDirectory.PARAMS, run);
    }

    @FuzzTest(maxDuration = "10s")
    void fuzz(byte[] bytes) {
        ReaderFuzzing.write(run.resolve(RunDirectory.CONFIG), bytes);
        try (TrainedPolicy policy = TrainedPolicy.load(run)) {
            policy.algo();
        } catch (IllegalArgumentException e) {
            requireClear(e);
        }
        JsonNode json;
        try {
            json = Checkpoint.JSON.readTree(bytes);
        } catch (IOException notJson) {  // what reading config.json reports as "cannot be read"
            return;
        }
        try {
            TrainConfig.fromJson(json, run);
        } catch (IllegalArgumentException e) {
            requireClear(e);
        }
    }
}
