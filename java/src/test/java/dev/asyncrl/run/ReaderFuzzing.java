package dev.asyncrl.run;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the fuzz tests of the file readers (*FuzzTest, run by Jazzer: see pom.xml's "fuzz" execution)
 * hold every reader to: given any bytes, it returns a usable object or throws an
 * IllegalArgumentException whose message says what is wrong, which the command line prints as its
 * one line (exit 2). Anything else escaping a reader (an IndexOutOfBounds, a NegativeArraySize, an
 * OutOfMemoryError, a NullPointerException) fails the fuzz test, and Jazzer keeps the input.
 */
public final class ReaderFuzzing {
    private ReaderFuzzing() {}

    /**
     * Rethrows {@code e} unless it is a clear refusal: a NumberFormatException is an
     * IllegalArgumentException too, but its message ("For input string: ...") names neither the
     * file nor the field, so a reader must catch it and say what it was reading.
     */
    public static void requireClear(IllegalArgumentException e) {
        if (e instanceof NumberFormatException || e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("a reader refused its input without saying why: " + e, e);
        }
    }

    /** The run directory the readers' fixtures come from (a CartPole A3C run, hidden 8), copied into {@code dir}. */
    public static void copyFixture(String name, Path dir) {
        try (InputStream in = ReaderFuzzing.class.getResourceAsStream("fuzz-run/" + name)) {
            if (in == null) throw new IllegalStateException("test resource dev/asyncrl/run/fuzz-run/" + name + " is missing");
            Files.write(dir.resolve(name), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code bytes} to {@code file}; a failure here is the test's, not the reader's. */
    public static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
