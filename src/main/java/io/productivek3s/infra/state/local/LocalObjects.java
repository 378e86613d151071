package io.productivek3s.infra.state.local;

import io.productivek3s.infra.state.CrashPoints;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The local driver's objects (docs/state.md "Local backend"), shared by every name. Two trees:
 * <ul>
 * <li>{@code .history/objects/<aa>/<sha256>}: content whose sha256 is its name (what the state layer stores, and
 *     every object an engine before the driver wrote). A file is stored once whatever the number of revisions or
 *     clusters containing it. Big files (provider binaries) are hard-linked from the runtime tree being published,
 *     so storing them costs no bytes; they then share the runtime file's inode and mode (a chmod would change the
 *     runtime file too). Small files are private read-only (0400) copies, checked against their digest as they
 *     are written. An existing object is kept only when its content has its name (or it is the very file being
 *     published), else it is replaced by renaming a fresh copy over it: an object never holds other bytes than its
 *     name says, and a damaged one is repaired by the next persist of that content.</li>
 * <li>{@code .history/opaque/<aa>/<address>}: bytes whose sha256 is not their address — a decorator's objects
 *     (encryption: sealed bytes under a keyed address). They cannot be checked here; their reader authenticates
 *     them (docs/state.md "Encryption at rest"). The decorator says so ({@link #hasOpaque}, {@link #addOpaque},
 *     {@link #openOpaque}): then only this tree is looked at and the bytes are not hashed; {@link #add(InputStream,
 *     String, long)} from anyone else still decides the tree by the digest of what it wrote.</li>
 * </ul>
 * The store never opens an object for writing. The caller ({@link LocalDriver}) holds the history lock
 * exclusively while it adds or collects, shared while it reads, and has checked {@code .history} itself as a real
 * directory when it took the lock to add ({@code LocalDriver.exclusive}); the directories below it are checked
 * here, per object.
 */
final class LocalObjects {
    /** Files at least this big are hard-linked rather than copied. */
    static final long LINK_MIN_BYTES = 1L << 20;
    private static final Pattern ADDRESS = Pattern.compile("[0-9a-f]{64}");

    private final Path history;
    private final Path plain;
    private final Path opaque;

    LocalObjects(Path historyDir) {
        this.history = historyDir;
        this.plain = historyDir.resolve("objects");
        this.opaque = historyDir.resolve("opaque");
    }

    private static String checked(String address) throws IOException {
        if (address == null || !ADDRESS.matcher(address).matches()) {
            throw new IOException("not an object address (64 hex digits): " + address);
        }
        return address;
    }

    Path path(String address) throws IOException {
        return plain.resolve(checked(address).substring(0, 2)).resolve(address);
    }

    private Path opaquePath(String address) throws IOException {
        return opaque.resolve(checked(address).substring(0, 2)).resolve(address);
    }

    /**
     * Whether {@code address} is stored and, for a content-addressed object below {@link #LINK_MIN_BYTES}, holds the
     * content its name says: a damaged or planted object counts as absent, so the next persist stores it again. A
     * big object is not read (a persist links it anew only when it is asked to; pull verifies every digest).
     */
    boolean has(String address) throws IOException {
        Path object = path(address);
        if (Files2.isRegularNoFollow(object)) {
            if (Files.size(object) >= LINK_MIN_BYTES) {
                return true;
            }
            try {
                return TreeManifest.sha256(object).equals(address);
            } catch (NoSuchFileException collected) {
                return false;
            }
        }
        return Files2.isRegularNoFollow(opaquePath(address));
    }

    /**
     * Whether the opaque object {@code address} is stored (unchecked: its reader authenticates it), asked of
     * {@code opaque/} alone with one stat: the decorator knows its addresses are keyed, so {@code objects/} is not
     * asked (for a sealed object it would be one failed stat more, per object and per question).
     */
    boolean hasOpaque(String address) throws IOException {
        return Files2.isRegularNoFollow(opaquePath(address));
    }

    /** Whether {@code address} is stored at all (unchecked): what a record may reference. */
    boolean exists(String address) throws IOException {
        return Files2.isRegularNoFollow(path(address)) || Files2.isRegularNoFollow(opaquePath(address));
    }

    /**
     * Makes {@code file}'s content available as object {@code sha256}; returns the bytes newly written (0 when the
     * object existed or was hard-linked). An existing object is kept when it is {@code file} itself (a hard link:
     * its bytes are the ones just described); a big file is otherwise linked anew over it (no need to read 100 MB
     * to trust an object we can replace for free); a small one is kept when its content has its digest. Anything
     * else (damaged, planted) is replaced atomically, and a copy is checked against {@code sha256} as it is
     * written.
     */
    long add(Path file, String sha256, long size) throws IOException {
        Path object = path(sha256);
        boolean exists = Files2.isRegularNoFollow(object);
        if (exists && sameFile(object, file)) {
            return 0;
        }
        Path tmp = temp(object, sha256);
        try {
            if (size >= LINK_MIN_BYTES && link(tmp, file)) {
                Files.move(tmp, object, StandardCopyOption.ATOMIC_MOVE);
                return 0;
            }
            if (exists && Files.size(object) == size && TreeManifest.sha256(object).equals(sha256)) {
                return 0;
            }
            MessageDigest md = Digests.newDigest();
            long written;
            try (InputStream in = new DigestInputStream(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS), md)) {
                written = write(in, tmp);
            }
            if (written != size || !hex(md).equals(sha256)) {
                throw new IOException(file + " changed while it was being stored");
            }
            publish(tmp, object);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return size;
    }

    /**
     * Stores the bytes of {@code in} (exactly {@code size}) under {@code address}: in the content-addressed tree
     * when their sha256 is {@code address}, else in the opaque one, replacing what was there atomically. Returns
     * {@code size}. When {@code in} fails (its source found the content wrong), nothing is stored.
     */
    long add(InputStream in, String address, long size) throws IOException {
        Path object = path(address);
        Path tmp = temp(object, address);
        try {
            MessageDigest md = Digests.newDigest();
            requireSize(address, write(new DigestInputStream(in, md), tmp), size);
            Path target = hex(md).equals(address) ? object : opaquePath(address);
            if (!target.equals(object)) {
                HistoryDirs.createBelowChecked(history, target.getParent());
            }
            publish(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return size;
    }

    /**
     * Stores the opaque bytes of {@code in} (exactly {@code size}) under {@code address} in {@code opaque/},
     * replacing what was there atomically; returns {@code size}. Written beside their final place and not hashed:
     * their address is not their digest (the decorator's reader authenticates them). When {@code in} fails (or
     * has another size), nothing is stored.
     */
    long addOpaque(InputStream in, String address, long size) throws IOException {
        Path object = opaquePath(address);
        Path tmp = temp(object, address);
        try {
            requireSize(address, write(in, tmp), size);
            publish(tmp, object);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return size;
    }

    private static void requireSize(String address, long written, long size) throws IOException {
        if (written != size) {
            throw new IOException("object " + address + " has " + written + " bytes, not " + size);
        }
    }

    private Path temp(Path object, String address) throws IOException {
        HistoryDirs.createBelowChecked(history, object.getParent());
        return object.resolveSibling(".tmp-" + hex() + "-" + address);
    }

    /**
     * Copies {@code in} to the new file {@code tmp}, synced to disk; returns the number of bytes written. The buffer
     * is filled before it is written: a sealed stream hands out its header and its chunk in two reads, and one
     * write of a small object instead of two saves a syscall per object; a stream that ends early is not read again.
     */
    private static long write(InputStream in, Path tmp) throws IOException {
        long written = 0;
        try (FileChannel channel = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = buffer.length; n == buffer.length; ) {
                n = in.readNBytes(buffer, 0, buffer.length);
                out.write(buffer, 0, n);
                written += n;
            }
            out.flush();
            channel.force(true);
        }
        return written;
    }

    private static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    private static void publish(Path tmp, Path object) throws IOException {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--------"));
        Files.move(tmp, object, StandardCopyOption.ATOMIC_MOVE);
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

    /**
     * The stored bytes of {@code address}; an {@link IOException} naming it when it is not stored. The tree holding it
     * is asked first with a stat ({@link Files2#isRegularNoFollow}), not by a failed open: a sealed object lives in
     * {@code opaque/}, and a {@code NoSuchFileException} per object costs ~25 us (docs/performance.md "Encryption at
     * rest", "C2 for the crypto classes only").
     * Opened without following links either way.
     */
    InputStream open(String address) throws IOException {
        Path object = path(address);
        Path other = opaquePath(address);
        if (!Files2.isRegularNoFollow(object)) {
            Path swap = object;
            object = other;
            other = swap;
        }
        for (Path candidate : new Path[] {object, other}) {
            try {
                return Files.newInputStream(candidate, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException next) {
                // gone since the stat, or in neither tree: try the other one
            }
        }
        throw new IOException("stored object " + address + " is missing");
    }

    /**
     * The stored bytes of the opaque object {@code address}, opened in {@code opaque/} without a stat first and
     * without following a link; an {@link IOException} naming it when it is not stored there. The usual case (a
     * restore under the current key) finds it: one open per object, where {@link #open} would stat
     * {@code objects/} in vain first.
     */
    InputStream openOpaque(String address) throws IOException {
        try {
            return Files.newInputStream(opaquePath(address), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException absent) {
            throw new IOException("stored object " + address + " is missing");
        }
    }

    /** The content of a content-addressed object, if stored (a legacy record's engine-state.json). */
    Optional<byte[]> read(String sha256) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(path(sha256)));
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        }
    }

    /** Deletes every object (and stray temp file) not in {@code referenced}, in both trees. */
    int collect(Set<String> referenced) throws IOException {
        return collect(plain, referenced) + collect(opaque, referenced);
    }

    private static int collect(Path root, Set<String> referenced) throws IOException {
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
