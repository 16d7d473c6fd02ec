package dev.asyncrl.bindings.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.kernel.KernelLoadException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The one OpenBLAS in the process: bytedeco's build (org.bytedeco:openblas), loaded once through
 * JavaCPP, with its thread pool set to one thread, since the actor-learner threads are the
 * parallelism. Kernels that compute through BLAS get {@link #sgemm()}, the address of
 * cblas_sgemm, from here (see native/include/asyncrl/blas_ext.h); so does SgemmBench.
 *
 * <p>Only {@code openblas_nolapack} is loaded: loading {@code openblas} maps two OpenBLAS
 * instances (libopenblas and libopenblas_nolapack, both SONAME libopenblas.so.0), each with its
 * own pool. The symbols come from {@link SymbolLookup#loaderLookup()}, which sees the library
 * JavaCPP loaded through this class loader, so no second copy is opened either.
 * What is not here: any BLAS call of Java's own.
 */
public final class OpenBlas {
    private OpenBlas() {}

    private static MemorySegment sgemm;

    /** cblas_sgemm's address, loading OpenBLAS on first use. Throws KernelLoadException naming why it cannot. */
    public static synchronized MemorySegment sgemm() {
        if (sgemm == null) sgemm = load();
        return sgemm;
    }

    private static MemorySegment load() {
        try {
            org.bytedeco.javacpp.Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class);
        } catch (Throwable t) {  // UnsatisfiedLinkError, NoClassDefFoundError, ExceptionInInitializerError
            throw new KernelLoadException("OpenBLAS could not be loaded (bytedeco openblas, natives for "
                    + System.getProperty("os.name") + " " + System.getProperty("os.arch") + "): " + t, t);
        }
        SymbolLookup lookup = SymbolLookup.loaderLookup();
        MemorySegment gemm = lookup.find("cblas_sgemm").orElseThrow(() ->
                new KernelLoadException("OpenBLAS loaded, but cblas_sgemm was not found in it"));
        MemorySegment setThreads = lookup.find("openblas_set_num_threads").orElseThrow(() ->
                new KernelLoadException("OpenBLAS loaded, but openblas_set_num_threads was not found in it"));
        MethodHandle h = Linker.nativeLinker().downcallHandle(setThreads, FunctionDescriptor.ofVoid(JAVA_INT));
        try {
            h.invokeExact(1);
        } catch (Throwable t) {
            throw new KernelLoadException("openblas_set_num_threads(1) failed: " + t, t);
        }
        return gemm;
    }

    /** OpenBLAS's own description of its build (openblas_get_config), for benchmark logs. */
    public static String config() {
        sgemm();
        MemorySegment fn = SymbolLookup.loaderLookup().find("openblas_get_config").orElse(null);
        if (fn == null) return "?";
        try {
            MethodHandle h = Linker.nativeLinker().downcallHandle(fn,
                    FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS));
            MemorySegment s = (MemorySegment) h.invokeExact();
            return s.reinterpret(512).getString(0);
        } catch (Throwable t) {
            return "?";
        }
    }
}
