package io.productivek3s.infra.catalog;

import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
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
 * What a cached extraction must look like: the package's scan result (so {@code validate} needs no read) and every
 * path of the extracted tree with the {@link FileIdentity} it had when the entry was built, parents before children.
 * Stored as {@code entry.bin} next to the tree; a binary format because a 100,000-file record is read on every run.
 */
record TreeRecord(ProfileArchive.Scanned scanned, List<Node> nodes) {
    private static final int FORMAT = 1;

    enum Kind { DIRECTORY, FILE, SYMLINK }

    /** One path relative to the tree root; {@code linkTarget} only for symlinks. */
    record Node(String path, Kind kind, FileIdentity identity, String linkTarget) {
    }

    /** Bytes of regular files, what the entry costs on disk. */
    long fileBytes() {
        long total = 0;
        for (Node node : nodes) {
            if (node.kind() == Kind.FILE) {
                total += node.identity().size();
            }
        }
        return total;
    }

    /** Records the freshly extracted {@code tree}, pre-order, without following links. */
    static TreeRecord capture(ProfileArchive.Scanned scanned, Path tree) throws IOException {
        List<Node> nodes = new ArrayList<>();
        captureChildren(tree, "", nodes);
        return new TreeRecord(scanned, nodes);
    }

    private static void captureChildren(Path dir, String rel, List<Node> nodes) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(children::add);
        }
        for (Path child : children) {
            String path = rel.isEmpty() ? child.getFileName().toString() : rel + "/" + child.getFileName();
            FileIdentity identity = FileIdentity.read(child);
            Kind kind = kindOf(identity.mode());
            if (kind == null) {
                throw new IOException("unexpected file type in an extracted package: " + child);
            }
            String target = kind == Kind.SYMLINK ? Files.readSymbolicLink(child).toString() : null;
            nodes.add(new Node(path, kind, identity, target));
            if (kind == Kind.DIRECTORY) {
                captureChildren(child, path, nodes);
            }
        }
    }

    static Kind kindOf(int mode) {
        return switch (mode & 0170000) {
            case 0040000 -> Kind.DIRECTORY;
            case 0100000 -> Kind.FILE;
            case 0120000 -> Kind.SYMLINK;
            default -> null;
        };
    }

    void write(OutputStream raw) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 64 * 1024));
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
        out.writeInt(nodes.size());
        for (Node node : nodes) {
            out.writeUTF(node.path());
            out.writeByte(node.kind().ordinal());
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
        out.flush();
    }

    /** The record, or empty when it is not one this version wrote (any damage reads as absent). */
    static Optional<TreeRecord> read(InputStream raw) {
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 64 * 1024));
            if (in.readInt() != FORMAT) {
                return Optional.empty();
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
            int size = count(in);
            List<Node> nodes = new ArrayList<>(size);
            Kind[] kinds = Kind.values();
            for (int i = 0; i < size; i++) {
                String path = in.readUTF();
                Kind kind = kinds[in.readByte()];
                FileIdentity id = new FileIdentity(in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                        in.readLong(), in.readInt());
                nodes.add(new Node(path, kind, id, kind == Kind.SYMLINK ? in.readUTF() : null));
            }
            if (in.read() != -1) {
                return Optional.empty();
            }
            PackageListing listing = new PackageListing(prefix, manifest, env, files, directories, symlinks);
            return Optional.of(new TreeRecord(new ProfileArchive.Scanned(listing, sha256, tarBytes, members), nodes));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
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
        return in.readNBytes(count(in));
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
