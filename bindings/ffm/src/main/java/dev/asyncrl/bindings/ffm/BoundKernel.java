package dev.asyncrl.bindings.ffm;

import dev.asyncrl.kernel.NativeKernel;
import java.nio.file.Path;

/**
 * A native kernel reached another way than FFM (bindings/jna, bindings/javacpp), over a library that
 * {@link KernelLibraries} found and {@link FfmKernel} opened and checked (ELF header, contract
 * version, every symbol; cblas_sgemm bound for the blas kernel). This class keeps that FfmKernel as
 * the owner of the library, names the kernel as it does, reopens it unchecked and closes it with
 * itself; {@link NativeKernel} does the checks around every call; a subclass makes the calls.
 */
public abstract class BoundKernel extends NativeKernel {

    /** Owns the dlopen'ed library: the kernel's function addresses are valid while it is open and reachable. */
    protected final FfmKernel library;
    private final String binding;

    /** @param binding the way in, for messages: "JNA", "JavaCPP" */
    protected BoundKernel(FfmKernel library, boolean checked, String binding) {
        super(checked);
        this.library = library;
        this.binding = binding;
    }

    /** A kernel of the subclass's kind over {@code library}; it owns the library. */
    protected abstract BoundKernel bind(FfmKernel library, boolean checked);

    /** The same library without the Java-side size checks, as {@link FfmKernel#reopenUnchecked()}: for conformance tests only. */
    public BoundKernel reopenUnchecked() {
        return FfmKernel.owning(library.reopenUnchecked(), l -> bind(l, false));
    }

    public Path path() {
        return library.path();
    }

    /** What the library reports (asyncrl_kernel_name), read once when FfmKernel opened it. */
    @Override
    public String name() {
        return library.name();
    }

    @Override
    protected String where() {
        return binding;
    }

    /** Releases what the subclass holds of the library, just before it closes; nothing by default. */
    protected void release() {}

    /**
     * Closes the library this kernel owns. Only call once no thread uses this kernel: a later call
     * fails with an IllegalStateException.
     */
    @Override
    public void close() {
        if (!markClosed()) return;
        release();
        library.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name() + " @ " + path() + "]";
    }
}
