/*
 * Protects the command line's promise on bad input (DESIGN.md, "The command line"): every case
 * below, across train, eval, export, sweep, bench and kernel check, ends with its exit code (2 for
 * bad input, 1 for a run that failed), exactly one line on stderr that starts "asyncrl: " and names
 * the cause, nothing on stdout, no stack trace, and no file created, changed or removed in the
 * directory the case points at. Cases run through Main.run in-process where nothing can take the
 * JVM down; a truncated kernel library (SIGBUS in dlopen before the ELF check) and an out-of-memory
 * heap run in a child JVM, as a user runs them. The table doubles as the Reliability list in java/results/README.md.
 */
package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BadInputTest {

    /** Where each case may point: a finished run, a truncated kernel, a FIFO, a text file, a directory. */
    @TempDir
    static Path fixture;

    /** A child JVM's working directory (a crash report would land here, not in the fixture). */
    @TempDir
    static Path scratch;

    static boolean fifoMade;

    /**
     * How a case runs: in this JVM, or in a child JVM (with these JVM options) where the input
     * could crash the JVM or exhaust its heap.
     */
    record Case(String name, int exit, String says, List<String> jvm, String... args) {
        boolean child() {
            return jvm != null;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Case c(String name, int exit, String says, String... args) {
        return new Case(name, exit, says, null, args);
    }

    private static Case child(String name, int exit, String says, List<String> jvm, String... args) {
        return new Case(name, exit, says, jvm, args);
    }

    // Placeholders in the arguments, replaced by fixture paths.
    // OUT is a fresh path under the fixture's dir/ for each case: a case that writes there fails
    // on its own, and the cases after it still meet an empty place.
    private static final String RUN = "@run", TRUNC = "@trunc", FIFO = "@fifo", TEXT = "@text", DIR = "@dir", MISSING = "@missing",
            OUT = "@out";

    static Stream<Arguments> cases() {
        List<Case> t = new ArrayList<>();
        String steps = "--steps=1000";
        // In a child JVM: what crashed the JVM or ran out of memory before it was checked, so that a
        // regression fails its own case instead of taking the test run down.
        // train: the cases first, then their siblings
        t.add(c("train --stop-return NaN", 2, "--stop-return takes a finite number or none, got 'NaN'", "train", "--stop-return", "NaN", steps, "--out", OUT));
        t.add(c("train --stop-return Infinity", 2, "--stop-return takes a finite number or none, got 'Infinity'", "train", "--stop-return", "Infinity", steps, "--out", OUT));
        t.add(c("train --stop-return abc", 2, "--stop-return takes a number or none, got 'abc'", "train", "--stop-return", "abc", steps, "--out", OUT));
        t.add(c("train --max-grad-norm -1", 2, "--max-grad-norm must be >= 0 and finite (0 disables clipping), got -1.0", "train", "--max-grad-norm", "-1", steps, "--out", OUT));
        t.add(c("train --max-grad-norm Infinity", 2, "--max-grad-norm must be >= 0 and finite", "train", "--max-grad-norm", "Infinity", steps, "--out", OUT));
        t.add(c("train --threads 100000", 2, "--threads must be at most 1024", "train", "--threads", "100000", steps, "--out", OUT));
        t.add(c("train --threads 0", 2, "--threads must be >= 1, got 0", "train", "--threads", "0", steps, "--out", OUT));
        t.add(c("train --nodes 0", 2, "--nodes must be from 1 to 64, got 0", "train", "--nodes", "0", steps, "--out", OUT));
        t.add(c("train --nodes 2 --bind 8.8.8.8", 2, "--bind 8.8.8.8 is not an address of this machine", "train", "--nodes", "2",
                "--bind", "8.8.8.8", steps, "--out", OUT));
        t.add(c("train --nodes 2 --secret-file missing", 2, "no such file", "train", "--nodes", "2", "--secret-file",
                "/nonexistent/secret", steps, "--out", OUT));
        t.add(c("train --exchange-ms 0", 2, "--exchange-ms must be from 1 to 600000, got 0", "train", "--nodes", "2", "--exchange-ms", "0",
                steps, "--out", OUT));
        t.add(c("node --join nonsense", 2, "--join 'nonsense' is not HOST:PORT", "node", "--join", "nonsense"));
        t.add(c("node without a secret", 2, "needs the run's shared secret", "node", "--join", "127.0.0.1:5701"));
        t.add(c("train --threads (empty)", 2, "Invalid value for option '--threads'", "train", "--threads", "", steps, "--out", OUT));
        t.add(c("train --conv on a vector env", 2, "--conv is for image observations (the MinAtar games, maze3d); --env cartpole observes a vector", "train", "--env", "cartpole", "--conv", "16,3,1", steps, "--out", OUT));
        t.add(child("train --hidden 1000000,1000000", 2, "needs about", List.of(), "train", "--hidden", "1000000,1000000", "--threads", "1", steps, "--out", OUT));
        t.add(child("train --t-max 2147483647", 2, "needs about", List.of(), "train", "--t-max", "2147483647", "--threads", "1", steps, "--out", OUT));
        t.add(child("train --hidden 100000 --envs-per-thread 256", 2, "needs about", List.of(), "train", "--hidden", "100000", "--envs-per-thread", "256", "--t-max", "1000", "--threads", "1", steps, "--out", OUT));
        t.add(child("train --lstm 2147483647", 2, "needs about", List.of(), "train", "--lstm", "2147483647", "--threads", "1", steps, "--out", OUT));
        t.add(c("train --conv 2147483647,3,1 (int overflow)", 2, "conv output 2147483647x8x8 is too large", "train", "--env", "minatar-breakout", "--conv", "2147483647,3,1", steps, "--out", OUT));
        t.add(c("train --conv kernel larger than the image", 2, "conv kernel 30x30 larger than its 10x10 input", "train", "--env", "minatar-breakout", "--conv", "16,30,1", steps, "--out", OUT));
        t.add(c("train --lr 1e300 (not a float)", 2, "--lr must be > 0 and at most 3.4e38 (a float), got 1.0E300", "train", "--lr", "1e300", steps, "--out", OUT));
        t.add(c("train --lr NaN", 2, "--lr must be > 0", "train", "--lr", "NaN", steps, "--out", OUT));
        t.add(c("train --entropy-beta Infinity", 2, "--entropy-beta must be >= 0", "train", "--entropy-beta", "Infinity", steps, "--out", OUT));
        t.add(c("train --reward-scale 1e300", 2, "--reward-scale must be > 0 and at most 3.4e38", "train", "--reward-scale", "1e300", steps, "--out", OUT));
        t.add(c("train --gamma NaN", 2, "--gamma must be in [0, 1], got NaN", "train", "--gamma", "NaN", steps, "--out", OUT));
        t.add(c("train --lr-log-uniform 1e-3,1e300", 2, "(HI at most 3.4e38, a float)", "train", "--lr-log-uniform", "1e-3,1e300", steps, "--out", OUT));
        t.add(c("train --steps 0", 2, "--steps must be >= 1, got 0", "train", "--steps", "0", "--out", OUT));
        t.add(c("train --steps past a long", 2, "'99999999999999999999' is not a long", "train", "--steps", "99999999999999999999", "--out", OUT));
        t.add(c("train --seed abc", 2, "Invalid value for option '--seed': 'abc' is not a long", "train", "--seed", "abc", steps, "--out", OUT));
        t.add(c("train --report-every 0", 2, "--report-every must be >= 1, got 0", "train", "--report-every", "0", steps, "--out", OUT));
        t.add(c("train --checkpoint-every-seconds NaN", 2, "--checkpoint-every-seconds must be >= 0, got NaN", "train", "--checkpoint-every-seconds", "NaN", steps, "--out", OUT));
        t.add(c("train --hidden (empty)", 2, "Invalid value for option '--hidden'", "train", "--hidden", "", steps, "--out", OUT));
        t.add(c("train --kernel FIFO", 2, "is not a regular file (a FIFO, socket or device)", "train", "--kernel", FIFO, steps, "--out", OUT));
        t.add(c("train --kernel DIR", 2, "is a directory, not a .so file", "train", "--kernel", DIR + "/", steps, "--out", OUT));
        t.add(child("train --kernel truncated.so", 2, "the file is cut short", List.of(), "train", "--kernel", TRUNC, steps, "--out", OUT));
        // eval
        t.add(child("eval --episodes 2147483647", 2, "--episodes must be at most 1000000, got 2147483647", List.of(), "eval", "--env", "cartpole", "--policy", "random", "--episodes", "2147483647"));
        t.add(c("eval --episodes 0", 2, "--episodes must be >= 1, got 0", "eval", "--run", RUN, "--episodes", "0"));
        t.add(c("eval --episodes -1", 2, "--episodes must be >= 1, got -1", "eval", "--run", RUN, "--episodes", "-1"));
        t.add(c("eval --episodes (empty)", 2, "Invalid value for option '--episodes': '' is not an int", "eval", "--run", RUN, "--episodes", ""));
        t.add(c("eval --render-frames -1", 2, "--render-frames must be >= 0, got -1", "eval", "--run", RUN, "--render-frames", "-1"));
        t.add(c("eval --seed 1.5", 2, "Invalid value for option '--seed': '1.5' is not a long", "eval", "--run", RUN, "--seed", "1.5"));
        t.add(c("eval --onnx FIFO", 2, "is not a file", "eval", "--onnx", FIFO, "--env", "cartpole"));
        t.add(c("eval --onnx DIR", 2, "is not a file", "eval", "--onnx", DIR, "--env", "cartpole"));
        t.add(c("eval --onnx missing", 2, "no such file", "eval", "--onnx", MISSING + ".onnx", "--env", "cartpole"));
        t.add(c("eval --onnx text file", 2, "is not a model ONNX Runtime can load", "eval", "--onnx", TEXT + ".onnx", "--env", "cartpole"));
        t.add(c("eval --run missing", 2, "no such directory", "eval", "--run", MISSING));
        t.add(c("eval --run a file", 2, "is a file, not a run directory", "eval", "--run", TEXT + ".onnx"));
        t.add(c("eval --run --kernel FIFO", 2, "is not a regular file", "eval", "--run", RUN, "--kernel", FIFO));
        t.add(c("eval --policy smart", 2, "unknown --policy 'smart'", "eval", "--env", "cartpole", "--policy", "smart"));
        t.add(c("eval --out a file", 2, "is a file, not a directory", "eval", "--run", RUN, "--out", TEXT + ".onnx"));
        t.add(child("eval --run --kernel truncated.so", 2, "the file is cut short", List.of(), "eval", "--run", RUN, "--kernel", TRUNC));
        // -Xmx6m: the million returns (8 MB) cannot fit however empty the heap is
        t.add(child("eval out of heap (-Xmx6m)", 1, "out of memory (Java heap space)", List.of("-Xmx6m"), "eval", "--env", "cartpole", "--policy", "random", "--episodes", "1000000"));
        // export
        t.add(c("export --out not .onnx", 2, "--out takes a FILE.onnx", "export", "--run", RUN, "--out", DIR + "/model.txt"));
        t.add(c("export --run missing", 2, "no such directory", "export", "--run", MISSING, "--out", DIR + "/model.onnx"));
        t.add(c("export --out exists", 2, "already exists; choose another name, nothing was overwritten", "export", "--run", RUN, "--out", TEXT + ".onnx"));
        t.add(c("export --out FIFO.onnx", 2, "already exists", "export", "--run", RUN, "--out", FIFO + ".onnx"));
        t.add(c("export without --out", 2, "Missing required option: '--out=FILE.onnx'", "export", "--run", RUN));
        // sweep
        t.add(c("sweep --runs 2147483647", 2, "a sweep runs at most 1000 runs, got --runs 2147483647", "sweep", "--runs", "2147483647", "--out", OUT));
        t.add(c("sweep --runs x --grid over the cap", 2, "got --runs 500 x 3 --grid values", "sweep", "--runs", "500", "--grid", "lr=1e-3,1e-2,1e-1", "--out", OUT));
        t.add(c("sweep --runs 0", 2, "--runs must be >= 1, got 0", "sweep", "--runs", "0", "--out", OUT));
        t.add(c("sweep seed + runs past a long", 2, "runs past the largest seed", "sweep", "--runs", "3", "--seed", "9223372036854775807", "--out", OUT));
        t.add(c("sweep --parallel 0", 2, "--parallel must be >= 1, got 0", "sweep", "--runs", "2", "--parallel", "0", "--out", OUT));
        t.add(c("sweep --out a file", 2, "is a file, not a directory", "sweep", "--runs", "2", "--out", TEXT + ".onnx", steps));
        t.add(c("sweep --grid with an empty value", 2, "train flags of the sweep: Invalid value for option '--lr': '' is not a double", "sweep", "--runs", "2", "--grid", "lr=1e-3,,1e-2", "--out", OUT));
        t.add(c("sweep --grid unknown flag", 2, "train flags of the sweep: Unknown option", "sweep", "--runs", "2", "--grid", "bogus=1,2", "--out", OUT));
        t.add(c("sweep train flag --stop-return NaN", 2, "--stop-return takes a finite number or none", "sweep", "--runs", "2", "--out", OUT, "--stop-return", "NaN"));
        t.add(c("sweep train flag --threads 100000", 2, "--threads must be at most 1024", "sweep", "--runs", "2", "--out", OUT, "--threads", "100000"));
        // bench
        t.add(c("bench --threads 100000", 2, "--threads must be at most 1024", "bench", "--threads", "1,100000"));
        t.add(c("bench --seconds NaN", 2, "--seconds must be > 0, got NaN", "bench", "--seconds", "NaN"));
        t.add(child("bench --repeat 2147483647", 2, "--repeat must be at most 1000, got 2147483647", List.of(), "bench", "--repeat", "2147483647"));
        t.add(c("bench --warmup -1", 2, "--warmup must be >= 0, got -1.0", "bench", "--warmup", "-1"));
        t.add(c("bench --json exists", 2, "exists; choose another file, nothing was overwritten", "bench", "--json", TEXT + ".onnx"));
        t.add(c("bench --kernel FIFO", 2, "is not a regular file", "bench", "--kernel", FIFO, "--seconds", "1", "--warmup", "0"));
        t.add(child("bench --kernel truncated.so", 2, "the file is cut short", List.of(), "bench", "--kernel", TRUNC, "--seconds", "1", "--warmup", "0"));
        // kernel check
        t.add(child("kernel check truncated.so", 2, "the file is cut short (4096 bytes) or damaged: segment", List.of(), "kernel", "check", TRUNC));
        t.add(c("kernel check FIFO", 2, "is not a regular file (a FIFO, socket or device)", "kernel", "check", FIFO));
        t.add(c("kernel check DIR", 2, "is a directory, not a .so file", "kernel", "check", DIR));
        t.add(c("kernel check text file", 2, "not a shared library (no ELF header)", "kernel", "check", TEXT + ".so"));
        t.add(c("kernel check missing", 2, "kernel library not found", "kernel", "check", MISSING + ".so"));
        t.add(c("kernel check (empty)", 2, "unknown kernel ''", "kernel", "check", ""));
        t.add(c("kernel check --seed x", 2, "Invalid value for option '--seed': 'x' is not a long", "kernel", "check", "reference", "--seed", "x"));
        return t.stream().map(x -> Arguments.of(x));
    }

    @BeforeAll
    static void makeFixture() throws Exception {
        // a finished run for eval and export to read (and leave as it was)
        Result r = inProcess("train", "--steps", "2000", "--threads", "1", "--kernel", "java", "--progress", "none",
                "--out", fixture.resolve("run").toString());
        assertEquals(0, r.code(), r.err());
        Path simd = Path.of(System.getProperty("asyncrl.native.dir"), "libasyncrl_simd.so");
        byte[] lib = Files.readAllBytes(simd);
        // the issue's `head -c 4096 libasyncrl_simd.so > t.so`: headers whole, segments cut off
        Files.write(fixture.resolve("truncated.so"), java.util.Arrays.copyOf(lib, 4096));
        Files.writeString(fixture.resolve("text.onnx"), "not a model\n");
        Files.writeString(fixture.resolve("text.so"), "not a library\n");
        Files.createDirectories(fixture.resolve("dir"));
        fifoMade = mkfifo(fixture.resolve("fifo")) && mkfifo(fixture.resolve("fifo.onnx"));
    }

    private static boolean mkfifo(Path p) {
        try {
            Process m = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
            return m.waitFor(30, TimeUnit.SECONDS) && m.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private static String[] resolve(Case k) {
        String out = fixture.resolve("dir").resolve(k.name().replaceAll("[^A-Za-z0-9]+", "-")).toString();
        return Stream.of(k.args()).map(a -> a.replace(OUT, out).replace(RUN, fixture.resolve("run").toString())
                .replace(TRUNC, fixture.resolve("truncated.so").toString())
                .replace(FIFO, fixture.resolve("fifo").toString())
                .replace(TEXT, fixture.resolve("text").toString())
                .replace(DIR, fixture.resolve("dir").toString())
                .replace(MISSING, fixture.resolve("no-such-thing").toString())).toArray(String[]::new);
    }

    /** Main.run with System.out and System.err captured too, so a stray line written around picocli counts. */
    static Result inProcess(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        ByteArrayOutputStream sysOut = new ByteArrayOutputStream(), sysErr = new ByteArrayOutputStream();
        PrintStream oldOut = System.out, oldErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(sysOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(sysErr, true, StandardCharsets.UTF_8));
            code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out + sysOut.toString(StandardCharsets.UTF_8), err + sysErr.toString(StandardCharsets.UTF_8));
    }

    static Result inChild(List<String> jvm, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-Djava.awt.headless=true", "-XX:ErrorFile=" + scratch.resolve("hs_err_%p.log"),
                "-Dasyncrl.native.dir=" + System.getProperty("asyncrl.native.dir")));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        Path out = scratch.resolve("out.txt"), err = scratch.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).directory(scratch.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        // a guard against a hang (what a case is about is its exit code and its line, not its time)
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            return new Result(-1, Files.readString(out), Files.readString(err) + "\n(killed: no exit within 5 minutes)");
        }
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** Every path under the fixture with its kind and, for a regular file, its bytes' digest: what a case must not change. */
    static Map<String, String> snapshot() throws Exception {
        Map<String, String> m = new TreeMap<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> all = Files.walk(fixture)) {
            for (Path p : all.toList()) {
                String kind = Files.isDirectory(p) ? "dir" : Files.isRegularFile(p)
                        ? HexFormat.of().formatHex(sha.digest(Files.readAllBytes(p))) : "other";  // a FIFO is never opened
                m.put(fixture.relativize(p).toString(), kind);
            }
        }
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInputIsOneLineAndAnExitCode(Case k) throws Exception {
        if (String.join(" ", k.args()).contains(FIFO)) assumeTrue(fifoMade, "no mkfifo on this machine");
        Map<String, String> before = snapshot();
        String[] args = resolve(k);
        Result r = k.child() ? inChild(k.jvm(), args) : inProcess(args);
        String what = k.name() + " (" + String.join(" ", args) + ")\nstdout: " + r.out() + "\nstderr: " + r.err();
        assertEquals(k.exit(), r.code(), "exit code of " + what);
        assertEquals(1, r.errLines().size(), "exactly one line on stderr: " + what);
        String line = r.errLines().getFirst();
        assertTrue(line.startsWith("asyncrl: "), "the line starts 'asyncrl: ': " + what);
        assertTrue(line.contains(k.says()), "the line names the cause (" + k.says() + "): " + what);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat ") || r.err().contains("at dev."), "no stack trace: " + what);
        assertEquals("", r.out().strip(), "nothing on stdout: " + what);
        assertEquals(before, snapshot(), "nothing in the fixture created, changed or removed: " + what);
    }
}
