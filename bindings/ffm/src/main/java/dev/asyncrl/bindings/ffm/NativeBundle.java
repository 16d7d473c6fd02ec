package dev.asyncrl.bindings.ffm;

import dev.asyncrl.kernel.KernelLoadException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The native kernels carried inside the jar, and their extraction to a per-user cache.
 *
 * <p>The build puts the kernel libraries of one platform under the resource directory
 * {@code dev/asyncrl/native/<platform>/} with a manifest {@value #MANIFEST} beside them: one line
 * per file, {@code <sha256 in hex>  <file name>} (the format of {@code sha256sum}). A bundle is
 * extracted into {@code <cache root>/<version>-<first 16 hex digits of the manifest's SHA-256>/},
 * so two builds never share a directory. Each file is written to a temporary file in that
 * directory, its SHA-256 checked against the manifest, then renamed into place atomically, so
 * another process never sees a half-written library. A file already there is used only if its
 * SHA-256 matches: a damaged or altered cache file is extracted again, never loaded.
 *
 * <p>What is not here: finding the platform or choosing a kernel ({@link KernelLibraries}).
 */
final class NativeBundle {
    /** The manifest's file name in the bundle's resource directory. */
    static final String MANIFEST = "SHA256SUMS";
    /** Where a platform's bundle lives among the class loader's resources. */
    static final String RESOURCE_ROOT = "dev/asyncrl/native/";

    // sha256sum's text ("  ") and binary (" *") forms; a file name is a plain library name, never a path
    private static final Pattern LINE = Pattern.compile("([0-9a-fA-F]{64}) [ *](.+)");
    private static final Pattern FILE = Pattern.compile("lib[A-Za-z0-9_.+-]+\\.so");

    private final ClassLoader loader;
    private final String resources;            // "dev/asyncrl/native/linux-x86_64/"
    private final Map<String, String> sums;    // file name -> lowercase hex SHA-256, in manifest order
    private final Path dir;                    // where this bundle's files are extracted

    private NativeBundle(ClassLoader loader, String resources, Map<String, String> sums, Path dir) {
        this.loader = loader;
        this.resources = resources;
        this.sums = sums;
        this.dir = dir;
    }

    /**
     * The bundle for {@code platform} among {@code loader}'s resources, extracted (when asked) under
     * {@code cacheRoot}; null when there is no manifest for that platform. A manifest that cannot
     * be read or has a malformed line is a KernelLoadException naming the line.
     */
    static NativeBundle find(ClassLoader loader, String platform, Path cacheRoot, String version) {
        String resources = RESOURCE_ROOT + platform + "/";
        byte[] manifest;
        try (InputStream in = loader.getResourceAsStream(resources + MANIFEST)) {
            if (in == null) return null;
            manifest = in.readAllBytes();
        } catch (IOException e) {
            throw new KernelLoadException("cannot read the bundled kernels' manifest " + resources + MANIFEST + ": " + e.getMessage(), e);
        }
        Map<String, String> sums = new LinkedHashMap<>();
        String[] lines = new String(manifest, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;
            Matcher m = LINE.matcher(line);
            if (!m.matches() || !FILE.matcher(m.group(2)).matches()) {
                throw new KernelLoadException("the bundled kernels' manifest " + resources + MANIFEST + " is damaged: line " + (i + 1)
                        + " is not '<sha256>  lib<name>.so': " + line);
            }
            sums.put(m.group(2), m.group(1).toLowerCase(Locale.ROOT));
        }
        if (sums.isEmpty()) {
            throw new KernelLoadException("the bundled kernels' manifest " + resources + MANIFEST + " lists no library");
        }
        String id = HexFormat.of().formatHex(sha256().digest(manifest)).substring(0, 16);
        return new NativeBundle(loader, resources, sums, cacheRoot.resolve(version + "-" + id));
    }

    /** The directory the files are extracted into (it may not exist yet). */
    Path dir() {
        return dir;
    }

    /** The file names the manifest lists. */
    Iterable<String> files() {
        return sums.keySet();
    }

    boolean contains(String file) {
        return sums.containsKey(file);
    }

    /** Makes sure every listed file is in {@link #dir()} with its checksum; returns the directory. */
    Path extractAll() {
        for (String file : sums.keySet()) extract(file);
        return dir;
    }

    /**
     * The path of {@code file} in the cache, checked against the manifest first: a file that is
     * missing or whose SHA-256 differs (damaged, altered, cut short) is extracted again from the jar.
     */
    Path extract(String file) {
        String expected = sums.get(file);
        if (expected == null) throw new IllegalArgumentException("not in the bundle: " + file);
        Path target = dir.resolve(file);
        try {
            if (Files.isRegularFile(target) && expected.equals(sha256(target))) return target;
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file + ".", ".tmp");
            try {
                String actual = copy(resources + file, tmp);
                if (!expected.equals(actual)) {
                    throw new KernelLoadException("the bundled kernel " + resources + file + " does not match the manifest "
                            + MANIFEST + " (SHA-256 " + actual + ", listed " + expected + "): the jar is damaged");
                }
                // atomic: another process sees the old file or the whole new one, never part of it
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return target;
        } catch (IOException e) {
            throw new KernelLoadException("cannot extract the bundled kernel " + file + " to " + dir + ": " + e
                    + " (set -Dasyncrl.cache.dir to a writable directory)", e);
        }
    }

    /** Copies a resource to {@code to}; returns its SHA-256. */
    private String copy(String resource, Path to) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new KernelLoadException("the bundled kernels' manifest " + resources + MANIFEST + " lists " + resource
                        + ", which is not in the jar: the jar is damaged");
            }
            try (InputStream digesting = new DigestInputStream(in, md); OutputStream out = Files.newOutputStream(to)) {
                digesting.transferTo(out);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
