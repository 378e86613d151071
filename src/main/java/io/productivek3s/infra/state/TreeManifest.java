package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.Printable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The content-addressed description of a runtime tree: every directory, file (size, sha256, executable bit) and
 * symbolic link (target), sorted by path. Two stores holding the same tree have the same {@link #digest()}, which is
 * how history, rollback, pull and migration prove they moved the bytes they meant to. File contents live elsewhere,
 * keyed by sha256, so an unchanged file is stored once whatever the number of revisions that contain it.
 */
public record TreeManifest(List<Entry> entries) {
    public enum Kind { DIR, FILE, LINK }

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

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

    /** Content read from the files this manifest describes under {@code root} (a tree it was scanned from). */
    public Blobs blobsIn(Path root) {
        Map<String, Path> bySha = new HashMap<>();
        entries.stream().filter(e -> e.kind() == Kind.FILE).forEach(e -> bySha.putIfAbsent(e.sha256(),
                root.resolve(e.path())));
        return (sha, size) -> {
            Path file = bySha.get(sha);
            if (file == null) {
                throw new IOException("no file of the tree has content " + sha);
            }
            return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
        };
    }

    /**
     * Whether this tree equals {@code other} in every entry but {@code ignored} (a top-level file such as
     * engine-state.json, which records when a command ran rather than what the state is).
     */
    public boolean sameExcept(TreeManifest other, String ignored) {
        return entries.stream().filter(e -> !e.path().equals(ignored)).toList()
                .equals(other.entries().stream().filter(e -> !e.path().equals(ignored)).toList());
    }

    public long files() {
        return entries.stream().filter(e -> e.kind() == Kind.FILE).count();
    }

    public long bytes() {
        return entries.stream().filter(e -> e.kind() == Kind.FILE).mapToLong(Entry::size).sum();
    }

    /**
     * Why a stored tree is not written: a manifest that could write outside its root or is not the tree its revision
     * records, or content that does not match its digest. The message names the offending path.
     */
    public static final class Refused extends IOException {
        public Refused(String message) {
            super(message);
        }

        /** Exit 4 naming the revision the tree belongs to (one line: the message is printable). */
        public EngineException in(String name, long revision) {
            return EngineException.invalid("refusing revision " + revision + " of profile state '"
                    + Printable.clean(name) + "': " + getMessage());
        }
    }

    /**
     * Checks that the manifest describes a tree that can be written under a root without touching anything outside
     * it, whatever wrote the manifest (a shared database, a history file): every path normalised and relative (no
     * empty, '.' or '..' component), listed once, its parent the root or a DIR entry of the manifest, so nothing
     * is ever written below a LINK entry; files with a sha256 name and a size, links with a target.
     */
    public void validate() throws Refused {
        Map<String, Kind> kinds = new HashMap<>();
        for (Entry e : entries) {
            String path = e.path();
            if (path.isEmpty() || path.startsWith("/") || path.indexOf('\0') >= 0) {
                throw new Refused("tree manifest path is not relative: " + shown(path));
            }
            for (String part : path.split("/", -1)) {
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    throw new Refused("tree manifest path is not normalised: " + shown(path));
                }
            }
            if (kinds.put(path, e.kind()) != null) {
                throw new Refused("tree manifest lists a path twice: " + shown(path));
            }
            if (e.kind() == Kind.FILE && (e.sha256() == null || !SHA256.matcher(e.sha256()).matches() || e.size() < 0)) {
                throw new Refused("tree manifest file has no valid sha256 and size: " + shown(path));
            }
            if (e.kind() == Kind.LINK && (e.target() == null || e.target().isEmpty() || e.target().indexOf('\0') >= 0)) {
                throw new Refused("tree manifest link has no valid target: " + shown(path));
            }
        }
        for (Entry e : entries) {
            String path = e.path();
            for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
                String ancestor = path.substring(0, slash);
                Kind kind = kinds.get(ancestor);
                if (kind == Kind.LINK) {
                    throw new Refused("tree manifest has an entry below the link " + shown(ancestor) + ": "
                            + shown(path));
                }
                if (kind != Kind.DIR) {
                    throw new Refused("tree manifest entry's parent " + shown(ancestor)
                            + " is not a directory of the tree: " + shown(path));
                }
            }
        }
    }

    /** {@link #validate()}, and the manifest is the tree whose digest a revision recorded. */
    public void verify(String recordedDigest) throws Refused {
        validate();
        String digest = digest();
        if (!digest.equals(recordedDigest)) {
            throw new Refused("its tree manifest (digest " + digest + ") does not match the recorded tree digest "
                    + (recordedDigest == null ? "(none)" : shown(recordedDigest)));
        }
    }

    /**
     * Recreates the tree under {@code root} (created private if missing) from {@code blobs}, checking every file's
     * size and digest: a mismatch is {@link Refused} naming the file, and nothing claims success. The manifest is
     * {@link #validate() validated} first, and writing never follows a link: directories and files are created new
     * ({@code CREATE_NEW}, {@code NOFOLLOW_LINKS}) in parents checked to be real directories, and the tree's own
     * links are created last, once nothing else is written.
     */
    public void materialize(Path root, Blobs blobs) throws IOException {
        validate();
        Path base = Files2.createPrivateDirectories(root);
        requireRealDirectory(base);
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(Entry::path)); // a parent sorts before everything below it
        for (Entry e : sorted) {
            Path target = base.resolve(e.path());
            switch (e.kind()) {
                case DIR -> {
                    requireRealDirectory(target.getParent());
                    Files.createDirectory(target, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
                    setMode(target, Files2.DIR_PRIVATE);
                }
                case FILE -> writeFile(e, target, blobs);
                case LINK -> { } // below, once every file is written
            }
        }
        for (Entry e : sorted) {
            if (e.kind() == Kind.LINK) {
                Path target = base.resolve(e.path());
                requireRealDirectory(target.getParent());
                Files.createSymbolicLink(target, Path.of(e.target()));
            }
        }
    }

    private static void writeFile(Entry e, Path target, Blobs blobs) throws IOException {
        requireRealDirectory(target.getParent());
        Set<PosixFilePermission> mode = e.executable() ? Files2.FILE_PRIVATE_EXEC : Files2.FILE_PRIVATE;
        MessageDigest md = sha256();
        long size = 0;
        try (InputStream in = blobs.open(e.sha256(), e.size());
                OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
                out.write(buffer, 0, n);
                size += n;
            }
        }
        setMode(target, mode);
        if (size != e.size() || !HexFormat.of().formatHex(md.digest()).equals(e.sha256())) {
            throw new Refused("stored content of " + shown(e.path()) + " does not match its digest " + e.sha256());
        }
    }

    /** Each parent is checked before something is created in it: a link there would lead outside the root. */
    private static void requireRealDirectory(Path dir) throws IOException {
        if (!Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory()) {
            throw new IOException("not a directory while writing a tree: " + dir);
        }
    }

    private static void setMode(Path path, Set<PosixFilePermission> mode) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setPermissions(mode);
    }

    private static String shown(String text) {
        return Printable.clean(text);
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
