package dev.asyncrl.cli;

import dev.asyncrl.kernel.KernelException;
import dev.asyncrl.kernel.KernelLoadException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command line: {@code asyncrl train|eval|export|sweep|bench|kernel ...} ({@code bench jmh} runs JMH). Exit codes: 0 success; 2 bad input (an
 * unknown flag or value, a kernel that cannot be loaded, a run directory that is taken), with one
 * line naming the problem; 1 a run that failed, with a message naming the cause.
 */
@Command(name = "asyncrl", mixinStandardHelpOptions = true, version = "asyncrl " + Main.VERSION,
        description = "Asynchronous deep reinforcement learning on CPUs (Mnih et al. 2016).",
        subcommands = {TrainCommand.class, NodeCommand.class, EvalCommand.class, ExportCommand.class, SweepCommand.class, BenchCommand.class, KernelCommand.class, SoakCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** asyncrl's version (pom.xml's, without -SNAPSHOT): --version prints it and exported models record it. */
    public static final String VERSION = "0.1.0";

    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: train, node, eval, export, sweep, bench or kernel (see asyncrl --help)");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line in-process; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        try {
            return commandLine(out, err).execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands only Exceptions to the handler below; an Error unwinds to here. The
            // allocation that failed is gone with the frames that asked for it, so printing works.
            err.println("asyncrl: out of memory (" + e.getMessage() + "): ask for less (a smaller network, fewer threads,"
                    + " runs or episodes) or give the JVM more with ASYNCRL_JAVA_OPTS=-Xmx<size>");
            trace(e, err);
            return EXIT_FAILED;
        } catch (StackOverflowError e) {
            err.println("asyncrl: internal error: stack overflow (set ASYNCRL_TRACE=1 for the stack trace)");
            trace(e, err);
            return EXIT_FAILED;
        }
    }

    /** The command line with its handlers (built inside run's try: building it allocates, and a tiny heap can fail there). */
    private static CommandLine commandLine(PrintWriter out, PrintWriter err) {
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
            err.println("asyncrl: " + describe(ex));
            trace(ex, err);
            return EXIT_FAILED;
        });
        return cl;
    }

    /**
     * One line for a failure: its message and its cause's, or the exception's kind where there is
     * no message (a bug, then: ASYNCRL_TRACE=1 prints the stack trace).
     */
    static String describe(Throwable ex) {
        if (ex instanceof UncheckedIOException u) ex = u.getCause();
        if (ex instanceof java.nio.file.AccessDeniedException a) return "permission denied: " + a.getFile();
        if (ex instanceof java.nio.file.NoSuchFileException n) return "no such file or directory: " + n.getFile();
        if (ex instanceof java.nio.file.FileAlreadyExistsException f) return f.getFile() + ": already exists";
        if (ex instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : ex.getClass().getSimpleName().replace("Exception", ""));
        }
        String m = ex.getMessage();
        Throwable cause = ex.getCause();
        if (m == null || m.isBlank()) {
            return "internal error: " + ex.getClass().getSimpleName() + (cause != null ? " caused by " + describe(cause) : "")
                    + " (set ASYNCRL_TRACE=1 for the stack trace)";
        }
        if (cause instanceof OutOfMemoryError oom && !m.contains("memory")) return m + " (out of memory: " + oom.getMessage() + ")";
        return m.replace('\n', ' ');
    }

    /** The stack trace, only where ASYNCRL_TRACE is set: bad input and failed runs are one line each. */
    private static void trace(Throwable ex, PrintWriter err) {
        String t = System.getenv("ASYNCRL_TRACE");
        if (t != null && !t.isEmpty() && !t.equals("0")) ex.printStackTrace(err);
    }
}
