package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asyncrl.run.RunDirectory;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a machine without fonts (a server, a container) train, bench, sweep and eval --render run to
 * the end as they do elsewhere: the plots are drawn without text, and one warning line says so.
 * The CLI runs in a child process whose mount namespace hides the fonts: tmpfs over the font
 * directories ("fonts"), and over fontconfig's configuration too ("fontconfig"). The two fail
 * differently inside AWT (an Error "No physical fonts found", a RuntimeException "Fontconfig head
 * is null"), and which one comes first varies with the caches. Needs root and unshare(1), as CI
 * has; skipped without them.
 */
class NoFontsTest {

    @TempDir
    Path tmp;

    private static final List<String> FONT_DIRS = List.of("/usr/share/fonts", "/usr/local/share/fonts",
            System.getProperty("user.home") + "/.fonts", System.getProperty("user.home") + "/.local/share/fonts",
            System.getProperty("java.home") + "/lib/fonts");

    @BeforeAll
    static void canHideFonts() throws Exception {
        boolean ok;
        try {
            Process p = new ProcessBuilder("unshare", "-m", "true").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException noUnshare) {
            ok = false;
        }
        assumeTrue(ok, "needs root and unshare(1) to hide the fonts in a mount namespace");
    }

    record Result(int exit, String out, String err) {
        /** stderr's lines from asyncrl itself (fontconfig's native library may add its own). */
        List<String> ours() {
            return err.lines().filter(l -> l.startsWith("asyncrl:")).toList();
        }

        void assertOneWarningLine() {
            assertEquals(0, exit, this::toString);
            List<String> ours = ours();
            assertEquals(1, ours.size(), "one warning line: " + this);
            assertTrue(ours.getFirst().contains("drawn without title, labels or legend"),
                    "the fonts were not hidden, or the warning changed: " + this);
            assertTrue(err.lines().noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")), "no stack trace: " + this);
        }
    }

    /** asyncrl ARGS in a child JVM, in a mount namespace where {@code hide}'s fonts are not there. */
    private Result asyncrl(String hide, String... args) throws Exception {
        List<String> dirs = new ArrayList<>(FONT_DIRS);
        if (hide.equals("fontconfig")) dirs.add("/etc/fonts");
        StringBuilder mounts = new StringBuilder();
        for (String d : dirs) if (Files.isDirectory(Path.of(d))) mounts.append("mount -t tmpfs tmpfs '").append(d).append("' && ");
        List<String> cmd = new ArrayList<>(List.of("unshare", "-m", "bash", "-c", mounts + "exec \"$@\"", "asyncrl",
                ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED", "-Xmx512m",
                "-Djava.awt.headless=true", "-Dasyncrl.native.dir=" + System.getProperty("asyncrl.native.dir"),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt"), err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("asyncrl " + String.join(" ", args) + " did not finish: " + Files.readString(err));
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static void assertPng(Path png) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null && img.getWidth() == 800 && img.getHeight() == 500, png + " is an 800x500 PNG");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fonts", "fontconfig"})
    void trainBenchSweepAndRenderRunToTheEnd(String hide) throws Exception {
        Path run = tmp.resolve("run");
        Result train = asyncrl(hide, "train", "--threads", "2", "--steps", "5000", "--report-every", "500", "--progress", "none",
                "--out", run.toString());
        train.assertOneWarningLine();
        assertTrue(train.out().contains("a3c on cartpole: ") && train.out().contains("run directory: " + run), train::toString);
        JsonNode summary = new ObjectMapper().readTree(run.resolve(RunDirectory.SUMMARY).toFile());
        assertEquals("completed", summary.get("status").asText(), summary::toString);
        assertPng(run.resolve(RunDirectory.CURVE));

        // a warm-up run and two measured cells: each draws its (deleted) learning curve
        Result bench = asyncrl(hide, "bench", "--threads", "1,2", "--seconds", "0.3", "--warmup", "0.3");
        bench.assertOneWarningLine();
        assertTrue(bench.out().contains("bench took "), bench::toString);
        assertEquals(2, bench.out().lines().filter(l -> l.startsWith("a3c ") && l.contains("cartpole")).count(), bench::toString);

        Path sweep = tmp.resolve("sweep");
        Result sw = asyncrl(hide, "sweep", "--runs", "2", "--out", sweep.toString(), "--steps", "3000");
        sw.assertOneWarningLine();
        List<String> rows = Files.readAllLines(sweep.resolve("sweep.csv"));
        assertEquals(3, rows.size(), rows::toString);
        for (String row : rows.subList(1, 3)) assertTrue(row.endsWith(",completed"), row);
        assertPng(sweep.resolve("sweep.png"));
        for (String s : List.of("seed1", "seed2")) assertPng(sweep.resolve(s).resolve(RunDirectory.CURVE));

        // the environments draw their frames with shapes only: no text, no warning
        Path gif = tmp.resolve("episode.gif");
        Result eval = asyncrl(hide, "eval", "--run", run.toString(), "--episodes", "1", "--render", gif.toString(),
                "--out", tmp.resolve("eval").toString());
        assertEquals(0, eval.exit(), eval::toString);
        assertEquals(List.of(), eval.ours(), eval::toString);
        assertTrue(ImageIO.read(gif.toFile()) != null, "a GIF");
    }
}
