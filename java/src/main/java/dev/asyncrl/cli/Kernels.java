package dev.asyncrl.cli;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;

/**
 * Chooses a kernel for a run: {@code java} is the pure-Java kernel; any other name is a native
 * kernel library built with the project ({@code reference}, ...), and a path is a library of the
 * user's own. Lives above both the Kernel interface and the bindings, so neither imports the other.
 */
public final class Kernels {
    private Kernels() {}

    public static final String DEFAULT = "reference";

    public static Kernel open(String spec) {
        if (spec.equals("java")) return new JavaKernel();
        return KernelLibraries.load(spec);
    }
}
