package dev.asyncrl.algo;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.asyncrl.env.Env;
import dev.asyncrl.env.StepResult;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An environment whose episodes follow a script, whatever the actions: the k-th observation of an
 * episode is {@link #obs(int)}, the k-th reward {@link #reward(int)}, and the episode ends after
 * {@code length} steps, terminated or truncated as told. Since nothing depends on the actions or on
 * the seed, the targets a loop must compute follow from the script alone, for any random draw. It
 * records the actions it was given, so a test can see what was taken.
 */
final class ScriptedEnv implements Env {
    static final int OBS = 2;

    private final int actions;
    private final int length;
    private final boolean terminates;
    private int k;
    final List<Integer> taken = new ArrayList<>();
    int resets;

    /** @param terminates true: the episode's last step is terminal; false: it is truncated (the time limit) */
    ScriptedEnv(int actions, int length, boolean terminates) {
        this.actions = actions;
        this.length = length;
        this.terminates = terminates;
    }

    /** s_k of every episode: distinct for each k, so the networks' outputs differ from state to state. */
    static float[] obs(int k) {
        return new float[] {0.3f * k - 0.7f, (k % 3) - 1f};
    }

    /** r_k, received for the step from s_k; distinct, so a shifted or dropped reward shows. */
    static double reward(int k) {
        return 1.0 + 0.5 * k;
    }

    @Override
    public String id() {
        return "Scripted-v0";
    }

    @Override
    public int observationSize() {
        return OBS;
    }

    @Override
    public int actionCount() {
        return actions;
    }

    @Override
    public int maxEpisodeSteps() {
        return length;
    }

    @Override
    public void reset(long seed, MemorySegment obs) {
        reset(obs);
    }

    @Override
    public void reset(MemorySegment obs) {
        resets++;
        k = 0;
        write(obs);
    }

    private void write(MemorySegment obs) {
        float[] o = obs(k);
        for (int i = 0; i < OBS; i++) obs.setAtIndex(JAVA_FLOAT, i, o[i]);
    }

    @Override
    public void step(int action, MemorySegment obs, StepResult result) {
        if (action < 0 || action >= actions) throw new IllegalArgumentException("action " + action);
        if (k >= length) throw new IllegalStateException("stepped after the end of an episode without a reset");
        taken.add(action);
        result.reward = reward(k);
        k++;
        write(obs);
        result.terminated = k == length && terminates;
        result.truncated = k == length && !terminates;
    }
}
