package dev.asyncrl.algo;

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

    @Test
    void aRestoredStateContinuesAsTheOriginal() {
        for (int n : new int[] {0, 7, 100, 257}) {
            EpisodeStats a = new EpisodeStats();
            for (int i = 0; i < n; i++) a.add((i * 37) % 101);
            EpisodeStats b = new EpisodeStats();
            b.restore(a.state());
            assertEquals(Math.min(n, 100), b.state().lastReturns().length);
            for (int i = 0; i < 150; i++) {
                a.add(i % 13);
                b.add(i % 13);
                assertEquals(a.episodes(), b.episodes());
                assertEquals(a.meanReturn100(), b.meanReturn100(), 1e-12, n + " then " + i);
                assertEquals(a.bestMeanReturn100(), b.bestMeanReturn100(), 1e-12);
            }
        }
    }
}
