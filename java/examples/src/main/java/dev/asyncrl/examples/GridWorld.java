package dev.asyncrl.examples;

import dev.asyncrl.api.Environment;
import dev.asyncrl.api.StepResult;
import java.util.Arrays;
import java.util.Random;

/**
 * A 5×5 grid world: start on a random cell, reach the goal in the corner (4, 4) for +1 and keep
 * out of the pit in the middle (−1); every step costs 0.01. The observation is the agent's cell,
 * one-hot (25 floats); the actions are up, down, left and right (into a wall: stay). Episodes end
 * at the goal or the pit, or are cut at 50 steps.
 */
public final class GridWorld implements Environment {
    static final int SIZE = 5, GOAL = SIZE * SIZE - 1, PIT = SIZE * SIZE / 2;
    private final Random random = new Random();
    private int x, y;

    @Override
    public int observationSize() {
        return SIZE * SIZE;
    }

    @Override
    public int actionCount() {
        return 4;
    }

    @Override
    public int maxEpisodeSteps() {
        return 50;
    }

    @Override
    public void reset(long seed, float[] observation) {
        random.setSeed(seed);
        do {
            x = random.nextInt(SIZE);
            y = random.nextInt(SIZE);
        } while (cell() == GOAL || cell() == PIT);
        observe(observation);
    }

    @Override
    public void step(int action, float[] observation, StepResult result) {
        switch (action) {
            case 0 -> y = Math.max(0, y - 1);
            case 1 -> y = Math.min(SIZE - 1, y + 1);
            case 2 -> x = Math.max(0, x - 1);
            default -> x = Math.min(SIZE - 1, x + 1);
        }
        observe(observation);
        if (cell() == GOAL) result.set(1.0, true, false);
        else if (cell() == PIT) result.set(-1.0, true, false);
        else result.set(-0.01, false, false);
    }

    private int cell() {
        return y * SIZE + x;
    }

    private void observe(float[] observation) {
        Arrays.fill(observation, 0f);
        observation[cell()] = 1f;
    }
}
