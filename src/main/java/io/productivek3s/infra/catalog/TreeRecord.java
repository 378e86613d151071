package io.productivek3s.infra.catalog;

import io.productivek3s.infra.fs.FileIdentity;
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
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a cached extraction must look like, stored as {@code entry.bin} next to the tree: the package's scan result
 * (so {@code validate} needs no read of the archive) followed by every path of the extracted tree with the
 * {@link FileIdentity} it had when the entry was built, parents before children. A directory's identity carries its
 * number of entries in place of size and times ({@link FileIdentity#asDirectory}): an added or removed entry changes
 * the count, a replaced one the inode of that entry.
 *
 * <p>Paths are written while the tree is walked and read back one at a time while it is cloned, never held as a
 * list: a 100,000-file package would otherwise keep ~170 bytes per path alive for the whole copy. A binary format
 * because the record of a big package is read on every run.
 */
final class TreeRecord {
    // 3: a directory is recorded by device, inode, mode and its number of entries, not by its times, so that a tree
    // lent to a run (PackageCache) can be handed back after the run's own additions are removed, unrecorded.
    private static final int FORMAT = 3;
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
     * Writes the record of the freshly extracted {@code tree} (pre-order, links not followed) to {@code raw}.
     *
     * @return bytes of regular files, what the entry costs on disk
     */
    static long capture(ProfileArchive.Scanned scanned, Path tree, OutputStream raw) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 64 * 1024));
        writeHead(out, scanned);
        long bytes = captureChildren(list(tree), "", out);
        out.writeByte(END);
        out.flush();
        return bytes;
    }

    static List<Path> list(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        return children;
    }

    private static long captureChildren(List<Path> children, String rel, DataOutputStream out) throws IOException {
        long bytes = 0;
        for (Path child : children) {
            String path = rel.isEmpty() ? child.getFileName().toString() : rel + "/" + child.getFileName();
            FileIdentity identity = FileIdentity.read(child);
            Kind kind = kindOf(identity.mode());
            if (kind == null) {
                throw new IOException("unexpected file type in an extracted package: " + child);
            }
            if (kind == Kind.DIRECTORY) {
                List<Path> entries = list(child);
                writeNode(out, new Node(path, kind, identity.asDirectory(entries.size()), null));
                bytes += captureChildren(entries, path, out);
            } else {
                writeNode(out, new Node(path, kind, identity,
                        kind == Kind.SYMLINK ? Files.readSymbolicLink(child).toString() : null));
                if (kind == Kind.FILE) {
                    bytes += identity.size();
                }
            }
        }
        return bytes;
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
            return Optional.of(readHead(new DataInputStream(new BufferedInputStream(raw, 64 * 1024)), true));
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
            this(raw, true);
        }

        private Reader(InputStream raw, boolean listing) throws IOException {
            this.in = new DataInputStream(new BufferedInputStream(raw, 64 * 1024));
            try {
                this.scanned = readHead(in, listing);
            } catch (RuntimeException e) {
                throw new IOException("damaged record", e);
            }
        }

        /**
         * A reader for the paths only: its {@link #scanned()} keeps the digest, root prefix and {@code profile.env}
         * but not the listing's file and directory sets (a 100,000-file package's sets are ~15 MB of strings).
         */
        static Reader pathsOnly(InputStream raw) throws IOException {
            return new Reader(raw, false);
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

    private static ProfileArchive.Scanned readHead(DataInputStream in, boolean keepListing) throws IOException {
        if (in.readInt() != FORMAT) {
            throw new IOException("not a record of this version");
        }
        String sha256 = in.readUTF();
        long tarBytes = in.readLong();
        long members = in.readLong();
        String prefix = in.readUTF();
        byte[] manifest = readBytes(in);
        Optional<byte[]> env = in.readBoolean() ? Optional.of(readBytes(in)) : Optional.empty();
        Set<String> files = readStrings(in, keepListing);
        Set<String> directories = readStrings(in, keepListing);
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

    private static Set<String> readStrings(DataInputStream in, boolean keep) throws IOException {
        int n = count(in);
        Set<String> set = new HashSet<>();
        for (int i = 0; i < n; i++) {
            if (keep) {
                set.add(in.readUTF());
            } else {
                in.skipNBytes(in.readUnsignedShort());   // readUTF's length prefix, then the bytes
            }
        }
        return set;
    }
}
