package dev.asyncrl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to {@code asyncrl train}: each gives exit code 2 and exactly one line on stderr that
 * names the problem, writes no run directory, and never crashes the JVM (these run in-process,
 * so a native crash would take the test run down with it).
 */
class TrainCommandErrorsTest {

    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
        List<String> errLines() {
            return Arrays.stream(err.split("\n")).filter(l -> !l.isBlank()).toList();
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    /** {@link #run}, asserting exit 0 (stderr in the message). */
    static Result ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.code(), "exit code of " + Arrays.toString(args) + "; stderr: " + r.err());
        return r;
    }

    private void assertUsageError(String expectedFragment, String... args) {
        Path runDir = tmp.resolve("run");
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--out", runDir.toString(), "--steps", "1000", "--progress", "none"));
        Result r = run(all.toArray(String[]::new));
        assertEquals(2, r.code(), "exit code for " + all + "; stderr: " + r.err());
        assertEquals(1, r.errLines().size(), "one line on stderr, got: " + r.err());
        assertTrue(r.err().contains(expectedFragment), "stderr should name the problem (" + expectedFragment + "): " + r.err());
        assertFalse(Files.exists(runDir.resolve("config.json")), "no run directory is written for bad input");
    }

    private static String lib(String name) {
        return Path.of(System.getProperty("asyncrl.native.dir"), "libasyncrl_" + name + ".so").toString();
    }

    @Test
    void unknownEnv() {
        assertUsageError("unknown --env 'pong'", "train", "--env", "pong");
    }

    @Test
    void unknownAlgo() {
        assertUsageError("unknown --algo 'ppo' (known: a3c, nstep-q, onestep-q, onestep-sarsa)", "train", "--algo", "ppo");
    }

    @Test
    void negativeThreads() {
        assertUsageError("--threads must be >= 1", "train", "--threads", "-1");
    }

    @Test
    void notANumber() {
        assertUsageError("--threads", "train", "--threads", "two");
    }

    @Test
    void aSeparateValueNetIsForA3cOnly() {
        assertUsageError("unknown --value-net 'both' (shared or separate)", "train", "--value-net", "both");
        assertUsageError("--value-net separate is for --algo a3c", "train", "--algo", "nstep-q", "--value-net", "separate");
    }

    @Test
    void unknownFlag() {
        assertUsageError("--frobnicate", "train", "--frobnicate");
    }

    @Test
    void badHyperparameters() {
        assertUsageError("--lr must be > 0", "train", "--lr", "-0.1");
        assertUsageError("--t-max must be >= 1", "train", "--t-max", "0");
        assertUsageError("--envs-per-thread must be in [1, 256], got 0", "train", "--envs-per-thread", "0");
        assertUsageError("--envs-per-thread must be in [1, 256], got 1000", "train", "--envs-per-thread", "1000");
        assertUsageError("--hidden sizes must be >= 1", "train", "--hidden", "64,0");
        assertUsageError("unknown --optimizer 'adam'", "train", "--optimizer", "adam");
        assertUsageError("--lr-log-uniform needs 0 < LO < HI, got 0.01,0.001", "train", "--lr-log-uniform", "1e-2,1e-3");
        assertUsageError("--lr-log-uniform needs 0 < LO < HI, got 0.001,0.001", "train", "--lr-log-uniform", "1e-3,1e-3");
        assertUsageError("--target-interval (I_target) must be >= 1, got 0", "train", "--algo", "nstep-q", "--target-interval", "0");
        assertUsageError("--epsilon-probs must sum to 1", "train", "--algo", "onestep-q", "--epsilon-probs", "0.5,0.3,0.3");
        assertUsageError("unknown activation 'gelu'", "train", "--activation", "gelu");
    }

    @Test
    void kernelPathThatDoesNotExist() {
        assertUsageError("kernel library not found: /no/such/libkernel.so", "train", "--kernel", "/no/such/libkernel.so");
    }

    @Test
    void unknownKernelName() {
        assertUsageError("unknown kernel 'warp'", "train", "--kernel", "warp");
    }

    @Test
    void kernelFileThatIsNotALibrary() throws Exception {
        Path fake = tmp.resolve("libfake.so");
        Files.writeString(fake, "not an ELF file\n");
        assertUsageError("not a shared library (no ELF header)", "train", "--kernel", fake.toString());
    }

    @Test
    void libraryForAnotherArchitecture() throws Exception {
        // An ELF shared-object header for aarch64 (e_machine 183), as a cross-built kernel would have.
        byte[] h = new byte[64];
        h[0] = 0x7f; h[1] = 'E'; h[2] = 'L'; h[3] = 'F'; h[4] = 2; h[5] = 1; h[6] = 1;
        h[16] = 3; h[18] = (byte) 183;
        Path foreign = tmp.resolve("libforeign.so");
        Files.write(foreign, h);
        assertUsageError("built for another architecture", "train", "--kernel", foreign.toString());
    }

    @Test
    void libraryWithoutTheContract() {
        assertUsageError("is not an asyncrl kernel", "train", "--kernel", "/lib/x86_64-linux-gnu/libm.so.6");
        assertUsageError("is not a complete asyncrl kernel (contract version 3): missing asyncrl_status_string, asyncrl_dense_forward", "train", "--kernel", lib("test_incomplete"));
    }

    @Test
    void libraryWithAnotherVersion() {
        assertUsageError("implements kernel contract version 99, but this asyncrl needs version 3",
                "train", "--kernel", lib("test_wrong_version"));
    }

    @Test
    void outDirectoryThatHoldsARunIsNotOverwritten() throws Exception {
        Path runDir = tmp.resolve("taken");
        Files.createDirectories(runDir);
        Files.writeString(runDir.resolve("summary.json"), "{\"keep\": true}");
        Result r = run("train", "--out", runDir.toString(), "--steps", "1000", "--progress", "none");
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("already holds a run"), r.err());
        assertEquals("{\"keep\": true}", Files.readString(runDir.resolve("summary.json")));
    }

    @Test
    void missingCommand() {
        Result r = run();
        assertEquals(2, r.code());
        assertEquals(1, r.errLines().size(), r.err());
    }
}
