package dev.asyncrl.algo;

/**
 * Returns of finished training episodes over all threads: the count, the mean of the last 100
 * (mean_return_100) and the best such mean seen once 100 episodes had finished. Episodes end
 * rarely next to steps, so one lock is cheap; nothing here allocates after construction.
 */
public final class EpisodeStats {
    public static final int WINDOW = 100;

    private final double[] window = new double[WINDOW];
    private long episodes;
    private double sum;
    private double best = Double.NaN;

    public synchronized void add(double episodeReturn) {
        int slot = (int) (episodes % WINDOW);
        if (episodes >= WINDOW) sum -= window[slot];
        window[slot] = episodeReturn;
        sum += episodeReturn;
        episodes++;
        if (episodes >= WINDOW) {
            double mean = sum / WINDOW;
            if (Double.isNaN(best) || mean > best) best = mean;
        }
    }

    public synchronized long episodes() {
        return episodes;
    }

    /** Mean of the last min(100, episodes) returns; NaN before the first episode ends. */
    public synchronized double meanReturn100() {
        if (episodes == 0) return Double.NaN;
        // recompute over the window: the running sum drifts by rounding over millions of episodes
        int n = (int) Math.min(episodes, WINDOW);
        double s = 0;
        for (int i = 0; i < n; i++) s += window[i];
        return s / n;
    }

    /** What a checkpoint keeps: the count, the best mean, and the last min(100, episodes) returns, oldest first. */
    public record State(long episodes, double bestMeanReturn100, double[] lastReturns) {
        public State {
            lastReturns = lastReturns.clone();
            if (episodes < 0 || lastReturns.length != (int) Math.min(episodes, WINDOW)) {
                throw new IllegalArgumentException("episode statistics: " + lastReturns.length + " returns for " + episodes + " episodes");
            }
        }

        @Override
        public double[] lastReturns() {
            return lastReturns.clone();
        }
    }

    public synchronized State state() {
        int n = (int) Math.min(episodes, WINDOW);
        double[] last = new double[n];
        for (int i = 0; i < n; i++) last[i] = window[(int) ((episodes - n + i) % WINDOW)];
        return new State(episodes, best, last);
    }

    /** Continues from {@code s}, as if its episodes had finished here. */
    public synchronized void restore(State s) {
        double[] last = s.lastReturns();
        episodes = s.episodes();
        sum = 0;
        for (int i = 0; i < last.length; i++) {
            window[(int) ((episodes - last.length + i) % WINDOW)] = last[i];
            sum += last[i];
        }
        best = s.bestMeanReturn100();
    }

    /** The best mean over 100 consecutive episodes; NaN until 100 have finished. */
    public synchronized double bestMeanReturn100() {
        return best;
    }
}
