package io.productivek3s.infra.catalog;

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
 * {@code stat} per path, so a tampered entry (any write, chmod, replacement, addition or removal changes a recorded
 * ctime, mtime, size or inode) is noticed before the run sees a byte of it.
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
        while (true) {
            TreeRecord.Node node;
            try {
                node = record.next();
            } catch (IOException e) {
                throw new TamperedException("entry.bin (" + e.getMessage() + ")");
            }
            if (node == null) {
                return;
            }
            Path from = source.resolve(node.path());
            if (!identityOf(from, node.path()).equals(node.identity())) {
                throw new TamperedException(node.path());
            }
            Path to = target.resolve(node.path());
            switch (node.kind()) {
                case DIRECTORY -> {
                    Files.createDirectory(to, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
                    fixMode(to, Files2.DIR_PRIVATE);
                }
                case SYMLINK -> {
                    if (!Files.readSymbolicLink(from).toString().equals(node.linkTarget())) {
                        throw new TamperedException(node.path());
                    }
                    Files.createSymbolicLink(to, Path.of(node.linkTarget()));
                }
                case FILE -> copyFile(from, to, node.identity());
                default -> throw new IllegalStateException(node.kind().name());
            }
        }
    }

    /** A path of the entry that cannot be read (removed, or named by a damaged record) is tampering too. */
    private static FileIdentity identityOf(Path from, String path) throws TamperedException {
        try {
            return FileIdentity.read(from);
        } catch (IOException | RuntimeException e) {
            throw new TamperedException(path);
        }
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
