package dev.asyncrl.net;

import java.util.Locale;

/**
 * Where an actor-critic's value head sits. SHARED: on the policy's torso, as the paper's Atari and
 * TORCS nets share "all non-output layers". SEPARATE: on a torso of its own, the same shape as the
 * policy's (its own convolutions, dense layers and LSTM) with no parameter in common, as the paper's
 * MuJoCo nets ("the policy and value networks share no parameters"). Both live in one layout table,
 * so θ, dθ, the RMSProp statistics, checkpoints and export keep one index space.
 */
public enum ValueNet {
    SHARED, SEPARATE;

    /** The command-line and config.json spelling: shared, separate. */
    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ValueNet parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "shared" -> SHARED;
            case "separate" -> SEPARATE;
            default -> throw new IllegalArgumentException("unknown --value-net '" + s + "' (shared or separate)");
        };
    }
}
