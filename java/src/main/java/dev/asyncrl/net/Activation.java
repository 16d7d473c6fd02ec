package dev.asyncrl.net;

import dev.asyncrl.kernel.Kernel;
import java.lang.foreign.MemorySegment;

/** The torso's non-linearity; both run in place on the kernel. */
public enum Activation {
    RELU, TANH;

    void forward(Kernel k, MemorySegment h, long n) {
        if (this == RELU) k.reluForward(h, h, n);
        else k.tanhForward(h, h, n);
    }

    /** dh ← dh · act'(·), from the forward output h. */
    void backward(Kernel k, MemorySegment dh, MemorySegment h, long n) {
        if (this == RELU) k.reluBackward(dh, dh, h, n);
        else k.tanhBackward(dh, dh, h, n);
    }

    /** The name --activation takes and config.json records. */
    public String flag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Activation parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "relu" -> RELU;
            case "tanh" -> TANH;
            default -> throw new IllegalArgumentException("unknown activation '" + s + "' (relu or tanh)");
        };
    }
}
