package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the local mirror holds, in {@code <state dir>/.pk3s-pg/}: {@code <name>.mirror} (the database revision and
 * tree digest the mirror was last written from, so a run fetches only when another workstation moved on) and
 * {@code <name>.digests} (a memo of file digests by path, size and modification time, as git's index does, so an
 * unchanged 150 MB provider is not hashed again on every persist). Both are caches: lost or garbled, the next run
 * re-fetches or re-hashes.
 */
final class MirrorBook {
    static final String DIR = ".pk3s-pg";
    /** Files modified this close to the memo's time may change again with the same timestamp: hash them again. */
    private static final long RACY_NANOS = TimeUnit.SECONDS.toNanos(2);

    record Marker(long revision, String treeSha256) {
    }

    private record Seen(long size, long mtimeNanos, String sha256) {
    }

    private final Path dir;

    MirrorBook(Path stateDir) {
        this.dir = stateDir.resolve(DIR);
    }

    Optional<Marker> marker(String name) {
        try {
            String[] parts = Files.readString(dir.resolve(name + ".mirror"), StandardCharsets.UTF_8).trim().split(" ");
            return Optional.of(new Marker(Long.parseLong(parts[0]), parts.length > 1 ? parts[1] : ""));
        } catch (IOException | RuntimeException absentOrGarbled) {
            return Optional.empty();
        }
    }

    void writeMarker(String name, long revision, String treeSha256) throws IOException {
        Files2.createPrivateDirectories(dir);
        Files2.writeAtomically(dir.resolve(name + ".mirror"), revision + " " + (treeSha256 == null ? "" : treeSha256)
                + "\n", Files2.FILE_PRIVATE);
    }

    void forget(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name + ".mirror"));
        Files.deleteIfExists(dir.resolve(name + ".digests"));
    }

    /** Digests known for files under a tree with the same relative paths (the mirror, or a tree staged from it). */
    Memo memo(String name) {
        Map<String, Seen> seen = new HashMap<>();
        long memoAt = 0;
        try {
            List<String> lines = Files.readAllLines(dir.resolve(name + ".digests"), StandardCharsets.UTF_8);
            memoAt = Long.parseLong(lines.get(0).trim());
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t", 4);
                seen.put(f[3], new Seen(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2]));
            }
        } catch (NoSuchFileException absent) {
            // first run on this workstation
        } catch (IOException | RuntimeException garbled) {
            seen.clear();
        }
        return new Memo(seen, memoAt);
    }

    /** Records the digests of {@code manifest}'s files as they now lie under {@code root}. */
    void writeMemo(String name, Path root, TreeManifest manifest) throws IOException {
        long now = TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis());
        StringBuilder out = new StringBuilder().append(now).append('\n');
        for (TreeManifest.Entry e : manifest.entries()) {
            if (e.kind() != TreeManifest.Kind.FILE || e.path().contains("\n")) {
                continue;
            }
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(root.resolve(e.path()), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException gone) {
                continue;
            }
            out.append(a.size()).append('\t').append(a.lastModifiedTime().to(TimeUnit.NANOSECONDS)).append('\t')
                    .append(e.sha256()).append('\t').append(e.path()).append('\n');
        }
        Files2.createPrivateDirectories(dir);
        Files2.writeAtomically(dir.resolve(name + ".digests"), out.toString(), Files2.FILE_PRIVATE);
    }

    /** A {@link TreeManifest.KnownDigests} over one tree root; counts what it saved. */
    static final class Memo {
        private final Map<String, Seen> seen;
        private final long memoAt;
        private Path root;
        private long hits;

        private Memo(Map<String, Seen> seen, long memoAt) {
            this.seen = seen;
            this.memoAt = memoAt;
        }

        TreeManifest.KnownDigests over(Path treeRoot) {
            this.root = treeRoot;
            return this::lookup;
        }

        /** The digest recorded for {@code relative} if the file at {@code file} still matches it. */
        Optional<String> known(String relative, Path file) {
            try {
                return lookup(file, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS),
                        relative);
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        long hits() {
            return hits;
        }

        private Optional<String> lookup(Path file, BasicFileAttributes attributes) {
            return lookup(file, attributes, root.relativize(file).toString());
        }

        private Optional<String> lookup(Path file, BasicFileAttributes a, String relative) {
            Seen s = seen.get(relative);
            long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            if (s == null || s.size() != a.size() || s.mtimeNanos() != mtime || mtime >= memoAt - RACY_NANOS) {
                return Optional.empty();
            }
            hits++;
            return Optional.of(s.sha256());
        }
    }
}
