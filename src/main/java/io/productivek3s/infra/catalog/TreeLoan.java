package io.productivek3s.infra.catalog;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A cache entry's tree, moved (one rename) into a run's private directory instead of copied: creating and later
 * deleting every file of a 10,000-file package costs more than the rest of a {@code status}. While it is lent the
 * entry has no tree, so no other run can see or reuse it (they extract their own); {@code entries/<sha>/lent} names
 * the loan.
 *
 * <p>When the run is done the tree comes back only if every path the record lists is exactly as recorded (files by
 * inode, size, mtime, ctime and mode; directories by inode and mode) and no process the run started still uses it.
 * What the run added (restored state, generated files) is removed first. Anything else, a file rewritten in place,
 * chmodded, replaced or removed, and the tree stays with the run and is deleted with it: the entry is dropped and the
 * package is marked to be copied, not lent, from then on.
 */
public final class TreeLoan {
    static final String MARKER = "lent";

    private final Path entry;
    private final Path lock;
    private final String sha;
    private final String id;
    private final Path tree;
    private final Consumer<String> debug;
    private final Runnable copyFromNowOn;
    private final Runnable used;

    TreeLoan(Path entry, Path lock, String sha, String id, Path tree, Consumer<String> debug, Runnable copyFromNowOn,
            Runnable used) {
        this.entry = entry;
        this.lock = lock;
        this.sha = sha;
        this.id = id;
        this.tree = tree;
        this.debug = debug;
        this.copyFromNowOn = copyFromNowOn;
        this.used = used;
    }

    /** Where the lent tree is: the run's extraction directory. */
    public Path tree() {
        return tree;
    }

    /** The run is over: puts the tree back into the cache when it is unchanged, else leaves it to be deleted. */
    public void giveBack() {
        try (CacheLock held = CacheLock.acquire(lock, debug)) {
            if (!ours()) {
                debug.accept("package " + sha + " was rebuilt or evicted while lent; its lent tree is not put back");
                return;
            }
            try {
                putBack();
            } catch (TreeCloner.TamperedException e) {
                debug.accept("the run changed its lent package tree (" + e.getMessage() + "); not put back");
                drop();
                return;
            }
            Files.move(tree, entry.resolve(PackageCache.TREE), StandardCopyOption.ATOMIC_MOVE);
            Files.deleteIfExists(entry.resolve(MARKER));
            used.run();
            debug.accept("package " + sha + " put back into the cache");
        } catch (IOException | RuntimeException e) {
            debug.accept("could not put package " + sha + " back into the cache: " + e.getMessage());
        }
    }

    /** The tree must not go back (e.g. a process the run started still uses it): the entry is dropped. */
    public void forfeit(String why) {
        try (CacheLock held = CacheLock.acquire(lock, debug)) {
            debug.accept("package " + sha + " not put back into the cache: " + why);
            if (ours()) {
                drop();
            }
        } catch (RuntimeException e) {
            debug.accept("could not drop package " + sha + " from the cache: " + e.getMessage());
        }
    }

    /** The entry is still the one lent (not rebuilt, evicted or returned meanwhile). */
    private boolean ours() {
        Path marker = entry.resolve(MARKER);
        try {
            return Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS)
                    && Files.readString(marker, StandardCharsets.UTF_8).equals(id)
                    && !Files.exists(entry.resolve(PackageCache.TREE), LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false;
        }
    }

    private void drop() {
        copyFromNowOn.run();
        Files2.deleteQuietly(entry);
    }

    /**
     * Checks every recorded path (one pass over the record), then removes what the run added: only directories whose
     * number of entries differs from the record can hold additions, and only their recorded names are collected.
     */
    private void putBack() throws IOException {
        Set<String> grown = new HashSet<>();
        int topLevel = 0;
        try (InputStream in = Files.newInputStream(entry.resolve(PackageCache.RECORD))) {
            TreeRecord.Reader record = TreeRecord.Reader.pathsOnly(in);
            String envPath = TreeCloner.envPath(record.scanned());
            TreeRecord.Node node;
            while ((node = record.next()) != null) {
                Path path = tree.resolve(node.path());
                if (node.path().indexOf('/') < 0) {
                    topLevel++;
                }
                if (node.kind() == TreeRecord.Kind.FILE && node.path().equals(envPath)) {
                    restoreEnv(path, node, record.scanned().listing().profileEnv().orElseThrow());
                    continue;
                }
                String name = node.path();
                FileIdentity live = FileIdentity.of(path).orElseThrow(() -> new TreeCloner.TamperedException(name));
                if (node.kind() == TreeRecord.Kind.DIRECTORY) {
                    // the same directory (device, inode, mode); its entries may have grown by what the run added
                    int recordedEntries = (int) node.identity().size();
                    if (!live.asDirectory(recordedEntries).equals(node.identity())) {
                        throw new TreeCloner.TamperedException(name);
                    }
                    if (TreeRecord.list(path).size() != recordedEntries) {
                        grown.add(name);
                    }
                } else if (!TreeCloner.unchanged(node, path, live)) {
                    throw new TreeCloner.TamperedException(name);
                }
            }
        }
        if (TreeRecord.list(tree).size() != topLevel) {
            grown.add("");
        }
        if (!grown.isEmpty()) {
            removeAdditions(grown);
        }
    }

    /** The engine wrote the normalized env file over the package's own (docs/contract/env-files.md#make-safe-env-file): the package's bytes go back. */
    private static void restoreEnv(Path path, TreeRecord.Node node, byte[] original) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new TreeCloner.TamperedException(node.path());
        }
        Files2.writeAtomically(path, original,
                (node.identity().mode() & 0100) != 0 ? Files2.FILE_PRIVATE_EXEC : Files2.FILE_PRIVATE);
    }

    private void removeAdditions(Set<String> dirs) throws IOException {
        Map<String, Set<String>> recorded = new HashMap<>();
        dirs.forEach(dir -> recorded.put(dir, new HashSet<>()));
        try (InputStream in = Files.newInputStream(entry.resolve(PackageCache.RECORD))) {
            TreeRecord.Reader record = TreeRecord.Reader.pathsOnly(in);
            TreeRecord.Node node;
            while ((node = record.next()) != null) {
                int slash = node.path().lastIndexOf('/');
                Set<String> names = recorded.get(slash < 0 ? "" : node.path().substring(0, slash));
                if (names != null) {
                    names.add(node.path().substring(slash + 1));
                }
            }
        }
        for (Map.Entry<String, Set<String>> dir : recorded.entrySet()) {
            Path path = dir.getKey().isEmpty() ? tree : tree.resolve(dir.getKey());
            try (DirectoryStream<Path> children = Files.newDirectoryStream(path)) {
                for (Path child : children) {
                    if (!dir.getValue().contains(child.getFileName().toString())) {
                        Files2.deleteRecursively(child);
                    }
                }
            }
            if (TreeRecord.list(path).size() != dir.getValue().size()) {
                throw new TreeCloner.TamperedException(dir.getKey().isEmpty() ? "." : dir.getKey());
            }
        }
    }
}
