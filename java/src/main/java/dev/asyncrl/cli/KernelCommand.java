package dev.asyncrl.cli;

import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.kernel.Kernel;
import dev.asyncrl.run.Kernels;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code asyncrl kernel check NAME|PATH}: the conformance suite a kernel author runs
 * ({@link KernelConformance}), printed as a table of op, check, result, max error and bound. Exit
 * 0 when every row passes, 1 when any fails, 2 when the kernel cannot be loaded (an unknown name,
 * a file that is not a shared library, another contract version, a missing function).
 */
@Command(name = "kernel", description = "Kernel tools: asyncrl kernel check NAME|PATH.",
        subcommands = {KernelCommand.Check.class})
public final class KernelCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: check (see asyncrl kernel --help)");
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check a kernel against the contract (kernel.h): every op against the Java kernel on random shapes, "
                    + "finite-difference gradients of every backward, and the statuses of bad sizes and non-finite input.",
                    "Exit 0 all pass, 1 any failure, 2 a kernel that cannot be loaded."})
    static final class Check implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "NAME|PATH",
                description = "java, a built-in kernel (reference, blas, simd, auto) or the path of a kernel .so")
        String kernelSpec;

        @Option(names = "--seed", defaultValue = "1", description = "Seed of the random shapes and inputs (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--failures-only", description = "Print only the rows that fail (and the summary).")
        boolean failuresOnly;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Kernel kernel = Kernels.open(kernelSpec);
                 Kernel raw = kernel instanceof FfmKernel f ? f.reopenUnchecked() : null) {
                String where = kernel instanceof FfmKernel f ? " (" + f.path() + ")" : "";
                out.printf(Locale.ROOT, "kernel %s%s, contract version %d, seed %d%n", kernel.name(), where,
                        Kernel.CONTRACT_VERSION, seed);
                String format = "%-24s %-50s %-6s %-10s %-10s %s%n";
                out.printf(Locale.ROOT, format, "op", "check", "result", "max error", "bound", "");
                KernelConformance suite = new KernelConformance(kernel, raw != null ? raw : kernel, seed, r -> {
                    if (failuresOnly && r.pass()) return;
                    out.printf(Locale.ROOT, format, r.op(), r.check(), r.pass() ? "pass" : "FAIL", number(r.error()),
                            number(r.bound()), r.detail());
                    out.flush();
                });
                List<KernelConformance.Row> rows = suite.run();
                Set<String> failedOps = new LinkedHashSet<>();
                List<KernelConformance.Row> failed = new ArrayList<>();
                for (KernelConformance.Row r : rows) {
                    if (!r.pass()) {
                        failed.add(r);
                        failedOps.add(r.op());
                    }
                }
                if (failed.isEmpty()) {
                    out.printf(Locale.ROOT, "%d checks, all passed: %s conforms to kernel contract version %d%n",
                            rows.size(), kernel.name(), Kernel.CONTRACT_VERSION);
                    return 0;
                }
                out.printf(Locale.ROOT, "%d checks, %d failed, in %s%n", rows.size(), failed.size(), String.join(", ", failedOps));
                return Main.EXIT_FAILED;
            }
        }

        private static String number(double v) {
            return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2e", v);
        }
    }
}
