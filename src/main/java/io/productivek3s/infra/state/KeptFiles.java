package io.productivek3s.infra.state;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.TreeCopier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The files of a name's runtime tree that a persist keeps instead of copying them again (docs/state.md "The local
 * mirror"): where the scenario left a file with the bytes and executable bit of the tree's file at the same path,
 * that file is hard-linked into the staged tree. Trusted by content only: the tree's file must be one the digest memo
 * vouches for (identity unchanged since it was hashed, outside the racy window, so a file edited by hand is not, even
 * with its mtime put back), it must sit in real directories of the tree (never reached through a link), and the
 * scenario's file is hashed and compared with it. {@link #confirm} checks the staged tree's manifest against what was
 * compared. The links live only until the publish deletes the old tree's names (or the staged tree is discarded):
 * no two names of one file outlast the persist.
 */
final class KeptFiles implements TreeCopier.Reuse {
    private static final int TYPE = 0170000;
    private static final int REGULAR = 0100000;
    private static final int DIRECTORY = 0040000;

    /** A kept file: the digest compared, and the file's identity then (its inode is what the staged tree links). */
    private record Kept(String sha256, FileIdentity identity) {
    }

    private final Path runtime;
    private final TreeMemo memo;
    private final Map<String, Kept> kept = new HashMap<>();
    private final Map<String, Boolean> realDirs = new HashMap<>();

    KeptFiles(Path runtime, TreeMemo memo) {
        this.runtime = runtime;
        this.memo = memo;
    }

    /** {@code rel} is the path the file gets in the staged tree, which is its path in the runtime tree too. */
    @Override
    public Optional<Path> same(String rel, Path source, FileIdentity identity) throws IOException {
        int slash = rel.lastIndexOf('/');
        Path file = runtime.resolve(rel);
        if (rel.isEmpty() || !file.normalize().equals(file) || !file.startsWith(runtime)
                || !realDir(slash < 0 ? "" : rel.substring(0, slash))) {
            return Optional.empty();
        }
        Optional<FileIdentity> mine = FileIdentity.of(file);
        // The mode a private copy would get (TreeCopier.Modes.PRIVATE): the kept file is linked as it is.
        int mode = (identity.mode() & 0111) != 0 ? 0700 : 0600;
        if (mine.isEmpty() || (mine.get().mode() & TYPE) != REGULAR || (mine.get().mode() & 07777) != mode
                || mine.get().size() != identity.size()) {
            return Optional.empty();
        }
        Optional<String> sha = memo.vouched(rel, mine.get());
        if (sha.isEmpty() || !sha.get().equals(TreeManifest.sha256(source))) {
            return Optional.empty();
        }
        kept.put(rel, new Kept(sha.get(), mine.get()));
        return Optional.of(file);
    }

    /**
     * Refuses the staged tree when a kept file still linked there does not hold the digest compared (its bytes changed
     * under the persist: someone wrote to the runtime tree while the lock was held). A kept path the capture replaced
     * by a file of its own ({@code cluster.json}) is that file's business.
     */
    void confirm(Path staged, TreeManifest manifest) throws IOException {
        if (kept.isEmpty()) {
            return;
        }
        for (TreeManifest.Entry e : manifest.entries()) {
            Kept k = kept.get(e.path());
            if (k == null) {
                continue;
            }
            Optional<FileIdentity> now = FileIdentity.of(staged.resolve(e.path()));
            if (now.isPresent() && now.get().sameInode(k.identity())
                    && (e.kind() != TreeManifest.Kind.FILE || !k.sha256().equals(e.sha256()))) {
                throw new IOException(runtime.resolve(e.path()) + " changed while the run's state was being"
                        + " persisted; nothing was committed");
            }
        }
    }

    /** Whether {@code rel} is a directory of the runtime tree reached through directories only (no link). */
    private boolean realDir(String rel) {
        Boolean known = realDirs.get(rel);
        if (known != null) {
            return known;
        }
        int slash = rel.lastIndexOf('/');
        boolean real = (rel.isEmpty() || realDir(slash < 0 ? "" : rel.substring(0, slash)))
                && FileIdentity.of(rel.isEmpty() ? runtime : runtime.resolve(rel))
                        .filter(id -> (id.mode() & TYPE) == DIRECTORY).isPresent();
        realDirs.put(rel, real);
        return real;
    }
}
