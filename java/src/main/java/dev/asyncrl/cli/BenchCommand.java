package dev.asyncrl.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code asyncrl bench [JMH options] [REGEX]}: runs the JMH benchmarks built into asyncrl
 * (java/src/jmh/java). With no arguments it lists them; any argument is passed to JMH as is,
 * e.g. {@code asyncrl bench -prof gc DenseBench}.
 */
@Command(name = "bench", mixinStandardHelpOptions = false,
        description = "Run JMH benchmarks: asyncrl bench [JMH options] [REGEX]. No arguments lists them; -h shows JMH's options.")
public final class BenchCommand implements Callable<Integer> {

    // Main sets unmatchedOptionsArePositionalParams on this command: every argument, options
    // included, arrives here in order and goes to JMH untouched.
    @Parameters(arity = "0..*", paramLabel = "JMH_ARGS", description = "JMH options and benchmark regexes.")
    List<String> jmhArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(jmhArgs);
        if (args.isEmpty()) args.add("-l");
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return 0;
    }
}
