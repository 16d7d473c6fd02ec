package dev.asyncrl.algo;

import dev.asyncrl.env.Env;
import dev.asyncrl.net.Mlp;
import java.util.Arrays;
import java.util.List;

/**
 * The four methods of the paper, by their command-line name: each says whether it learns a value
 * function with a target network (the three Q methods) or an actor-critic (A3C), and builds its
 * actor-learner. The one place an algorithm is chosen; nothing else compares names.
 */
public enum Algorithm {
    A3C("a3c", false, dev.asyncrl.algo.A3C::new),
    NSTEP_Q("nstep-q", true, (setup, arena) -> QLearning.learner(setup, arena, NStepQ::new)),
    ONESTEP_Q("onestep-q", true, (setup, arena) -> QLearning.learner(setup, arena, OneStepQ::new)),
    ONESTEP_SARSA("onestep-sarsa", true, (setup, arena) -> QLearning.learner(setup, arena, OneStepSarsa::new));

    private final String flag;
    private final boolean valueBased;
    private final ActorLearner.Method method;

    Algorithm(String flag, boolean valueBased, ActorLearner.Method method) {
        this.flag = flag;
        this.valueBased = valueBased;
        this.method = method;
    }

    /** The name {@code --algo} takes and config.json records. */
    public String flag() {
        return flag;
    }

    /** True for the three value-based methods: a Q network, a target network θ⁻ and ε-greedy threads. */
    public boolean valueBased() {
        return valueBased;
    }

    /** Every {@code --algo} name, in the paper's order of A3C first. */
    public static List<String> flags() {
        return Arrays.stream(values()).map(Algorithm::flag).toList();
    }

    /** The algorithm named {@code flag}; IllegalArgumentException naming the known ones otherwise. */
    public static Algorithm parse(String flag) {
        for (Algorithm a : values()) if (a.flag.equals(flag)) return a;
        throw new IllegalArgumentException("unknown --algo '" + flag + "' (known: " + String.join(", ", flags()) + ")");
    }

    /** Whether {@code flag} names an algorithm. */
    public static boolean exists(String flag) {
        for (Algorithm a : values()) if (a.flag.equals(flag)) return true;
        return false;
    }

    /**
     * Actor-learner thread {@code thread} of this method, with its own environments (as many as
     * hp.envsPerThread()) and seed; its per-thread optimizer statistics (RMSProp, momentum SGD) are
     * block {@code thread} of {@code ctx.shared()}.
     */
    public ActorLearner worker(TrainingContext ctx, Mlp net, Hyperparameters hp, List<Env> envs, long seed, int thread) {
        return new ActorLearner(new ActorLearner.Setup(ctx, net, hp, envs, seed, thread), method);
    }

    /** The same, with one environment (hp.envsPerThread() must be 1). */
    public ActorLearner worker(TrainingContext ctx, Mlp net, Hyperparameters hp, Env env, long seed, int thread) {
        return worker(ctx, net, hp, List.of(env), seed, thread);
    }

    @Override
    public String toString() {
        return flag;
    }
}
