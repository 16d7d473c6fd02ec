package dev.asyncrl.run;

import static dev.asyncrl.run.ReaderFuzzing.requireClear;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * metrics.csv from arbitrary bytes (seed: the fixture run's own, rows at T = 1004, 2003, 3004), read
 * as --resume reads it: the rows up to the checkpoint's T are kept, the rest cut.
 */
class MetricsCsvFuzzTest {

    @TempDir
    static Path run;

    @FuzzTest(maxDuration = "10s")
    void fuzz(byte[] bytes) {
        ReaderFuzzing.write(run.resolve(RunDirectory.METRICS), bytes);
        try (RunDirectory dir = RunDirectory.resume(run, 2500)) {
            dir.earlierReports();
        } catch (IllegalArgumentException e) {
            requireClear(e);
        }
    }
}
