package dev.asyncrl.export;

import static dev.asyncrl.run.ReaderFuzzing.requireClear;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.run.ReaderFuzzing;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * An .onnx file from arbitrary bytes (seed: the CartPole policy asyncrl export wrote), opened as
 * eval --onnx opens it for --env cartpole: ONNX Runtime loads it, then OnnxPolicy checks its
 * metadata, inputs and outputs against the environment.
 */
class OnnxModelFuzzTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void quietRuntime() {
        // The first call fixes the shared environment's log level: without this, ONNX Runtime
        // logs every malformed model it is given.
        OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
    }

    @FuzzTest(maxDuration = "10s")
    void fuzz(byte[] bytes) {
        Path model = dir.resolve("model.onnx");
        ReaderFuzzing.write(model, bytes);
        Env env = Envs.create("cartpole");
        try (OnnxPolicy policy = OnnxPolicy.open(model, "cartpole", env)) {
            policy.algo();
        } catch (IllegalArgumentException e) {
            requireClear(e);
        }
    }
}
