import dev.asyncrl.run.LinePlot;
import dev.asyncrl.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws the mean_return_100 column of several runs' metrics.csv into one PNG, against the global
 * step. Run from the repository root after a build:
 *
 * <pre>java -cp target/classes:$(cat target/classpath.txt) java/results/PlotRuns.java OUT.png TITLE NAME=RUN_DIR [NAME=RUN_DIR ...]</pre>
 */
public class PlotRuns {
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: PlotRuns OUT.png TITLE NAME=RUN_DIR [NAME=RUN_DIR ...]");
            System.exit(2);
        }
        LinePlot plot = new LinePlot(args[1], "global step", "mean return, last 100 episodes", true, false);
        for (int i = 2; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            Path csv = kv.length == 2 ? Path.of(kv[1], RunDirectory.METRICS) : null;
            if (csv == null || !Files.isRegularFile(csv)) {
                System.err.println("PlotRuns: " + args[i] + " is not NAME=RUN_DIR with a " + RunDirectory.METRICS);
                System.exit(2);
            }
            List<String> lines = Files.readAllLines(csv);
            List<String> header = List.of(lines.get(0).split(","));
            int step = header.indexOf("global_step"), ret = header.indexOf("mean_return_100");
            double[] x = new double[lines.size() - 1], y = new double[lines.size() - 1];
            int n = 0;
            for (int r = 1; r < lines.size(); r++) {
                String[] f = lines.get(r).split(",", -1);
                if (f[ret].isEmpty()) continue;  // no episode has ended yet
                x[n] = Double.parseDouble(f[step]);
                y[n++] = Double.parseDouble(f[ret]);
            }
            plot.add(kv[0], java.util.Arrays.copyOf(x, n), java.util.Arrays.copyOf(y, n));
        }
        if (!plot.write(Path.of(args[0]))) System.exit(1);
    }
}
