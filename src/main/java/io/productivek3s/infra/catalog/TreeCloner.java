package io.productivek3s.infra.catalog;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Gives a run its private copy of a cached tree, checking every path against the {@link TreeRecord} on the way: one
 * {@code stat} per path and a listing per directory, so a tampered entry (any write, chmod, replacement, addition or
 * removal changes a recorded ctime, mtime, size, inode or entry count) is noticed before the run sees a byte of it.
 * {@link #verify} makes the same check without copying, for a tree lent as it is ({@link TreeLoan}).
 *
 * <p>Never hard links: a scenario may rewrite any file of its tree in place (and as root nothing stops it), which
 * through a link would rewrite the cache and every concurrent run's tree. Big files are cloned with
 * {@code cp --reflink=always} where the filesystem shares blocks copy-on-write (btrfs, XFS; probed once per run,
 * Java cannot issue FICLONE itself); everywhere else they are copied in the kernel ({@code sendfile}).
 */
final class TreeCloner {
    /** Below this, a process per file costs more than copying the bytes. */
    static final long REFLINK_MIN_BYTES = 8L * 1024 * 1024;
    static final long RECHECK_MIN_BYTES = 1024 * 1024;
    // Built once, not per file: a 100,000-file tree is copied on every run.
    private static final Set<OpenOption> READ = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
    private static final FileAttribute<?> PLAIN = PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE);
    private static final FileAttribute<?> EXEC = PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE_EXEC);

    /** The cache entry changed since it was recorded. */
    static final class TamperedException extends IOException {
        TamperedException(String path) {
            super("cached package tree changed since it was built: " + path);
        }
    }

    private Boolean reflinks;
    /** Per mode: whether creating with it yields it exactly (the umask strips no owner bit); checked once each. */
    private final Map<Set<PosixFilePermission>, Boolean> modeExact = new HashMap<>();

    /**
     * Copies the tree {@code record} lists (read on, path by path) from {@code source} into the existing empty
     * directory {@code target}. A damaged record counts as tampering: the entry is rebuilt.
     */
    void cloneTree(TreeRecord.Reader record, Path source, Path target) throws IOException {
        TreeRecord.Node node;
        String env = envPath(record.scanned());
        while ((node = next(record)) != null) {
            Path from = source.resolve(node.path());
            check(node, from, env, record.scanned());
            Path to = target.resolve(node.path());
            switch (node.kind()) {
                case DIRECTORY -> {
                    Files.createDirectory(to, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
                    fixMode(to, Files2.DIR_PRIVATE);
                }
                case SYMLINK -> Files.createSymbolicLink(to, Path.of(node.linkTarget()));
                case FILE -> copyFile(from, to, node.identity());
                default -> throw new IllegalStateException(node.kind().name());
            }
        }
    }

    /**
     * Checks that {@code tree} is exactly what {@code record} lists, nothing changed, added or removed, without
     * copying it (a tree about to be lent to a run as it is).
     */
    static void verify(TreeRecord.Reader record, Path tree) throws IOException {
        TreeRecord.Node node;
        int topLevel = 0;
        String env = envPath(record.scanned());
        while ((node = next(record)) != null) {
            check(node, tree.resolve(node.path()), env, record.scanned());
            if (node.path().indexOf('/') < 0) {
                topLevel++;
            }
        }
        // the root itself is not recorded (a rename changes its times): its entries are counted here
        if (TreeRecord.list(tree).size() != topLevel) {
            throw new TamperedException(".");
        }
    }

    private static TreeRecord.Node next(TreeRecord.Reader record) throws TamperedException {
        try {
            return record.next();
        } catch (IOException e) {
            throw new TamperedException("entry.bin (" + e.getMessage() + ")");
        }
    }

    /**
     * Where the package's {@code profile.env} is in the tree. The engine writes the normalized env file over it in
     * every run (docs/contract/env-files.md#make-safe-env-file), so a lent tree comes back with it replaced ({@link TreeLoan} writes the package's
     * bytes back) and it is checked by its content, which the record holds, instead of by its identity.
     */
    static String envPath(ProfileArchive.Scanned scanned) {
        return scanned.listing().rootPrefix() + "profile.env";
    }

    /** One path of the entry against its record; one that cannot be read (removed, or named by a damaged record) is tampering too. */
    private static void check(TreeRecord.Node node, Path from, String envPath, ProfileArchive.Scanned scanned)
            throws TamperedException {
        try {
            FileIdentity live = FileIdentity.read(from);
            if (node.kind() == TreeRecord.Kind.FILE && node.path().equals(envPath)) {
                if (TreeRecord.kindOf(live.mode()) != TreeRecord.Kind.FILE || live.mode() != node.identity().mode()
                        || !java.util.Arrays.equals(Files.readAllBytes(from), scanned.listing().profileEnv().orElse(null))) {
                    throw new TamperedException(node.path());
                }
                return;
            }
            if (node.kind() == TreeRecord.Kind.DIRECTORY && TreeRecord.kindOf(live.mode()) == TreeRecord.Kind.DIRECTORY) {
                live = live.asDirectory(TreeRecord.list(from).size());
            }
            if (!unchanged(node, from, live)) {
                throw new TamperedException(node.path());
            }
        } catch (TamperedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new TamperedException(node.path());
        }
    }

    /** {@code live} (read from {@code from}) is the recorded identity, and a symlink still names its recorded target. */
    static boolean unchanged(TreeRecord.Node node, Path from, FileIdentity live) throws IOException {
        return live.equals(node.identity())
                && (node.kind() != TreeRecord.Kind.SYMLINK || Files.readSymbolicLink(from).toString().equals(node.linkTarget()));
    }

    private void copyFile(Path from, Path to, FileIdentity identity) throws IOException {
        Set<PosixFilePermission> mode = (identity.mode() & 0100) != 0 ? Files2.FILE_PRIVATE_EXEC : Files2.FILE_PRIVATE;
        if (identity.size() >= REFLINK_MIN_BYTES && reflink(from, to)) {
            Files.setPosixFilePermissions(to, mode);
        } else {
            try (FileChannel in = FileChannel.open(from, READ);
                 FileChannel out = FileChannel.open(to, CREATE, mode == Files2.FILE_PRIVATE_EXEC ? EXEC : PLAIN)) {
                long size = identity.size();   // just checked; no fstat per file
                long done = 0;
                while (done < size) {
                    long n = in.transferTo(done, size - done, out);
                    if (n <= 0) {
                        break;
                    }
                    done += n;
                }
            }
            fixMode(to, mode);
        }
        // The bytes just copied must still be the recorded ones: a write racing a long copy shows in the identity.
        // (Small files are copied in one call right after their check; a second stat would double the per-file cost.)
        if (identity.size() >= RECHECK_MIN_BYTES && !FileIdentity.read(from).equals(identity)) {
            throw new TamperedException(from.toString());
        }
    }

    private void fixMode(Path path, Set<PosixFilePermission> mode) throws IOException {
        Boolean exact = modeExact.get(mode);
        if (exact == null) {
            exact = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS).equals(mode);
            modeExact.put(mode, exact);
        }
        if (!exact) {
            Files.setPosixFilePermissions(path, mode);
        }
    }

    /** A copy-on-write clone; false (and nothing left at {@code to}) where the filesystem cannot share blocks. */
    private boolean reflink(Path from, Path to) throws IOException {
        if (Boolean.FALSE.equals(reflinks)) {
            return false;
        }
        boolean cloned;
        try {
            Process cp = new ProcessBuilder("cp", "--reflink=always", "--no-dereference", "--", from.toString(),
                    to.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (cp.waitFor(60, TimeUnit.SECONDS)) {
                cloned = cp.exitValue() == 0;
            } else {
                cp.destroyForcibly().waitFor();
                cloned = false;
            }
        } catch (IOException e) {
            cloned = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while cloning " + from, e);
        }
        if (!cloned) {
            Files.deleteIfExists(to);
        }
        reflinks = cloned;
        return cloned;
    }
}
