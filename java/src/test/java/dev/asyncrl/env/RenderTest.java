package dev.asyncrl.env;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Every built-in classic-control environment and the T-maze draw themselves: a picture of a fixed
 * size that is not blank and changes as the state does.
 */
class RenderTest {

    @Test
    void builtInEnvironmentsDrawTheirState() {
        for (String name : new String[] {"cartpole", "acrobot", "mountaincar", "pendulum", "tmaze"}) {
            Env env = Envs.create(name);
            assertTrue(env instanceof Renderable, name + " is Renderable");
            Renderable view = (Renderable) env;
            assertTrue(view.framesPerSecond() >= 1);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment obs = arena.allocate((long) env.observationSize() * Float.BYTES);
                MemorySegment action = arena.allocate(Float.BYTES);
                env.reset(1, obs);
                BufferedImage first = view.render();
                assertFalse(blank(first), name + ": the first picture shows something");
                StepResult r = new StepResult();
                for (int i = 0; i < 10 && !r.done(); i++) {
                    if (env.actionCount() == 0) {
                        action.setAtIndex(JAVA_FLOAT, 0, env.actionHigh());
                        env.step(action, obs, r);
                    } else {
                        env.step(0, obs, r);
                    }
                }
                BufferedImage later = view.render();
                assertEquals(first.getWidth(), later.getWidth(), name);
                assertEquals(first.getHeight(), later.getHeight(), name);
                assertFalse(Arrays.equals(pixels(first), pixels(later)), name + ": the picture follows the state");
            }
        }
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    private static boolean blank(BufferedImage img) {
        int[] p = pixels(img);
        for (int v : p) if (v != p[0]) return false;
        return true;
    }
}
