package io.productivek3s.infra.cache;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.TreeCopier;
import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a cached extraction must look like, stored as {@code entry.bin} next to the tree: the package's scan result
 * (so {@code validate} needs no read of the archive) followed by every path of the extracted tree, its root
 * included, with the {@link FileIdentity} it had when the entry was built, in the order {@link TreeCopier} walks a
 * tree. Directories are recorded like files, change time included, so a mode, ACL or xattr change on one (which only
 * the change time shows) is seen as surely as an added, removed or replaced entry.
 *
 * <p>Paths are written while the tree is walked and read back one at a time while it is copied ({@link Check}),
 * never held as a list: a 100,000-file package would otherwise keep ~170 bytes per path alive for the whole copy. A
 * binary format because the record of a big package is read on every run.
 */
final class TreeRecord {
    // 4: the root is recorded, directories with their times, paths in TreeCopier's (sorted) order; no tree is lent.
    private static final int FORMAT = 4;
    /** Files of this size and more are checked again after their copy: a write racing a long copy shows there. */
    static final long RECHECK_MIN_BYTES = 1024 * 1024;
    /** Ends the path list (kinds are 0..2). */
    private static final int END = 0x7f;

    enum Kind { DIRECTORY, FILE, SYMLINK }

    /** One path relative to the tree root; {@code linkTarget} only for symlinks. */
    record Node(String path, Kind kind, FileIdentity identity, String linkTarget) {
    }

    private TreeRecord() {
    }

    /** A record of a package only validated: its scan result and no tree. */
    static void writeScan(ProfileArchive.Scanned scanned, OutputStream raw) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 64 * 1024));
        writeHead(out, scanned);
        out.writeByte(END);
        out.flush();
    }

    /**
     * Writes the record of the freshly extracted {@code tree} (links not followed) to {@code raw}.
     *
     * @return bytes of regular files (what the entry costs on disk) and the latest change time of a path
     */
    static Captured capture(ProfileArchive.Scanned scanned, Path tree, OutputStream raw) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 64 * 1024));
        writeHead(out, scanned);
        long[] bytes = {0, Long.MIN_VALUE};
        TreeCopier.walk(tree, (rel, path, identity) -> {
            Kind kind = kindOf(identity.mode());
            if (kind == null) {
                throw new IOException("unexpected file type in an extracted package: " + path);
            }
            writeNode(out, new Node(rel, kind, identity, kind == Kind.SYMLINK ? Files.readSymbolicLink(path).toString() : null));
            bytes[0] += kind == Kind.FILE ? identity.size() : 0;
            bytes[1] = Math.max(bytes[1], Math.max(identity.ctimeNanos(), identity.mtimeNanos()));
        });
        out.writeByte(END);
        out.flush();
        return new Captured(bytes[0], bytes[1]);
    }

    /** What {@link #capture} saw: bytes of regular files, and the latest change or modification time. */
    record Captured(long bytes, long latestChangeNanos) {
    }

    static Kind kindOf(int mode) {
        return switch (mode & 0170000) {
            case 0040000 -> Kind.DIRECTORY;
            case 0100000 -> Kind.FILE;
            case 0120000 -> Kind.SYMLINK;
            default -> null;
        };
    }

    /** The scan result alone (what validate needs), or empty when it is not one this version wrote. */
    static Optional<ProfileArchive.Scanned> readScanned(InputStream raw) {
        try {
            return Optional.of(readHead(new DataInputStream(new BufferedInputStream(raw, 64 * 1024))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Reads a record front to back: {@link #scanned()} first, then {@link #next()} path by path. */
    static final class Reader {
        private final DataInputStream in;
        private final ProfileArchive.Scanned scanned;
        private boolean done;

        /** @throws IOException when the head is not one this version wrote */
        Reader(InputStream raw) throws IOException {
            this.in = new DataInputStream(new BufferedInputStream(raw, 64 * 1024));
            try {
                this.scanned = readHead(in);
            } catch (RuntimeException e) {
                throw new IOException("damaged record", e);
            }
        }

        ProfileArchive.Scanned scanned() {
            return scanned;
        }

        /** The next path, or null after the last one; damage (a truncated or extended record) is an IOException. */
        Node next() throws IOException {
            if (done) {
                return null;
            }
            int tag = in.readUnsignedByte();
            if (tag == END) {
                done = true;
                if (in.read() != -1) {
                    throw new IOException("trailing bytes after the record");
                }
                return null;
            }
            Kind[] kinds = Kind.values();
            if (tag >= kinds.length) {
                throw new IOException("unknown path kind " + tag);
            }
            Kind kind = kinds[tag];
            String path = in.readUTF();
            FileIdentity id = new FileIdentity(in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                    in.readLong(), in.readInt());
            return new Node(path, kind, id, kind == Kind.SYMLINK ? in.readUTF() : null);
        }
    }

    /** The cache entry changed since it was recorded. */
    static final class TamperedException extends IOException {
        TamperedException(String path) {
            super("cached package tree changed since it was built: " + (path.isEmpty() ? "." : path));
        }
    }

    /**
     * Checks a tree against its record while {@link TreeCopier} copies it: each path it visits must be the next one
     * recorded, with the recorded identity (and link target); {@link #finish} then finds nothing left. So any write,
     * chmod, ACL or xattr change, replacement, addition or removal (each changes a path, an inode or a change time)
     * stops the copy before the run sees the tree. A damaged record counts as tampering: the entry is rebuilt.
     */
    static final class Check implements TreeCopier.Watch {
        private final Reader record;

        Check(Reader record) {
            this.record = record;
        }

        @Override
        public void visit(String rel, Path path, FileIdentity identity) throws IOException {
            Node node = next();
            if (node == null || !node.path().equals(rel) || !node.identity().equals(identity)
                    || node.kind() == Kind.SYMLINK && !Files.readSymbolicLink(path).toString().equals(node.linkTarget())) {
                throw new TamperedException(rel);
            }
        }

        /** The bytes just copied must still be the recorded ones (small files are copied right after their check). */
        @Override
        public void copied(String rel, Path path, FileIdentity identity) throws IOException {
            if (identity.size() >= RECHECK_MIN_BYTES && !FileIdentity.read(path).equals(identity)) {
                throw new TamperedException(rel);
            }
        }

        /** After the walk: no recorded path was left unvisited. */
        void finish() throws IOException {
            Node node = next();
            if (node != null) {
                throw new TamperedException(node.path());
            }
        }

        private Node next() throws TamperedException {
            try {
                return record.next();
            } catch (IOException e) {
                throw new TamperedException("entry.bin (" + e.getMessage() + ")");
            }
        }
    }

    private static void writeHead(DataOutputStream out, ProfileArchive.Scanned scanned) throws IOException {
        out.writeInt(FORMAT);
        PackageListing listing = scanned.listing();
        out.writeUTF(scanned.sha256());
        out.writeLong(scanned.tarBytes());
        out.writeLong(scanned.members());
        out.writeUTF(listing.rootPrefix());
        writeBytes(out, listing.manifest());
        out.writeBoolean(listing.profileEnv().isPresent());
        if (listing.profileEnv().isPresent()) {
            writeBytes(out, listing.profileEnv().get());
        }
        writeStrings(out, listing.files());
        writeStrings(out, listing.directories());
        out.writeInt(listing.symlinks().size());
        for (Map.Entry<String, String> link : listing.symlinks().entrySet()) {
            out.writeUTF(link.getKey());
            out.writeUTF(link.getValue());
        }
    }

    private static void writeNode(DataOutputStream out, Node node) throws IOException {
        out.writeByte(node.kind().ordinal());
        out.writeUTF(node.path());
        FileIdentity id = node.identity();
        out.writeLong(id.device());
        out.writeLong(id.inode());
        out.writeLong(id.size());
        out.writeLong(id.mtimeNanos());
        out.writeLong(id.ctimeNanos());
        out.writeInt(id.mode());
        if (node.kind() == Kind.SYMLINK) {
            out.writeUTF(node.linkTarget());
        }
    }

    private static ProfileArchive.Scanned readHead(DataInputStream in) throws IOException {
        if (in.readInt() != FORMAT) {
            throw new IOException("not a record of this version");
        }
        String sha256 = in.readUTF();
        long tarBytes = in.readLong();
        long members = in.readLong();
        String prefix = in.readUTF();
        byte[] manifest = readBytes(in);
        Optional<byte[]> env = in.readBoolean() ? Optional.of(readBytes(in)) : Optional.empty();
        Set<String> files = readStrings(in);
        Set<String> directories = readStrings(in);
        int links = count(in);
        Map<String, String> symlinks = new HashMap<>();
        for (int i = 0; i < links; i++) {
            symlinks.put(in.readUTF(), in.readUTF());
        }
        PackageListing listing = new PackageListing(prefix, manifest, env, files, directories, symlinks);
        return new ProfileArchive.Scanned(listing, sha256, tarBytes, members);
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative count");
        }
        return n;
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = count(in);
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new EOFException();
        }
        return bytes;
    }

    private static void writeStrings(DataOutputStream out, Set<String> strings) throws IOException {
        out.writeInt(strings.size());
        for (String s : strings) {
            out.writeUTF(s);
        }
    }

    private static Set<String> readStrings(DataInputStream in) throws IOException {
        int n = count(in);
        Set<String> set = new HashSet<>();
        for (int i = 0; i < n; i++) {
            set.add(in.readUTF());
        }
        return set;
    }
}
