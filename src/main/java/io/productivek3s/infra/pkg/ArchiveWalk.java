package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.OffThreadDigestStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * One streaming pass over a gzip tar: validates every member (docs/contract/package.md#safe-extraction) and feeds accepted members to a
 * sink; for a {@code profile.tgz} it then locates the package root (docs/contract/package.md#package-root). Errors come in the docs/contract/package.md#structural-validation order: archive readable → safe
 * entries → package root. An unsafe member is therefore remembered while the rest of the stream is still read
 * (and discarded) to establish that the archive is readable.
 */
final class ArchiveWalk {
    static final String MANIFEST = "profile.yaml";
    static final String PROFILE_ENV = "profile.env";
    /** profile.yaml / profile.env are held in memory; bigger ones are not plausible packages. */
    static final int MAX_METADATA_BYTES = 4 * 1024 * 1024;
    static final int MAX_HEADER_BYTES = 1024 * 1024;
    /** Big reads keep the per-call overhead of inflating and hashing a 200 MB package small. */
    static final int BUFFER = 256 * 1024;
    /** Below this, a second thread costs more than it saves. */
    static final long OFF_THREAD_HASH_MIN_BYTES = 4L * 1024 * 1024;

    private final Path tgz;
    private final String displayPath;
    private final ExtractionLimits limits;
    private final ArchiveSink sink;
    private final ArchiveWording wording;
    private final boolean profileMetadata;
    private byte[] sha256;

    private final ArchiveModel model;
    private final Map<String, Long> fileSizes = new HashMap<>();
    private final Map<String, byte[]> captured = new HashMap<>();
    private final Set<String> oversized = new HashSet<>();
    private BoundedCountingInputStream counted;
    private long copiedBytes;
    private EngineException firstUnsafe;
    private long entries;

    private ArchiveWalk(Path tgz, String displayPath, ExtractionLimits limits, ArchiveSink sink, ArchiveWording wording,
            boolean profileMetadata) {
        this.tgz = tgz;
        this.displayPath = displayPath;
        this.limits = limits;
        this.sink = sink;
        this.wording = wording;
        this.profileMetadata = profileMetadata;
        this.model = new ArchiveModel(wording);
    }

    /** A profile package read in one pass: its listing and the sha256 of the whole file. */
    record Result(PackageListing listing, String sha256, long tarBytes, long members) {
    }

    /** Runs the pass over a profile package; returns the listing (root prefix decided, metadata captured). */
    static Result run(Path tgz, String displayPath, ExtractionLimits limits, ArchiveSink sink) {
        ArchiveWalk walk = new ArchiveWalk(tgz, displayPath, limits, sink, ArchiveWording.PROFILE_PACKAGE, true);
        walk.walk();
        return new Result(walk.listing(), HexFormat.of().formatHex(walk.sha256),
                walk.counted.count() + walk.copiedBytes, Math.max(walk.entries, walk.model.size()));
    }

    /** Runs the pass over any archive: same member rules, no package-root or metadata expectations. */
    static ArchiveTree run(Path tgz, String displayPath, ExtractionLimits limits, ArchiveSink sink, ArchiveWording wording) {
        ArchiveWalk walk = new ArchiveWalk(tgz, displayPath, limits, sink, wording, false);
        walk.walk();
        return walk.tree();
    }

    private void walk() {
        // One pass over the file: the digest sees the raw bytes on their way into the JDK's inflater (zlib, faster
        // than a Java gzip reader), so nothing is read twice. A big package is hashed on a second thread while this
        // one inflates: hashing 200 MB costs about as much as inflating it.
        try (InputStream raw = Files.newInputStream(tgz);
             InputStream file = hashedStream(raw)) {
            GZIPInputStream gzip = new GZIPInputStream(file, BUFFER);
            counted = new BoundedCountingInputStream(gzip, limits.maxBytes(), MAX_HEADER_BYTES);
            readMembers(new TarArchiveInputStream(counted, StandardCharsets.UTF_8.name()));
            // The tar reader stops at the end-of-archive marker; reading on to the gzip trailer is what
            // verifies the CRC and detects a truncated download. Bytes after the last gzip member still count
            // for the digest.
            counted.transferTo(OutputStream.nullOutputStream());
            sha256 = file instanceof OffThreadDigestStream offThread ? offThread.digest() : digest(file);
        } catch (EngineException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw unreadable();
        }
        if (firstUnsafe != null) {
            throw firstUnsafe;
        }
        model.verifyLinks();
    }

    private InputStream hashedStream(InputStream raw) throws IOException {
        MessageDigest digest = Digests.newDigest();
        if (Files.size(tgz) >= OFF_THREAD_HASH_MIN_BYTES && Runtime.getRuntime().availableProcessors() > 1) {
            return new OffThreadDigestStream(raw, digest, BUFFER);
        }
        return new DigestInputStream(raw, digest);
    }

    private static byte[] digest(InputStream file) throws IOException {
        file.transferTo(OutputStream.nullOutputStream());
        return ((DigestInputStream) file).getMessageDigest().digest();
    }

    private void readMembers(TarArchiveInputStream tar) throws IOException {
        byte[] buffer = new byte[BUFFER];
        while (true) {
            counted.beginHeader();
            TarArchiveEntry entry = tar.getNextEntry();
            counted.endHeader();
            if (entry == null) {
                return;
            }
            if (++entries > limits.maxEntries()) {
                throw limitsExceeded("more than " + limits.maxEntries() + " entries");
            }
            if (entry.getSize() > limits.maxBytes() - counted.count()) {
                // The header already says the bound will be crossed: refuse now instead of inflating a bomb first.
                throw limitsExceeded("more than " + limits.maxBytes() + " bytes");
            }
            if (firstUnsafe == null) {
                accept(entry, tar, buffer);
                // Directories implied by member names cost memory like members do.
                if (model.size() > limits.maxEntries()) {
                    throw limitsExceeded("more than " + limits.maxEntries() + " entries");
                }
            }
            // Whatever the member was, its data is consumed here, outside the header bound.
            tar.transferTo(OutputStream.nullOutputStream());
        }
    }

    private void accept(TarArchiveEntry entry, TarArchiveInputStream tar, byte[] buffer) throws IOException {
        Optional<ArchiveModel.Member> admitted;
        try {
            admitted = model.admit(entry.getName(), typeOf(entry), entry.getLinkName(), entry.getMode());
        } catch (EngineException unsafe) {
            firstUnsafe = unsafe;
            return;
        }
        if (admitted.isEmpty()) {
            return;
        }
        ArchiveModel.Member member = admitted.get();
        if (model.topLevelDirectories().size() > 1) {
            // A wrapper directory is no longer possible: only root-level metadata can matter.
            captured.keySet().removeIf(p -> p.indexOf('/') >= 0);
            oversized.removeIf(p -> p.indexOf('/') >= 0);
        }
        switch (member.type()) {
            case DIRECTORY -> sink.directory(member);
            case SYMLINK -> sink.symlink(member);
            case FILE -> readFile(member, tar, buffer);
            case HARDLINK -> linkFile(member);
            default -> throw new IllegalStateException(member.type().name());
        }
    }

    private void readFile(ArchiveModel.Member member, TarArchiveInputStream tar, byte[] buffer) throws IOException {
        boolean capture = isMetadataCandidate(member.path());
        ByteArrayOutputStream metadata = capture ? new ByteArrayOutputStream() : null;
        long size = 0;
        OutputStream out = sink.openFile(member);
        int n;
        while ((n = tar.read(buffer)) > 0) {
            out.write(buffer, 0, n);
            size += n;
            if (metadata != null && metadata.size() <= MAX_METADATA_BYTES) {
                metadata.write(buffer, 0, (int) Math.min(n, MAX_METADATA_BYTES + 1L - metadata.size()));
            }
        }
        out.close();
        sink.closeFile(member);
        fileSizes.put(member.path(), size);
        forgetMetadata(member.path());
        if (metadata != null) {
            if (metadata.size() > MAX_METADATA_BYTES) {
                oversized.add(member.path());
            } else {
                captured.put(member.path(), metadata.toByteArray());
            }
        }
    }

    private void linkFile(ArchiveModel.Member member) {
        long size = fileSizes.getOrDefault(member.linkTarget(), 0L);
        // Each hard link is written as a copy, so its bytes count like any other content.
        copiedBytes += size;
        if (counted.count() + copiedBytes > limits.maxBytes()) {
            throw limitsExceeded("more than " + limits.maxBytes() + " bytes");
        }
        sink.hardLink(member);
        fileSizes.put(member.path(), size);
        forgetMetadata(member.path());
        if (isMetadataCandidate(member.path())) {
            byte[] bytes = captured.get(member.linkTarget());
            if (bytes != null) {
                captured.put(member.path(), bytes);
            } else if (oversized.contains(member.linkTarget())) {
                oversized.add(member.path());
            }
        }
    }

    private void forgetMetadata(String path) {
        captured.remove(path);
        oversized.remove(path);
    }

    /** profile.yaml / profile.env at the archive root, or inside what can still become the wrapper directory. */
    private boolean isMetadataCandidate(String path) {
        if (!profileMetadata) {
            return false;
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (!name.equals(MANIFEST) && !name.equals(PROFILE_ENV)) {
            return false;
        }
        long depth = path.chars().filter(c -> c == '/').count();
        return depth == 0 || (depth == 1 && model.topLevelDirectories().size() == 1);
    }

    private ArchiveModel.MemberType typeOf(TarArchiveEntry entry) {
        if (entry.isDirectory()) {
            return ArchiveModel.MemberType.DIRECTORY;
        }
        if (entry.isSymbolicLink()) {
            return ArchiveModel.MemberType.SYMLINK;
        }
        if (entry.isLink()) {
            return ArchiveModel.MemberType.HARDLINK;
        }
        byte flag = entry.getLinkFlag();
        boolean regular = flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM
                || flag == TarConstants.LF_CONTIG;
        // Sparse members expand beyond their stored bytes; devices, FIFOs and anything unknown are refused.
        if (regular && !entry.isSparse()) {
            return ArchiveModel.MemberType.FILE;
        }
        throw model.unsafe(entry.getName());
    }

    private ArchiveTree tree() {
        Set<String> files = new TreeSet<>();
        Set<String> directories = new TreeSet<>();
        Map<String, String> symlinks = new TreeMap<>();
        model.nodes().forEach((path, node) -> {
            switch (node.kind()) {
                case FILE -> files.add(path);
                case DIRECTORY -> directories.add(path);
                case SYMLINK -> symlinks.put(path, node.linkTarget());
                default -> throw new IllegalStateException(node.kind().name());
            }
        });
        return new ArchiveTree(files, directories, symlinks, model.topLevelDirectories());
    }

    private PackageListing listing() {
        String prefix = packageRootPrefix();
        byte[] manifest = metadata(prefix + MANIFEST)
                .orElseThrow(() -> EngineException.invalid("profile package is missing profile.yaml"));
        Optional<byte[]> env = metadata(prefix + PROFILE_ENV);
        Set<String> files = new TreeSet<>();
        Set<String> directories = new TreeSet<>();
        Map<String, String> symlinks = new TreeMap<>();
        model.nodes().forEach((path, node) -> {
            if (!path.startsWith(prefix) || path.length() == prefix.length()) {
                return;
            }
            String rel = path.substring(prefix.length());
            switch (node.kind()) {
                case FILE -> files.add(rel);
                case DIRECTORY -> directories.add(rel);
                case SYMLINK -> symlinks.put(rel, node.linkTarget());
                default -> throw new IllegalStateException(node.kind().name());
            }
        });
        return new PackageListing(prefix, manifest, env, files, directories, symlinks);
    }

    /** docs/contract/package.md#package-root: root profile.yaml, else a single top-level directory holding one. */
    private String packageRootPrefix() {
        if (isPresentNonDirectory(MANIFEST)) {
            return "";
        }
        Set<String> tops = model.topLevelDirectories();
        if (tops.size() == 1) {
            String top = tops.iterator().next();
            if (isPresentNonDirectory(top + "/" + MANIFEST)) {
                return top + "/";
            }
        }
        throw EngineException.invalid("profile package is missing profile.yaml");
    }

    private boolean isPresentNonDirectory(String path) {
        ArchiveModel.Node node = model.get(path);
        return node != null && node.kind() != ArchiveModel.Kind.DIRECTORY;
    }

    /** Bytes of a metadata file at the package root; empty when absent (or a directory of that name). */
    private Optional<byte[]> metadata(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (!isPresentNonDirectory(path)) {
            return Optional.empty();
        }
        if (oversized.contains(path)) {
            throw limitsExceeded(name + " is larger than " + MAX_METADATA_BYTES + " bytes");
        }
        byte[] bytes = captured.get(path);
        if (bytes == null) {
            // A symlink (or a hard link to a file not kept in memory) cannot be read in a streaming scan.
            throw EngineException.invalid("profile package " + name + " must be a regular file, not a link");
        }
        return Optional.of(bytes);
    }

    private EngineException limitsExceeded(String detail) {
        if (firstUnsafe != null) {
            return firstUnsafe;
        }
        return wording.limitsExceeded(detail);
    }

    private EngineException unreadable() {
        String exceeded = counted == null ? null : counted.exceeded();
        if (exceeded != null) {
            return limitsExceeded(exceeded);
        }
        return wording.unreadable(displayPath);
    }
}
