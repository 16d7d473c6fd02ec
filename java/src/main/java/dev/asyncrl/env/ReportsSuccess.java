package dev.asyncrl.env;

/**
 * An environment whose episodes can succeed or fail beyond their return (the T-maze's right arm,
 * MountainCar's flag), so that {@code asyncrl eval} can report a success rate.
 */
public interface ReportsSuccess {

    /** After the step that ended an episode: whether that episode reached its goal. */
    boolean succeeded();
}
