package io.productivek3s.infra.cache;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.catalog.CacheDir;
import io.productivek3s.infra.catalog.CacheLock;
import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.FsClock;
import io.productivek3s.infra.fs.TreeCopier;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Verified extractions of profile packages, keyed by the package's sha256, in {@code <user cache>/pk3s/packages}
 * (docs/performance.md "Package cache"): a package already seen is not inflated again, and an unchanged file is not
 * even re-read (its digest is memoized by {@link FileIdentity}). Every run gets its own private copy of the tree,
 * checked path by path against what was recorded when the entry was built ({@link TreeRecord.Check}); a tampered
 * entry is dropped and rebuilt. The cache's own tree is never handed to a run, so nothing a run does to its copy
 * can reach the cache or anything outside it.
 *
 * <pre>
 * packages/digests/&lt;sha256 of real path&gt;   one digest memo entry (PackageDigests); .clock stamps it
 * packages/entries/&lt;sha&gt;/tree/              the extracted archive, modes as for ProfileArchive.extract
 * packages/entries/&lt;sha&gt;/entry.bin           TreeRecord: scan result + identity of every path
 * packages/entries/&lt;sha&gt;/size                bytes of the entry's files, for eviction
 * packages/entries/&lt;sha&gt;.lock               the entry's lock; its mtime is the last use (LRU)
 * packages/scans/&lt;sha&gt;.bin                  scan result of a package only validated, never extracted
 * packages/tmp/&lt;uuid&gt;/ + &lt;uuid&gt;.lock        an entry being built (or removed) by a live run
 * launcher-hints                            for the launcher's JIT choice (LauncherHints), in the cache root
 * </pre>
 *
 * <p>An entry appears by renaming a complete temp directory, under the entry's lock, so a run killed while building
 * one leaves only a temp directory, which the next eviction pass removes once its lock is free. Eviction removes the
 * least recently used entries beyond the size limit, skipping entries another run holds.
 */
public final class PackageCache {
    public static final String MAX_BYTES_VARIABLE = "PK3S_INFRA_PACKAGE_CACHE_BYTES";
    public static final long DEFAULT_MAX_BYTES = 2L << 30;
    /** Validate-only scan records are small; they are bounded by count so that many packages cannot fill the disk. */
    static final int MAX_SCANS = 256;
    static final String RECORD = "entry.bin";
    static final String TREE = "tree";
    private static final String SIZE = "size";

    private final Path entries;
    private final Path scans;
    private final Path tmp;
    private final PackageDigests memo;
    private final LauncherHints hints;
    private final long maxBytes;
    private final Consumer<String> debug;
    private final TreeCopier copier = new TreeCopier(skipped -> { });

    PackageCache(Path area, long maxBytes, Consumer<String> debug) throws IOException {
        this.entries = Files2.createPrivateDirectories(area.resolve("entries"));
        this.scans = Files2.createPrivateDirectories(area.resolve("scans"));
        this.tmp = Files2.createPrivateDirectories(area.resolve("tmp"));
        this.memo = new PackageDigests(Files2.createPrivateDirectories(area.resolve("digests")));
        this.hints = new LauncherHints(area.getParent());
        this.maxBytes = maxBytes;
        this.debug = debug;
    }

    /**
     * The cache in the user's cache directory; empty when {@value #MAX_BYTES_VARIABLE} is 0 or the directory is not
     * usable (the caller then extracts without a cache, as before).
     */
    public static Optional<PackageCache> open(Map<String, String> env, Consumer<String> debug) {
        long max = DEFAULT_MAX_BYTES;
        String raw = env.getOrDefault(MAX_BYTES_VARIABLE, "").trim();
        if (raw.matches("[0-9]{1,18}")) {
            max = Long.parseLong(raw);
        }
        if (max == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new PackageCache(CacheDir.from(env).area("packages"), max, debug));
        } catch (IOException | EngineException e) {
            debug.accept("package cache not used: " + e.getMessage());
            return Optional.empty();
        }
    }

    /** As {@link ProfileArchive#scanWithDigest}; an unchanged, already seen package is not read at all. */
    public ProfileArchive.Scanned scan(Path tgz, String displayPath, ExtractionLimits limits) {
        Optional<Path> real = realFile(tgz);
        Optional<FileIdentity> identity = real.flatMap(FileIdentity::of);
        Optional<String> known = identity.flatMap(id -> memo.lookup(real.get(), id));
        if (known.isPresent()) {
            Optional<ProfileArchive.Scanned> cached = readScanned(entries.resolve(known.get()).resolve(RECORD))
                    .or(() -> readScanned(scans.resolve(known.get() + ".bin")))
                    .filter(s -> s.within(limits));
            if (cached.isPresent()) {
                debug.accept("package " + known.get() + " already validated; not reading " + tgz);
                hints.note(identity.get(), LauncherHints.Hint.SCAN);
                return cached.get();
            }
        }
        Optional<FsClock.Stamp> stamp = identity.flatMap(memo::beforeReading);
        ProfileArchive.Scanned scanned = ProfileArchive.scanWithDigest(tgz, displayPath, limits);
        try {
            writeAtomically(scans.resolve(scanned.sha256() + ".bin"), out -> TreeRecord.writeScan(scanned, out));
            if (identity.isPresent() && memo.remember(real.get(), identity.get(), stamp, scanned.sha256())) {
                hints.note(identity.get(), LauncherHints.Hint.SCAN);
            }
        } catch (IOException e) {
            debug.accept("could not record the scan of " + tgz + ": " + e.getMessage());
        }
        return scanned;
    }

    /**
     * As {@link ProfileArchive#extractWithDigest}: {@code destination} (an existing empty private directory) receives
     * a private copy of the package tree, from the cache when the package was seen before.
     */
    public ProfileArchive.Extracted extract(Path tgz, String displayPath, Path destination, ExtractionLimits limits) {
        Path target;
        try {
            target = destination.toRealPath();
        } catch (IOException e) {
            throw EngineException.runtime("extraction destination is not an empty directory: " + destination);
        }
        Optional<Path> real = realFile(tgz);
        Optional<FileIdentity> identity = real.flatMap(FileIdentity::of);
        Optional<String> known = identity.flatMap(id -> memo.lookup(real.get(), id));
        try {
            Optional<ProfileArchive.Scanned> reused = known.isPresent() ? reuse(known.get(), target, limits)
                    : Optional.empty();
            if (reused.isPresent()) {
                hints.note(identity.get(), LauncherHints.Hint.TREE);
                return extracted(target, reused.get());
            }
            return populate(tgz, displayPath, target, limits, real, identity);
        } catch (IOException | UncheckedIOException e) {
            // The cache is an optimization: when it fails for any reason the run extracts on its own, as before.
            debug.accept("package cache failed (" + e.getMessage() + "); extracting without it");
            clearContents(target);
            return ProfileArchive.extractWithDigest(tgz, displayPath, target, limits);
        }
    }

    /** The entry's tree copied into {@code target} after the check of every path; empty when there is none to use. */
    private Optional<ProfileArchive.Scanned> reuse(String sha, Path target, ExtractionLimits limits) throws IOException {
        Path entry = entries.resolve(sha);
        Path recordFile = entry.resolve(RECORD);
        try (CacheLock lock = CacheLock.acquire(entries.resolve(sha + ".lock"), debug)) {
            if (!Files.isRegularFile(recordFile, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            ProfileArchive.Scanned scanned;
            try (InputStream in = Files.newInputStream(recordFile)) {
                TreeRecord.Reader record;
                try {
                    record = new TreeRecord.Reader(in);
                } catch (IOException e) {
                    return Optional.empty();   // an older or damaged record: rebuilt from the archive
                }
                scanned = record.scanned();
                if (!scanned.within(limits)) {
                    return Optional.empty();
                }
                copyChecked(record, entry.resolve(TREE), target);
            } catch (TreeRecord.TamperedException e) {
                debug.accept(e.getMessage() + "; rebuilding the cache entry");
                clearContents(target);
                remove(entry);
                return Optional.empty();
            }
            touch(sha);
            debug.accept("package " + sha + " reused from the cache");
            return Optional.of(scanned);
        }
    }

    private ProfileArchive.Extracted populate(Path tgz, String displayPath, Path target, ExtractionLimits limits,
            Optional<Path> real, Optional<FileIdentity> identity) throws IOException {
        String id = UUID.randomUUID().toString();
        Path building = tmp.resolve(id);
        try (CacheLock buildLock = CacheLock.acquire(tmp.resolve(id + ".lock"), debug)) {
            Path tree = Files.createDirectories(building.resolve(TREE));
            Optional<FsClock.Stamp> stamp = identity.flatMap(memo::beforeReading);
            ProfileArchive.Extracted extracted = ProfileArchive.extractWithDigest(tgz, displayPath, tree, limits);
            String sha = extracted.sha256();
            boolean remembered = identity.isPresent() && memo.remember(real.get(), identity.get(), stamp, sha);
            TreeRecord.Captured[] captured = new TreeRecord.Captured[1];
            writeAtomically(building.resolve(RECORD), out -> captured[0] = TreeRecord.capture(extracted.scanned(), tree, out));
            // Kept only when any later change of the tree is bound to show in a recorded change time (not in the
            // tick the entry was recorded in) and the entry fits; otherwise the run just gets its copy.
            boolean keep = captured[0].bytes() <= maxBytes && memo.clockPast(captured[0].latestChangeNanos());
            if (!keep) {
                debug.accept("package " + sha + " not kept: larger than the package cache (" + maxBytes
                        + " bytes) or changed too recently to be recorded");
                copyChecked(building.resolve(RECORD), tree, target);
                return extracted(target, extracted.scanned());
            }
            Files2.writeAtomically(building.resolve(SIZE), Long.toString(captured[0].bytes()), Files2.FILE_PRIVATE);
            Path entry = entries.resolve(sha);
            try (CacheLock lock = CacheLock.acquire(entries.resolve(sha + ".lock"), debug)) {
                if (Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
                    // Another run built it meanwhile, or it is a damaged leftover: ours is known good.
                    remove(entry);
                }
                Files.move(building, entry, StandardCopyOption.ATOMIC_MOVE);
                copyChecked(entry.resolve(RECORD), entry.resolve(TREE), target);
                touch(sha);
            }
            debug.accept("package " + sha + " added to the cache");
            if (remembered) {
                hints.note(identity.get(), LauncherHints.Hint.TREE);
            }
            evict(sha);
            return extracted(target, extracted.scanned());
        } finally {
            Files2.deleteQuietly(building);
            Files.deleteIfExists(tmp.resolve(id + ".lock"));
        }
    }

    /** Copies {@code tree} into {@code target}, checked against the record in {@code recordFile}. */
    private void copyChecked(Path recordFile, Path tree, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(recordFile)) {
            copyChecked(new TreeRecord.Reader(in), tree, target);
        }
    }

    private void copyChecked(TreeRecord.Reader record, Path tree, Path target) throws IOException {
        TreeRecord.Check check = new TreeRecord.Check(record);
        copier.copy(tree, target, TreeCopier.Options.standard().watch(check));
        check.finish();
    }

    private static ProfileArchive.Extracted extracted(Path target, ProfileArchive.Scanned scanned) {
        String prefix = scanned.listing().rootPrefix();
        return new ProfileArchive.Extracted(prefix.isEmpty() ? target : target.resolve(prefix), scanned);
    }

    /**
     * Removes the least recently used entries (and validate-only scans) beyond the size limit, never {@code keep} and
     * never one another run holds; also removes temp directories of runs that died while building an entry.
     */
    void evict(String keep) {
        removeAbandonedTemps();
        record Candidate(String sha, long bytes, FileTime used) {
        }
        List<Candidate> candidates = new ArrayList<>();
        long total = 0;
        try (DirectoryStream<Path> list = Files.newDirectoryStream(entries, "*.lock")) {
            for (Path lock : list) {
                String sha = lock.getFileName().toString().replaceFirst("\\.lock$", "");
                Path size = entries.resolve(sha).resolve(SIZE);
                if (!Files.isRegularFile(size)) {
                    continue;
                }
                long bytes = Long.parseLong(Files.readString(size, StandardCharsets.UTF_8).trim());
                total += bytes;
                candidates.add(new Candidate(sha, bytes, Files.getLastModifiedTime(lock)));
            }
        } catch (IOException | NumberFormatException e) {
            debug.accept("package cache eviction skipped: " + e.getMessage());
            return;
        }
        candidates.sort(Comparator.comparing(Candidate::used));
        for (Candidate candidate : candidates) {
            if (total <= maxBytes) {
                break;
            }
            if (candidate.sha().equals(keep)) {
                continue;
            }
            Optional<CacheLock> lock = CacheLock.tryAcquire(entries.resolve(candidate.sha() + ".lock"));
            if (lock.isEmpty()) {
                continue;
            }
            try (CacheLock held = lock.get()) {
                remove(entries.resolve(candidate.sha()));
                Files2.deleteQuietly(scans.resolve(candidate.sha() + ".bin"));
                total -= candidate.bytes();
                debug.accept("package " + candidate.sha() + " evicted from the cache");
            } catch (IOException e) {
                debug.accept("could not evict " + candidate.sha() + ": " + e.getMessage());
            }
        }
        evictScans();
    }

    private void evictScans() {
        try (Stream<Path> list = Files.list(scans)) {
            list.sorted(Comparator.comparing(PackageCache::modified).reversed()).skip(MAX_SCANS)
                    .forEach(Files2::deleteQuietly);
        } catch (IOException e) {
            debug.accept("could not list " + scans + ": " + e.getMessage());
        }
    }

    private static FileTime modified(Path path) {
        try {
            return Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private void removeAbandonedTemps() {
        try (DirectoryStream<Path> list = Files.newDirectoryStream(tmp, "*.lock")) {
            for (Path lockFile : list) {
                Optional<CacheLock> lock = CacheLock.tryAcquire(lockFile);
                if (lock.isPresent()) {
                    try (CacheLock held = lock.get()) {
                        String id = lockFile.getFileName().toString().replaceFirst("\\.lock$", "");
                        debug.accept("removing an abandoned package cache build: " + id);
                        Files2.deleteQuietly(tmp.resolve(id));
                        Files.deleteIfExists(lockFile);
                    }
                }
            }
        } catch (IOException e) {
            debug.accept("could not list " + tmp + ": " + e.getMessage());
        }
    }

    /**
     * Takes an entry out of {@code entries/} in one rename, then deletes it without following links (whatever is in
     * it, a link included, is only unlinked); the caller holds its lock.
     */
    private void remove(Path entry) throws IOException {
        Path doomed = tmp.resolve("removed-" + UUID.randomUUID());
        try {
            Files.move(entry, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        Files2.deleteRecursively(doomed);
    }

    private void touch(String sha) {
        try {
            Files.setLastModifiedTime(entries.resolve(sha + ".lock"), FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            debug.accept("could not mark " + sha + " as used: " + e.getMessage());
        }
    }

    private static Optional<ProfileArchive.Scanned> readScanned(Path file) {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file)) {
            return TreeRecord.readScanned(in);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private interface RecordWriter {
        void write(OutputStream out) throws IOException;
    }

    private static void writeAtomically(Path file, RecordWriter writer) throws IOException {
        Path part = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writer.write(out);
            }
            Files.setPosixFilePermissions(part, Files2.FILE_PRIVATE);
            Files2.moveAtomically(part, file);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static Optional<Path> realFile(Path tgz) {
        try {
            Path real = tgz.toRealPath();
            return Files.isRegularFile(real) ? Optional.of(real) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Empties the run's directory after a failed copy; links in it are removed, never followed. */
    private static void clearContents(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            children.toList().forEach(Files2::deleteQuietly);
        } catch (IOException e) {
            // the caller's extraction reports a non-empty destination
        }
    }

    /** For tests: where the entry of a package digest lives. */
    Path entryDir(String sha) {
        return entries.resolve(sha);
    }
}
