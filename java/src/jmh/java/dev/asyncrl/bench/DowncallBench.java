/*
 * Question: what does one call into native code cost through the FFM binding, compared with the
 * same call in the pure-Java kernel? Each call does almost no work (N = 1), so the time is the
 * crossing itself: the Java size checks, the downcall and the status check.
 *
 * The figures stack up from the bare crossing to the product's call:
 *   rawVersionUnscoped  asyncrl_kernel_version(), its address in the global scope: the bare
 *                       transition, no arguments, no work;
 *   rawVersion          the same, its address scoped to a shared arena (as FfmKernel held its
 *                       addresses until it moved to an automatic arena): + that arena's liveness
 *                       check, an atomic acquire and release, on every call;
 *   rawCopyUnscoped,    asyncrl_copy through a bare downcall handle: + two segments passed as
 *   rawCopy             pointers and the C function's own checks and memmove; no Java checks;
 *   ffmCopy             the same through FfmKernel: + KernelChecks and the status check;
 *   javaCopy            the same contract call in JavaKernel, which never leaves Java.
 * Not measured here: calls that do real work (DenseBench does that).
 */
package dev.asyncrl.bench;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.asyncrl.bindings.ffm.FfmKernel;
import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
// The forked JVM finds target/native/lib beside target/classes (KernelLibraries' fallback) and
// also inherits -Dasyncrl.native.dir from the launcher, so no path is written here.
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class DowncallBench {

    /** asyncrl_copy(dst, src, N) as FfmKernel declares it: address-unbound and critical(false). */
    private static final MethodHandle RAW_COPY = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG),
            Linker.Option.critical(false));

    /** asyncrl_kernel_version(): the cheapest function the contract has. */
    private static final MethodHandle RAW_VERSION = Linker.nativeLinker().downcallHandle(
            FunctionDescriptor.of(JAVA_INT), Linker.Option.critical(false));

    private Arena arena;
    private MemorySegment src;   // (1)
    private MemorySegment dst;   // (1)
    private Kernel java;
    private FfmKernel ffm;
    private Arena libraryArena;
    private MemorySegment copyAddress;
    private MemorySegment versionAddress;
    private MemorySegment copyUnscoped, versionUnscoped;

    @Setup
    public void setup() {
        // The thread's own buffers, as a worker's are: a confined arena, closed in tearDown.
        arena = Arena.ofConfined();
        src = arena.allocate(JAVA_FLOAT, 1);
        dst = arena.allocate(JAVA_FLOAT, 1);
        src.setAtIndex(JAVA_FLOAT, 0, 1.5f);
        java = new JavaKernel();
        ffm = KernelLibraries.load("reference");
        // A second handle on the same file for the bare downcall (dlopen counts references).
        libraryArena = Arena.ofShared();
        SymbolLookup lookup = SymbolLookup.libraryLookup(ffm.path(), libraryArena);
        copyAddress = lookup.find("asyncrl_copy").orElseThrow();
        versionAddress = lookup.find("asyncrl_kernel_version").orElseThrow();
        // The same addresses in the global scope: no liveness check of the shared library arena
        // (an atomic acquire and release around every call), and no protection after it closes.
        copyUnscoped = MemorySegment.ofAddress(copyAddress.address());
        versionUnscoped = MemorySegment.ofAddress(versionAddress.address());
    }

    @TearDown
    public void tearDown() {
        ffm.close();
        libraryArena.close();
        arena.close();
    }

    @Benchmark
    public void javaCopy() {
        java.copy(dst, src, 1);
    }

    @Benchmark
    public void ffmCopy() {
        ffm.copy(dst, src, 1);
    }

    @Benchmark
    public int rawVersion() throws Throwable {
        return (int) RAW_VERSION.invokeExact(versionAddress);
    }

    @Benchmark
    public int rawVersionUnscoped() throws Throwable {
        return (int) RAW_VERSION.invokeExact(versionUnscoped);
    }

    @Benchmark
    public int rawCopyUnscoped() throws Throwable {
        return (int) RAW_COPY.invokeExact(copyUnscoped, dst, src, 1L);
    }

    @Benchmark
    public int rawCopy() throws Throwable {
        return (int) RAW_COPY.invokeExact(copyAddress, dst, src, 1L);
    }

    @Benchmark
    public void javaRelu() {
        java.reluForward(dst, src, 1);
    }

    @Benchmark
    public void ffmRelu() {
        ffm.reluForward(dst, src, 1);
    }
}
