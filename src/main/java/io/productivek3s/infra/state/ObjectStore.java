package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
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
 * keys, cluster.json), are private read-only (0400) copies. The store never opens an object for writing, and every
 * read for pull or rollback verifies the digest, so a tree edited in place behind our back is detected, not
 * restored. Adding objects and collecting garbage happen under {@code .history/objects.lock}.
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

    Path path(String sha256) throws IOException {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IOException("not a sha256 object name: " + sha256);
        }
        return root.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    /**
     * Makes {@code file}'s content available as object {@code sha256}; returns the bytes newly written (0 when the
     * object existed or was hard-linked). An existing object of the wrong size (damaged) is replaced.
     */
    long add(Path file, String sha256, long size) throws IOException {
        Path object = path(sha256);
        if (Files.isRegularFile(object, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.size(object) == size) {
                return 0;
            }
            Files.delete(object);
        }
        Files2.createPrivateDirectories(object.getParent());
        if (size >= LINK_MIN_BYTES) {
            try {
                Files.createLink(object, file);
                return 0;
            } catch (FileAlreadyExistsException raced) {
                return 0;
            } catch (IOException | UnsupportedOperationException crossDevice) {
                // another filesystem or no hard links: copy below
            }
        }
        Path tmp = object.resolveSibling(".tmp-" + hex() + "-" + sha256);
        try {
            Files.copy(file, tmp, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--------"));
            Files.move(tmp, object, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return size;
    }

    boolean contains(String sha256) throws IOException {
        return Files.isRegularFile(path(sha256), LinkOption.NOFOLLOW_LINKS);
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
