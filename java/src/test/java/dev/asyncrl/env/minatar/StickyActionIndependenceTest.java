package dev.asyncrl.env.minatar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.asyncrl.algo.ActorLearner;
import dev.asyncrl.algo.Algorithm;
import dev.asyncrl.algo.StreamIndependenceTest;
import dev.asyncrl.algo.TrainingContext;
import dev.asyncrl.env.Envs;
import dev.asyncrl.env.StepResult;
import dev.asyncrl.kernel.JavaKernel;
import dev.asyncrl.memory.SharedParams;
import dev.asyncrl.net.Mlp;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The issue's own measure of the shared-seed defect, over a long run of one A3C thread: when a
 * sticky action has just happened (the game executed its previous action instead of the chosen
 * one), the policy's draw must be as likely to be low as ever. With θ ≈ 0 (learning rate 1e-30)
 * the policy stays uniform over the A actions and a = ⌊u·A⌋, so P(a = 0 | sticky) must be near
 * 1/A; when the policy's stream replayed the game's, a sticky step (game's uniform < 0.1) always
 * came with u < 0.1, so a = 0 every time on Breakout.
 */
class StickyActionIndependenceTest {
    static final int STEPS = 40_000;

    @ParameterizedTest
    @ValueSource(strings = {"minatar-breakout", "minatar-asterix", "minatar-freeway", "minatar-seaquest",
            "minatar-space-invaders"})
    void thePolicysDrawIsIndependentOfTheStickyDraw(String name) {
        MinAtarGame game = (MinAtarGame) Envs.create(name);
        Sticky env = new Sticky(game);
        Mlp net = StreamIndependenceTest.smallNet("a3c", game);
        try (SharedParams shared = new SharedParams(net.layout(), false); Arena arena = Arena.ofConfined()) {
            shared.theta().fill((byte) 0);
            TrainingContext ctx = new TrainingContext(new JavaKernel(), shared, Long.MAX_VALUE, Double.NaN, Long.MAX_VALUE);
            ActorLearner w = Algorithm.A3C.worker(ctx, net, StreamIndependenceTest.hyperparameters(5, 1e-30), env, 42, 0);
            ActorLearner.Segments learner = w.learner(arena);
            while (env.steps < STEPS) learner.segment();
        }
        int A = game.actionCount();
        double p = (double) env.zeroWhenSticky / env.sticky;
        // ≈ 2,000+ sticky steps seen: the frequency's standard error is under 0.01
        assertTrue(env.sticky > 1000, "sticky steps seen: " + env.sticky);
        assertEquals(1.0 / A, p, 0.05, name + ": P(a = 0 | sticky) over " + env.sticky + " sticky steps");
    }

    /** Counts the steps whose executed action differs from the chosen one (a sticky repeat), and a = 0 among them. */
    static final class Sticky extends StreamIndependenceTest.Recording {
        final MinAtarGame game;
        int steps, sticky, zeroWhenSticky;

        Sticky(MinAtarGame game) {
            super(game);
            this.game = game;
        }

        @Override
        public void step(int action, MemorySegment obs, StepResult result) {
            game.step(action, obs, result);
            steps++;
            if (game.lastAction() != game.fullAction(action)) {
                sticky++;
                if (action == 0) zeroWhenSticky++;
            }
        }
    }
}
