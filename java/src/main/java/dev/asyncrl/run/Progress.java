package dev.asyncrl.run;

import dev.asyncrl.algo.Report;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a run: a progress bar on a terminal (steps, steps/s, mean_return_100, ETA), plain
 * periodic lines when the output is not a terminal (CI logs, pipes), or nothing. An observer may
 * also end a run early ({@link #stopReason()}).
 */
public interface Progress {
    void start(long totalSteps);

    void update(Report r);

    void finish();

    /** Polled while the workers run: a reason to stop the run now (asyncrl bench's time budget), or null to go on. */
    default String stopReason() {
        return null;
    }

    static Progress none() {
        return new Progress() {
            public void start(long totalSteps) {}

            public void update(Report r) {}

            public void finish() {}
        };
    }

    /** A bar if stderr is a terminal, else a line every {@code seconds} seconds on {@code out}. */
    static Progress auto(PrintStream out, double seconds) {
        return System.console() != null && System.console().isTerminal() ? new Bar() : new Lines(out, seconds);
    }

    final class Bar implements Progress {
        private ProgressBar bar;

        public void start(long totalSteps) {
            bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps)
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).showSpeed().setUpdateIntervalMillis(250)
                    .continuousUpdate().build();
        }

        public void update(Report r) {
            bar.stepTo(Math.min(r.globalStep(), bar.getMax()));
            bar.setExtraMessage(String.format(Locale.ROOT, " | mean_return_100 %.1f", r.meanReturn100()));
        }

        public void finish() {
            bar.close();
        }
    }

    final class Lines implements Progress {
        private final PrintStream out;
        private final long intervalNanos;
        private long total;
        private long lastPrint;

        public Lines(PrintStream out, double seconds) {
            this.out = out;
            this.intervalNanos = (long) (seconds * 1e9);
        }

        public void start(long totalSteps) {
            total = totalSteps;
            lastPrint = System.nanoTime();
        }

        public void update(Report r) {
            long now = System.nanoTime();
            if (now - lastPrint < intervalNanos) return;
            lastPrint = now;
            print(r);
        }

        private void print(Report r) {
            double eta = r.stepsPerSecond() > 0 ? Math.max(0, total - r.globalStep()) / r.stepsPerSecond() : Double.NaN;
            out.printf(Locale.ROOT, "step %d/%d (%.1f%%)  %.0f steps/s  episodes %d  mean_return_100 %.1f  eta %s%n",
                    r.globalStep(), total, 100.0 * r.globalStep() / total, r.stepsPerSecond(), r.episodes(),
                    r.meanReturn100(), Double.isNaN(eta) ? "?" : String.format(Locale.ROOT, "%.0fs", eta));
        }

        public void finish() {}
    }
}
