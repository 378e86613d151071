package io.productivek3s.infra.state;

import io.productivek3s.infra.fs.DigestMemo;
import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.FsClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One name's {@link DigestMemo} over its runtime tree, kept in one file (local history:
 * {@code .history/mirror/<name>.digests}; PostgreSQL mirror: {@code .pk3s-pg/<name>.digests}), with the clock of that
 * filesystem ({@code .clock} beside it). Keys are paths relative to the tree, so one entry serves the runtime tree and
 * the scenario and staging trees that hard-link its files under the same paths. A cache: lost or garbled, the next
 * persist hashes everything again.
 */
final class TreeMemo {
    private final Path file;
    private final FsClock clock;
    private final DigestMemo memo;

    private TreeMemo(Path file, DigestMemo memo) {
        this.file = file;
        this.clock = new FsClock(file.resolveSibling(".clock"));
        this.memo = memo;
    }

    static TreeMemo open(Path file) {
        return new TreeMemo(file, DigestMemo.read(file));
    }

    /**
     * The memo's directory ({@code .history/mirror}, {@code .pk3s-pg}), created or used only as a real directory:
     * the memo and its clock are never written through a link planted for it ({@link StateDirectories}).
     */
    private void directory() throws IOException {
        StateDirectories.create(file.getParent().getParent(), file.getParent());
    }

    /** Notes the files under {@code root} the memo vouches for, before the engine links or unlinks their names. */
    DigestMemo.Carry carry(Path root) {
        return memo.carry(root);
    }

    /** The digest the memo vouches for, for the file known as {@code key} of identity {@code now} (not a hit). */
    Optional<String> vouched(String key, FileIdentity now) {
        return memo.entry(key).filter(e -> e.vouchesFor(now)).map(DigestMemo.Entry::sha256);
    }

    long hits() {
        return memo.hits();
    }

    /**
     * A scan of {@code root}: looks files up by path and identity, and remembers each file's identity as read before
     * it was hashed, after one stamp taken before any was. {@link Scan#done} makes the memo describe that tree.
     */
    Scan scan(Path root) throws IOException {
        directory();
        memo.settle(clock);
        // One tick past what was staged just before: those files can be vouched for from this scan on.
        FsClock.Stamp now = clock.now();
        return new Scan(root, clock.after(now.nanos()).orElse(now));
    }

    final class Scan implements TreeManifest.KnownDigests {
        private final Path root;
        private final FsClock.Stamp before;
        private final Map<String, FileIdentity> observed = new HashMap<>();

        private Scan(Path root, FsClock.Stamp before) {
            this.root = root;
            this.before = before;
        }

        @Override
        public Optional<String> lookup(Path file, BasicFileAttributes attributes) throws IOException {
            String path = root.relativize(file).toString().replace('\\', '/');
            FileIdentity now = FileIdentity.read(file);
            observed.put(path, now);
            return memo.known(path, now);
        }

        /** The memo now holds exactly the files of {@code manifest}, as this scan saw them. */
        void done(TreeManifest manifest) {
            Set<String> paths = new HashSet<>();
            for (TreeManifest.Entry e : manifest.entries()) {
                FileIdentity seen = observed.get(e.path());
                if (e.kind() != TreeManifest.Kind.FILE || seen == null) {
                    continue;
                }
                paths.add(e.path());
                Optional<DigestMemo.Entry> old = memo.entry(e.path()).filter(o -> o.vouchesFor(seen));
                if (old.isPresent() && old.get().sha256().equals(e.sha256())) {
                    memo.keep(e.path(), old.get());
                } else {
                    memo.remember(e.path(), seen, before, e.sha256());
                }
            }
            memo.retain(paths);
        }
    }

    /** Forgets everything (a tree replaced by new files). */
    void clear() {
        memo.retain(Set.of());
    }

    /** Stamps what was carried and writes the memo; a failure only costs hashing next time. */
    void save() {
        try {
            directory();
        } catch (IOException | RuntimeException linkOrNoDirectory) {
            return; // nothing is written, nor deleted, through a link planted for the memo's directory
        }
        try {
            memo.settle(clock);
            memo.write(file);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // an unwritable memo directory: the next read finds nothing or garbage, and hashes
            }
        }
    }

    /** Files under {@code root} the memo vouches for, by sha256 (one path per digest). */
    Map<String, Path> filesByDigest(Path root) {
        Map<String, Path> bySha = new HashMap<>();
        for (String key : memo.keys()) {
            Optional<Path> path = inside(root, key);
            path.flatMap(p -> memo.known(key, p)).ifPresent(sha -> bySha.putIfAbsent(sha, path.get()));
        }
        return bySha;
    }

    /**
     * The run is done with {@code scenario}, restored from {@code runtime}: the scenario's hard links to runtime
     * files the memo vouches for are removed now, under the lock, and the entries carried to the files' new change
     * time. Otherwise deleting the run's directory later would change that time behind the memo's back, and the
     * next run would hash every provider binary again.
     */
    void release(Path runtime, Path scenario) {
        List<Path> links = new ArrayList<>();
        for (String key : memo.keys()) {
            Optional<Path> kept = inside(runtime, key);
            Optional<Path> lent = inside(scenario, key);
            if (kept.isEmpty() || lent.isEmpty()) {
                continue;
            }
            Optional<FileIdentity> a = FileIdentity.of(kept.get());
            Optional<FileIdentity> b = FileIdentity.of(lent.get());
            if (a.isPresent() && b.isPresent() && a.get().sameInode(b.get()) && memo.entry(key)
                    .filter(e -> e.vouchesFor(a.get())).isPresent()) {
                links.add(lent.get());
            }
        }
        if (links.isEmpty()) {
            return;
        }
        DigestMemo.Carry carry = memo.carry(runtime);
        for (Path link : links) {
            try {
                Files.deleteIfExists(link);
            } catch (IOException e) {
                // left for the workspace removal; the entry then simply stops vouching
            }
        }
        carry.to(runtime);
        save();
    }

    /** {@code root/key} when the key is a plain relative path (the memo file is data, never trusted to stay inside). */
    private static Optional<Path> inside(Path root, String key) {
        Path path = root.resolve(key).normalize();
        return key.isEmpty() || key.startsWith("/") || !path.startsWith(root) || path.equals(root)
                ? Optional.empty() : Optional.of(path);
    }
}
