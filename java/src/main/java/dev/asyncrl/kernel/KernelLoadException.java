package dev.asyncrl.kernel;

/** A kernel could not be opened: missing file, not a shared library, missing symbols, wrong version. */
public final class KernelLoadException extends RuntimeException {
    public KernelLoadException(String message) {
        super(message);
    }

    public KernelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
