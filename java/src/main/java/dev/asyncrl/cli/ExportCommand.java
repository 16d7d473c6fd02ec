package dev.asyncrl.cli;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.Envs;
import dev.asyncrl.export.OnnxExport;
import dev.asyncrl.run.RunDirectory;
import dev.asyncrl.run.TrainedPolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code asyncrl export --run DIR --out FILE.onnx}: writes a finished run's network and trained
 * parameters as an ONNX model (see {@link OnnxExport} for the graph and its tensor names) that
 * {@code asyncrl eval --onnx} or any ONNX Runtime can play. The run is read as {@code eval --run}
 * reads it, with the same checks; an {@code --out} that exists is refused, nothing is overwritten.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write a finished run's policy as an ONNX model (opset 17) for ONNX Runtime.")
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "Run directory of a finished training (config.json and its trained parameters).")
    Path run;

    @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "The model file to write; one that exists is refused.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            throw new IllegalArgumentException("--out takes a FILE.onnx, got '" + out + "'");
        }
        if (Files.exists(out)) throw new IllegalArgumentException("--out " + out + " already exists; choose another name, nothing was overwritten");
        PrintWriter stdout = spec.commandLine().getOut();
        try (TrainedPolicy policy = TrainedPolicy.load(run)) {
            Env env = Envs.create(policy.envName());
            var metadata = OnnxExport.metadata(policy.algo(), policy.envName(), env, Main.VERSION);
            try {
                OnnxExport.write(policy.network(), policy.parameters(), metadata, out);
            } catch (IOException e) {
                // the message of Java's NoSuchFileException is the bare path of the temporary file
                try {
                    Files.deleteIfExists(out.resolveSibling(out.getFileName() + ".tmp"));
                } catch (IOException ignored) {
                    // where nothing could be written there is nothing to remove
                }
                throw new IllegalArgumentException("cannot write " + out + ": " + RunDirectory.reason(e) + "; nothing was written");
            }
            stdout.printf(Locale.ROOT, "exported the %s policy of %s (%s, %,d parameters) to %s (%,d bytes)%n", policy.algo(), run, env.id(),
                    policy.network().layout().parameterCount(), out, Files.size(out));
        }
        stdout.flush();
        return 0;
    }
}
