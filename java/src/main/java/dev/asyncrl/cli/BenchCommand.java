package dev.asyncrl.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code asyncrl bench [JMH options] [REGEX]}: runs the JMH benchmarks built into asyncrl
 * (java/src/jmh/java). With no arguments it lists them; any argument is passed to JMH as is,
 * e.g. {@code asyncrl bench -prof gc DenseBench}.
 */
@Command(name = "bench", mixinStandardHelpOptions = false,
        description = "Run JMH benchmarks: asyncrl bench [JMH options] [REGEX]. No arguments lists them; -h shows JMH's options.")
public final class BenchCommand implements Callable<Integer> {

    // Every argument, options and their values alike, in the order given: JMH pairs an option
    // with the word after it, so they must not be split into options and positionals.
    @Unmatched
    List<String> jmhArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        List<String> args = new ArrayList<>(jmhArgs);
        if (args.isEmpty()) args.add("-l");
        org.openjdk.jmh.Main.main(args.toArray(String[]::new));
        return 0;
    }
}
