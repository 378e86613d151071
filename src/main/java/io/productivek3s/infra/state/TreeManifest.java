package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The content-addressed description of a runtime tree: every directory, file (size, sha256, executable bit) and
 * symbolic link (target), sorted by path. Two stores holding the same tree have the same {@link #digest()}, which is
 * how history, rollback, pull and migration prove they moved the bytes they meant to. File contents live elsewhere,
 * keyed by sha256, so an unchanged file is stored once whatever the number of revisions that contain it.
 */
public record TreeManifest(List<Entry> entries) {
    public enum Kind { DIR, FILE, LINK }

    /** One tree member; {@code path} is relative with '/' separators; {@code sha256} for files, {@code target} for links. */
    public record Entry(String path, Kind kind, boolean executable, long size, String sha256, String target) {
        public Entry {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(kind, "kind");
        }
    }

    /** Supplies a file's digest without reading it when something already knows it (the digest memo, fs.DigestMemo). */
    @FunctionalInterface
    public interface KnownDigests {
        Optional<String> lookup(Path file, BasicFileAttributes attributes) throws IOException;

        KnownDigests NONE = (file, attributes) -> Optional.empty();
    }

    /** Writes the content of the file with {@code sha256} (of {@code size} bytes) to {@code target}. */
    @FunctionalInterface
    public interface Blobs {
        InputStream open(String sha256, long size) throws IOException;
    }

    public TreeManifest {
        entries = List.copyOf(entries);
    }

    /** Describes the tree under {@code root} (absent root: an empty tree), never following links. */
    public static TreeManifest scan(Path root, KnownDigests known) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return new TreeManifest(entries);
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(root)) {
                    entries.add(new Entry(relative(root, dir), Kind.DIR, false, 0, null, null));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String path = relative(root, file);
                if (attrs.isSymbolicLink()) {
                    entries.add(new Entry(path, Kind.LINK, false, 0, null, Files.readSymbolicLink(file).toString()));
                } else if (attrs.isRegularFile()) {
                    String sha = known.lookup(file, attrs).orElse(null);
                    if (sha == null) {
                        sha = sha256(file);
                    }
                    boolean exec = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)
                            .contains(PosixFilePermission.OWNER_EXECUTE);
                    entries.add(new Entry(path, Kind.FILE, exec, attrs.size(), sha, null));
                }
                // Sockets, fifos and devices are never part of state (the copier skips them too).
                return FileVisitResult.CONTINUE;
            }
        });
        entries.sort(Comparator.comparing(Entry::path));
        return new TreeManifest(entries);
    }

    /** sha256 over the canonical listing: equal for equal trees, whatever stored them. */
    public String digest() {
        MessageDigest md = sha256();
        for (Entry e : entries) {
            String line = e.kind() + "\t" + e.path() + "\t" + (e.executable() ? "x" : "-") + "\t" + e.size() + "\t"
                    + (e.kind() == Kind.LINK ? e.target() : e.sha256() == null ? "" : e.sha256()) + "\n";
            md.update(line.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public long files() {
        return entries.stream().filter(e -> e.kind() == Kind.FILE).count();
    }

    public long bytes() {
        return entries.stream().filter(e -> e.kind() == Kind.FILE).mapToLong(Entry::size).sum();
    }

    /**
     * Recreates the tree under {@code root} (created private if missing) from {@code blobs}, checking every file's
     * size and digest: a mismatch is an {@link IOException} naming the file, and nothing claims success.
     */
    public void materialize(Path root, Blobs blobs) throws IOException {
        Files2.createPrivateDirectories(root);
        for (Entry e : entries) {
            Path target = resolveInside(root, e.path());
            switch (e.kind()) {
                case DIR -> Files2.createPrivateDirectories(target);
                case LINK -> Files.createSymbolicLink(target, Path.of(e.target()));
                case FILE -> {
                    try (InputStream in = blobs.open(e.sha256(), e.size())) {
                        Files.copy(in, target);
                    }
                    Files.setPosixFilePermissions(target, e.executable()
                            ? PosixFilePermissions.fromString("rwx------") : Files2.FILE_PRIVATE);
                    long size = Files.size(target);
                    String sha = sha256(target);
                    if (size != e.size() || !sha.equals(e.sha256())) {
                        throw new IOException("stored content of " + e.path() + " does not match its digest "
                                + e.sha256());
                    }
                }
            }
        }
    }

    public String toJson() {
        ArrayNode array = Json.mapper().createArrayNode();
        for (Entry e : entries) {
            ObjectNode node = array.addObject();
            node.put("path", e.path());
            node.put("kind", e.kind().name().toLowerCase(java.util.Locale.ROOT));
            if (e.kind() == Kind.FILE) {
                node.put("size", e.size());
                node.put("sha256", e.sha256());
                node.put("executable", e.executable());
            } else if (e.kind() == Kind.LINK) {
                node.put("target", e.target());
            }
        }
        return array.toString();
    }

    public static TreeManifest fromJson(String json) throws IOException {
        JsonNode root = Json.parse(json);
        if (root == null || !root.isArray()) {
            throw new IOException("tree manifest is not a JSON array");
        }
        List<Entry> entries = new ArrayList<>();
        for (JsonNode node : root) {
            String path = text(node, "path");
            Kind kind;
            try {
                kind = Kind.valueOf(text(node, "kind").toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IOException("tree manifest entry " + path + " has an unknown kind");
            }
            entries.add(new Entry(path, kind, node.path("executable").asBoolean(false), node.path("size").asLong(0),
                    kind == Kind.FILE ? text(node, "sha256") : null, kind == Kind.LINK ? text(node, "target") : null));
        }
        entries.sort(Comparator.comparing(Entry::path));
        return new TreeManifest(entries);
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String text(JsonNode node, String field) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IOException("tree manifest entry lacks " + field);
        }
        return value.asText();
    }

    /** A stored path must stay under {@code root}: stored manifests are data from a shared database. */
    private static Path resolveInside(Path root, String relative) throws IOException {
        Path target = root.resolve(relative).normalize();
        if (relative.isEmpty() || relative.startsWith("/") || !target.startsWith(root) || target.equals(root)) {
            throw new IOException("tree manifest path escapes its root: " + relative);
        }
        return target;
    }

    private static String relative(Path root, Path path) {
        return root.relativize(path).toString().replace('\\', '/');
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
