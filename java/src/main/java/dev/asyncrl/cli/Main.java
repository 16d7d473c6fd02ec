package dev.asyncrl.cli;

import dev.asyncrl.kernel.KernelException;
import dev.asyncrl.kernel.KernelLoadException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code asyncrl train|eval|export|sweep|bench|kernel ...} ({@code bench jmh} runs JMH). Exit codes: 0 success; 2 bad input (an
 * unknown flag or value, a kernel that cannot be loaded, a run directory that is taken), with one
 * line naming the problem; 1 a run that failed, with a message naming the cause.
 */
@Command(name = "asyncrl", mixinStandardHelpOptions = true, version = "asyncrl " + Main.VERSION,
        description = "Asynchronous deep reinforcement learning on CPUs (Mnih et al. 2016).",
        subcommands = {TrainCommand.class, EvalCommand.class, ExportCommand.class, SweepCommand.class, BenchCommand.class, KernelCommand.class, SoakCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** asyncrl's version (pom.xml's, without -SNAPSHOT): --version prints it and exported models record it. */
    public static final String VERSION = "0.1.0";

    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: train, eval, export, sweep, bench or kernel (see asyncrl --help)");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line in-process; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.getSubcommands().get("bench").getSubcommands().get("jmh").setUnmatchedOptionsArePositionalParams(true);
        cl.getSubcommands().get("sweep").setUnmatchedOptionsArePositionalParams(true);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            boolean bench = ex.getCommandLine().getCommandName().equals("bench") && ex instanceof CommandLine.UnmatchedArgumentException;
            err.println("asyncrl: " + ex.getMessage()
                    + (bench ? " (the JMH benchmarks moved to: asyncrl bench jmh [JMH options] [REGEX])" : ""));
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof KernelLoadException) {
                err.println("asyncrl: " + ex.getMessage());
                return EXIT_USAGE;
            }
            if (ex instanceof KernelException) {
                err.println("asyncrl: kernel error in " + ex.getMessage());
                return EXIT_FAILED;
            }
            err.println("asyncrl: " + ex.getMessage());
            if (ex.getCause() != null && !(ex.getCause() instanceof KernelException)) ex.getCause().printStackTrace(err);
            return EXIT_FAILED;
        });
        return cl.execute(args);
    }
}
