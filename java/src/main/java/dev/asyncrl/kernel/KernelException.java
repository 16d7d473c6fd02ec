package dev.asyncrl.kernel;

/**
 * A kernel call failed: the message names the operation and the cause. Thrown for sizes that do
 * not fit (checked in Java before any downcall) and for non-OK status codes from a native kernel.
 */
public final class KernelException extends RuntimeException {
    private final String operation;
    private final Status status;

    public KernelException(String operation, Status status, String detail) {
        super(operation + ": " + detail);
        this.operation = operation;
        this.status = status;
    }

    /** A native kernel's non-OK status; {@code text} is what the kernel's asyncrl_status_string said. */
    public static KernelException fromStatus(String kernelName, String operation, int code, String text) {
        Status s = Status.of(code);
        return new KernelException(operation, s,
                "kernel '" + kernelName + "' returned status " + code + " (" + text + ")");
    }

    public String operation() {
        return operation;
    }

    public Status status() {
        return status;
    }
}
