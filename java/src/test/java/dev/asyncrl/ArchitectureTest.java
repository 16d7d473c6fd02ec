package dev.asyncrl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Imports run one way: cli → api → run → export/bindings → algo → net → kernel/memory/env → mujoco. Every
 * package of the product has a rank and may use only packages of its rank or below, by import
 * (static ones too) or by a fully qualified name in code. Read from the sources under
 * java/src/main/java and bindings/&#42;/src/main/java; comments and string literals do not count.
 * The JMH benchmarks (dev.asyncrl.bench) are a client like the CLI and are not checked.
 */
class ArchitectureTest {

    /** The rank of each package dev.asyncrl.NAME (its first name after dev.asyncrl). */
    static final Map<String, Integer> RANK = Map.ofEntries(
            Map.entry("cli", 7),
            Map.entry("api", 6),
            Map.entry("cluster", 6),
            Map.entry("run", 5),
            Map.entry("export", 4),
            Map.entry("bindings", 4),
            Map.entry("algo", 3),
            Map.entry("net", 2),
            Map.entry("kernel", 1),
            Map.entry("memory", 1),
            Map.entry("env", 1),
            Map.entry("mujoco", 0));   // bindings/mujoco: MuJoCo's C API, used by env.mujoco

    private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern USE = Pattern.compile("\\bdev\\.asyncrl\\.(\\w+)\\b");
    // comments, string and text-block literals, char literals: blanked before looking for uses
    private static final Pattern NOT_CODE = Pattern.compile(
            "/\\*.*?\\*/|//[^\\n]*|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"|'(?:\\\\.|[^'\\\\\\n])+'", Pattern.DOTALL);

    @Test
    void noPackageUsesOneAboveIt() {
        Path root = repositoryRoot();
        List<Path> sources = new ArrayList<>(javaFiles(root.resolve("java/src/main/java")));
        try (Stream<Path> bindings = Files.list(root.resolve("bindings"))) {
            for (Path b : bindings.sorted().toList()) sources.addAll(javaFiles(b.resolve("src/main/java")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(sources.size() > 50, "found only " + sources.size() + " sources under " + root);
        List<String> violations = new ArrayList<>();
        for (Path p : sources) {
            try {
                violations.addAll(violations(root.relativize(p).toString(), Files.readString(p)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertEquals(List.of(), violations, "imports must run cli → api → run → export/bindings → algo → net → "
                + "kernel/memory/env; these go upward:\n" + String.join("\n", violations));
    }

    /** The checker itself catches an upward import, a static one and a qualified name, and ignores comments and strings. */
    @Test
    void theCheckCatchesAnUpwardUse() {
        String source = """
                package dev.asyncrl.algo;

                import dev.asyncrl.net.Mlp;
                import dev.asyncrl.run.TrainConfig;
                import static dev.asyncrl.cli.Main.run;

                /** {@link dev.asyncrl.run.Trainer} in a comment is fine. */
                final class X {
                    String s = "dev.asyncrl.cli.Main";
                    Object o = new dev.asyncrl.export.OnnxExport();
                }
                """;
        List<String> v = violations("X.java", source);
        assertEquals(3, v.size(), v.toString());
        assertTrue(v.getFirst().contains("X.java:4") && v.getFirst().contains("dev.asyncrl.run"), v.toString());
        assertEquals(List.of(), violations("Y.java", "package dev.asyncrl.cli;\nimport dev.asyncrl.bindings.ffm.FfmKernel;\n"));
        assertEquals(1, violations("Z.java", "package dev.asyncrl.newthing;\n").size(), "a package without a rank");
    }

    /** "FILE:LINE: package a uses dev.asyncrl.b (rank ra < rb)" for each upward use in one source. */
    static List<String> violations(String file, String source) {
        List<String> out = new ArrayList<>();
        Matcher pm = PACKAGE.matcher(source);
        if (!pm.find()) return List.of(file + ": no package declaration");
        String pkg = pm.group(1);
        String own = topName(pkg);
        Integer ownRank = RANK.get(own);
        if (ownRank == null) return List.of(file + ": package " + pkg + " has no rank in ArchitectureTest.RANK");
        StringBuilder code = new StringBuilder(source);
        Matcher nc = NOT_CODE.matcher(source);
        while (nc.find()) {
            for (int i = nc.start(); i < nc.end(); i++) if (code.charAt(i) != '\n') code.setCharAt(i, ' ');
        }
        String text = code.toString();
        Matcher m = USE.matcher(text);
        while (m.find()) {
            if (m.start() >= pm.start() && m.start() < pm.end()) continue;  // the package declaration
            String used = m.group(1);
            Integer usedRank = RANK.get(used);
            if (used.equals(own) || usedRank != null && usedRank <= ownRank) continue;
            int line = 1 + (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count();
            String statement = source.lines().skip(line - 1).findFirst().orElse("").strip();
            out.add(file + ":" + line + ": " + pkg + " (rank " + ownRank + ") uses dev.asyncrl." + used
                    + (usedRank == null ? " (no rank)" : " (rank " + usedRank + ")") + ": " + statement);
        }
        return out;
    }

    private static String topName(String pkg) {
        if (!pkg.startsWith("dev.asyncrl.")) return pkg;
        String rest = pkg.substring("dev.asyncrl.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    private static List<Path> javaFiles(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory holding java/src/main/java: the working directory of the build, or one above it. */
    private static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("java/src/main/java")) && Files.isDirectory(p.resolve("bindings"))) return p;
        }
        throw new IllegalStateException("no java/src/main/java above " + Path.of("").toAbsolutePath());
    }
}
