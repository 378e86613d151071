package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The local history's content store, shared by every name: {@code <dir>/.history/objects/<aa>/<sha256>}. A file is
 * stored once whatever the number of revisions or clusters containing it. Big files (provider binaries) are
 * hard-linked from the runtime tree being published, so storing them costs no bytes; they then share the runtime
 * file's inode and mode (a chmod would change the runtime file too). Small files, the ones tools rewrite (state,
 * keys, cluster.json), are private read-only (0400) copies, checked against their digest as they are written. The
 * store never opens an object for writing: an existing object is kept only when its content has its name (or it is
 * the very file being published), else it is replaced by renaming a fresh copy over it. Every read for pull or
 * rollback verifies the digest too, so a damaged or planted object is detected, not restored. Adding objects,
 * pruning records and collecting garbage happen under {@code .history/objects.lock} held exclusively; readers hold it
 * shared ({@link #lockShared()}) from listing records to reading the last object, so garbage collection never
 * deletes an object a reader is about to read.
 */
final class ObjectStore {
    /** Files at least this big are hard-linked rather than copied. */
    static final long LINK_MIN_BYTES = 1L << 20;
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;
    private final Path lockFile;

    ObjectStore(Path historyDir) {
        this.root = historyDir.resolve("objects");
        this.lockFile = historyDir.resolve("objects.lock");
    }

    /** Holds the store's lock: adding objects plus staging the record that references them, or a GC. */
    FileLocks.Held lock() throws IOException {
        Files2.createPrivateDirectories(lockFile.getParent());
        return FileLocks.lock(lockFile);
    }

    /**
     * Holds the store's lock shared, for reading records and objects: many readers at once, no GC meanwhile. A store
     * that does not exist yet needs no lock (and is not created by a reader): nothing of it can be read, and a
     * history started meanwhile prunes nothing until it holds more revisions than the limit.
     */
    FileLocks.Held lockShared() throws IOException {
        if (!Files.isDirectory(lockFile.getParent(), LinkOption.NOFOLLOW_LINKS)) {
            return FileLocks.Held.none();
        }
        return FileLocks.lockShared(lockFile);
    }

    Path path(String sha256) throws IOException {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IOException("not a sha256 object name: " + sha256);
        }
        return root.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    /**
     * Makes {@code file}'s content available as object {@code sha256}; returns the bytes newly written (0 when the
     * object existed or was hard-linked). The caller holds {@link #lock()}. An existing object is kept when it is
     * {@code file} itself (a hard link: its bytes are the ones just described); a big file is otherwise linked anew
     * over it (no need to read 100 MB to trust an object we can replace for free); a small one is kept when its
     * content has its digest. Anything else (damaged, planted) is replaced atomically, by renaming a fresh copy over
     * it, and a copy is checked against {@code sha256} as it is written: an object never holds other bytes than its
     * name says.
     */
    long add(Path file, String sha256, long size) throws IOException {
        Path object = path(sha256);
        boolean exists = Files.isRegularFile(object, LinkOption.NOFOLLOW_LINKS);
        if (exists && sameFile(object, file)) {
            return 0;
        }
        Files2.createPrivateDirectories(object.getParent());
        Path tmp = object.resolveSibling(".tmp-" + hex() + "-" + sha256);
        try {
            if (size >= LINK_MIN_BYTES && link(tmp, file)) {
                Files.move(tmp, object, StandardCopyOption.ATOMIC_MOVE);
                return 0;
            }
            if (exists && Files.size(object) == size && TreeManifest.sha256(object).equals(sha256)) {
                return 0;
            }
            copyVerified(file, tmp, sha256, size);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--------"));
            Files.move(tmp, object, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return size;
    }

    private static boolean sameFile(Path object, Path file) throws IOException {
        try {
            return Files.isSameFile(object, file);
        } catch (NoSuchFileException gone) {
            return false;
        }
    }

    private static boolean link(Path tmp, Path file) {
        try {
            Files.createLink(tmp, file);
            return true;
        } catch (IOException | UnsupportedOperationException crossDevice) {
            return false; // another filesystem or no hard links: copy
        }
    }

    private static void copyVerified(Path file, Path tmp, String sha256, long size) throws IOException {
        MessageDigest md = Digests.newDigest();
        long copied = 0;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
                OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                md.update(buffer, 0, n);
                out.write(buffer, 0, n);
                copied += n;
            }
        }
        if (copied != size || !HexFormat.of().formatHex(md.digest()).equals(sha256)) {
            throw new IOException(file + " changed while it was being stored");
        }
    }

    InputStream open(String sha256) throws IOException {
        try {
            return Files.newInputStream(path(sha256), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new IOException("stored object " + sha256 + " is missing");
        }
    }

    /** Deletes every object (and stray temp file) not in {@code referenced}; the caller holds {@link #lock()}. */
    int collect(Set<String> referenced) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int deleted = 0;
        try (DirectoryStream<Path> prefixes = Files.newDirectoryStream(root)) {
            for (Path prefix : prefixes) {
                if (!Files.isDirectory(prefix, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> objects = Files.newDirectoryStream(prefix)) {
                    for (Path object : objects) {
                        if (!referenced.contains(object.getFileName().toString())) {
                            Files.deleteIfExists(object);
                            deleted++;
                            CrashPoints.reach("history.gc-deleted-one");
                        }
                    }
                }
            }
        }
        return deleted;
    }

    private static String hex() {
        byte[] random = new byte[8];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
