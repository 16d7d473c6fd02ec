package dev.asyncrl.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** mean_return_100 is over the last 100 episodes; the best counts only full windows. */
class EpisodeStatsTest {

    @Test
    void windowOfTheLast100() {
        EpisodeStats s = new EpisodeStats();
        assertTrue(Double.isNaN(s.meanReturn100()));
        for (int i = 0; i < 50; i++) s.add(10);
        assertEquals(10, s.meanReturn100());
        assertTrue(Double.isNaN(s.bestMeanReturn100()), "no best before 100 episodes");
        for (int i = 0; i < 100; i++) s.add(20);
        assertEquals(20, s.meanReturn100());
        assertEquals(20, s.bestMeanReturn100());
        for (int i = 0; i < 50; i++) s.add(0);
        assertEquals(10, s.meanReturn100());
        assertEquals(20, s.bestMeanReturn100(), "the best stays");
        assertEquals(200, s.episodes());
    }
}
