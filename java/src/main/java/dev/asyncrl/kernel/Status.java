package dev.asyncrl.kernel;

/** The contract's status codes (asyncrl_status in kernel.h), with their meaning. */
public enum Status {
    OK(0, "ok"),
    NULL_POINTER(1, "a required pointer was NULL"),
    BAD_SIZE(2, "a size was negative, or zero where it must be positive"),
    BAD_ARGUMENT(3, "a value outside its domain"),
    NON_FINITE(4, "a NaN or infinity where a finite number is required"),
    UNKNOWN(-1, "unknown status");

    public final int code;
    public final String meaning;

    Status(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public static Status of(int code) {
        for (Status s : values()) {
            if (s.code == code) return s;
        }
        return UNKNOWN;
    }
}
