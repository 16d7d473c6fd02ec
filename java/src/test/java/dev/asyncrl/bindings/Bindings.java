/*
 * What the binding tests share: the bindings under test (JNA and JavaCPP, each opened over a
 * library that KernelLibraries finds), the built kernel libraries, and off-heap segments from
 * arrays. Not a test itself.
 */
package dev.asyncrl.bindings;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.asyncrl.bindings.ffm.KernelLibraries;
import dev.asyncrl.bindings.javacpp.JavaCppKernel;
import dev.asyncrl.bindings.jna.JnaKernel;
import dev.asyncrl.kernel.Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

final class Bindings {
    private Bindings() {}

    /** The bindings compared with FfmKernel. */
    static final List<String> OTHERS = List.of("jna", "javacpp");

    /** Every built kernel library but the test-only ones (reference, blas, and simd where built). */
    static List<String> libraries() {
        List<String> libs = KernelLibraries.available();
        if (!libs.contains("reference")) throw new IllegalStateException("no libasyncrl_reference.so in " + KernelLibraries.nativeDir());
        return libs;
    }

    /** A fresh kernel: the library {@code library} through {@code binding} (ffm, jna or javacpp). */
    static Kernel open(String binding, String library) {
        return switch (binding) {
            case "ffm" -> KernelLibraries.load(library);
            case "jna" -> JnaKernel.load(library);
            case "javacpp" -> JavaCppKernel.load(library);
            default -> throw new IllegalArgumentException(binding);
        };
    }

    /** The same kernel without the Java-side checks (for status-code tests only). */
    static Kernel openUnchecked(String binding, String library) {
        try (Kernel checked = open(binding, library)) {
            return switch (checked) {
                case dev.asyncrl.bindings.ffm.FfmKernel k -> k.reopenUnchecked();
                case JnaKernel k -> k.reopenUnchecked();
                case JavaCppKernel k -> k.reopenUnchecked();
                default -> throw new IllegalArgumentException(binding);
            };
        }
    }

    /** A native segment holding {@code values}: float[] as float32, int[] as int32. */
    static MemorySegment segment(Arena arena, Object values) {
        return switch (values) {
            case float[] f -> {
                MemorySegment s = arena.allocate(JAVA_FLOAT, Math.max(1, f.length));
                MemorySegment.copy(f, 0, s, JAVA_FLOAT, 0, f.length);
                yield s;
            }
            case int[] i -> {
                MemorySegment s = arena.allocate(JAVA_INT, Math.max(1, i.length));
                MemorySegment.copy(i, 0, s, JAVA_INT, 0, i.length);
                yield s;
            }
            default -> throw new IllegalArgumentException(String.valueOf(values));
        };
    }

    static MemorySegment[] segments(Arena arena, Object[] values) {
        MemorySegment[] s = new MemorySegment[values.length];
        for (int j = 0; j < values.length; j++) s[j] = segment(arena, values[j]);
        return s;
    }
}
