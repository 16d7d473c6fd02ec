package dev.asyncrl.env;

import java.awt.image.BufferedImage;

/**
 * An environment that can draw its current state, so that {@code asyncrl eval --render} can show a
 * person what a policy does. Called between steps, never on the training hot path.
 */
public interface Renderable {

    /** A picture of the current state (a new image each call). */
    BufferedImage render();

    /** How fast the frames are meant to be shown (Gymnasium's render_fps where it has one). */
    default int framesPerSecond() {
        return 30;
    }
}
