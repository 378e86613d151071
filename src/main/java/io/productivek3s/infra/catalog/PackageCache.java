package io.productivek3s.infra.catalog;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.FsClock;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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
 * Verified extractions of profile packages, keyed by the package's sha256, in {@code <user cache>/pk3s/packages}:
 * a package already seen is not inflated again, and an unchanged file is not even re-read (its digest is memoized by
 * {@link FileIdentity}). Every run still gets its own private tree, checked path by path against what was recorded
 * when the entry was built; a tampered entry is dropped and rebuilt. A small package's tree is copied
 * ({@link TreeCloner}); a big one's is moved into the run and moved back afterwards if unchanged ({@link TreeLoan}).
 *
 * <pre>
 * packages/digests/&lt;sha256 of real path&gt;   one digest memo entry: identity, stamp, digest (PackageDigests)
 * packages/seen/&lt;dev.ino.size.mtime.ctime&gt;  the digest again, named for the launcher's JIT choice
 * packages/entries/&lt;sha&gt;/tree/              the extracted archive, modes as for ProfileArchive.extract
 * packages/entries/&lt;sha&gt;/entry.bin           TreeRecord: scan result + identity of every path
 * packages/entries/&lt;sha&gt;/size                bytes of the entry's files, for eviction
 * packages/entries/&lt;sha&gt;/lent                the loan's id while the tree is lent (then there is no tree/)
 * packages/entries/&lt;sha&gt;.lock               the entry's lock; its mtime is the last use (LRU)
 * packages/scans/&lt;sha&gt;.bin                  scan result of a package only validated, never extracted
 * packages/scans/&lt;sha&gt;.copy-only            a package whose lent tree came back changed: copied from then on
 * packages/tmp/&lt;uuid&gt;/ + &lt;uuid&gt;.lock        an entry being built (or removed) by a live run
 * </pre>
 *
 * <p>An entry appears by renaming a complete temp directory, under the entry's lock, so a run killed while building
 * one leaves only a temp directory, which the next eviction pass removes once its lock is free. Eviction removes the
 * least recently used entries beyond the size limit, skipping entries another run holds.
 */
public final class PackageCache {
    public static final String MAX_BYTES_VARIABLE = "PK3S_INFRA_PACKAGE_CACHE_BYTES";
    public static final long DEFAULT_MAX_BYTES = 2L << 30;
    /** {@code auto} (the default), {@code always} or {@code never}: whether a run may borrow the entry's tree. */
    public static final String LEND_VARIABLE = "PK3S_INFRA_PACKAGE_LEND";
    /** With {@code auto}, packages from this many members or tar bytes up are lent; smaller ones copy in no time. */
    static final long LEND_MIN_MEMBERS = 1000;
    static final long LEND_MIN_BYTES = 64L << 20;
    static final String RECORD = "entry.bin";
    static final String TREE = "tree";
    private static final String COPY_ONLY = ".copy-only";
    private static final String SIZE = "size";

    private final Path entries;
    private final Path scans;
    private final Path tmp;
    private final Path seen;
    private final PackageDigests memo;
    private final long maxBytes;
    private final Lend lend;
    private final Consumer<String> debug;
    private final TreeCloner cloner = new TreeCloner();

    /** When a run may borrow an entry's tree ({@link TreeLoan}) instead of getting a copy of it. */
    enum Lend {
        AUTO, ALWAYS, NEVER;

        static Lend from(Map<String, String> env) {
            return switch (env.getOrDefault(LEND_VARIABLE, "").trim()) {
                case "always" -> ALWAYS;
                case "never" -> NEVER;
                default -> AUTO;
            };
        }

        boolean lends(ProfileArchive.Scanned scanned) {
            return this == ALWAYS
                    || this == AUTO && (scanned.members() >= LEND_MIN_MEMBERS || scanned.tarBytes() >= LEND_MIN_BYTES);
        }
    }

    /** What a run gets: its private tree and, when that is the cache's own tree lent to it, the loan to settle. */
    public record Checkout(ProfileArchive.Extracted extracted, Optional<TreeLoan> loan) {
    }

    PackageCache(Path area, long maxBytes, Consumer<String> debug) throws IOException {
        this(area, maxBytes, Lend.NEVER, debug);
    }

    PackageCache(Path area, long maxBytes, Lend lend, Consumer<String> debug) throws IOException {
        this.entries = Files2.createPrivateDirectories(area.resolve("entries"));
        this.scans = Files2.createPrivateDirectories(area.resolve("scans"));
        this.tmp = Files2.createPrivateDirectories(area.resolve("tmp"));
        this.seen = Files2.createPrivateDirectories(area.resolve("seen"));
        this.memo = new PackageDigests(Files2.createPrivateDirectories(area.resolve("digests")), seen);
        this.maxBytes = maxBytes;
        this.lend = lend;
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
            return Optional.of(new PackageCache(CacheDir.from(env).area("packages"), max, Lend.from(env), debug));
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
                return cached.get();
            }
        }
        Optional<FsClock.Stamp> stamp = identity.flatMap(memo::beforeReading);
        ProfileArchive.Scanned scanned = ProfileArchive.scanWithDigest(tgz, displayPath, limits);
        identity.ifPresent(id -> memo.remember(real.get(), id, stamp, scanned.sha256()));
        try {
            writeAtomically(scans.resolve(scanned.sha256() + ".bin"), out -> TreeRecord.writeScan(scanned, out));
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
        return checkout(tgz, displayPath, destination, limits, false).extracted();
    }

    /**
     * As {@link #extract}, but when {@code mayLend} (the caller can tell when the run is really done with its tree) and
     * the package is big, the cache's own verified tree is moved into {@code destination} and must be settled through
     * the returned {@link TreeLoan} before {@code destination} is deleted.
     */
    public Checkout checkout(Path tgz, String displayPath, Path destination, ExtractionLimits limits, boolean mayLend) {
        Path target;
        try {
            target = destination.toRealPath();
        } catch (IOException e) {
            throw EngineException.runtime("extraction destination is not an empty directory: " + destination);
        }
        Optional<Path> real = realFile(tgz);
        Optional<FileIdentity> identity = real.flatMap(FileIdentity::of);
        Optional<String> known = identity.flatMap(id -> memo.lookup(real.get(), id));
        boolean lending = mayLend && lend != Lend.NEVER && sameFileSystem(target);
        try {
            if (known.isPresent()) {
                Optional<Checkout> reused = reuse(known.get(), target, limits, lending);
                if (reused.isPresent()) {
                    return reused.get();
                }
            }
            return populate(tgz, displayPath, target, limits, real, identity, lending);
        } catch (IOException | UncheckedIOException e) {
            // The cache is an optimization: when it fails for any reason the run extracts on its own, as before.
            debug.accept("package cache failed (" + e.getMessage() + "); extracting without it");
            clearContents(target);
            return new Checkout(ProfileArchive.extractWithDigest(tgz, displayPath, target, limits), Optional.empty());
        }
    }

    /** A rename works only within one filesystem; elsewhere (e.g. {@code $TMPDIR} on tmpfs) the tree is copied. */
    private boolean sameFileSystem(Path target) {
        try {
            return Files.getAttribute(target, "unix:dev").equals(Files.getAttribute(entries, "unix:dev"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private Optional<Checkout> reuse(String sha, Path target, ExtractionLimits limits, boolean lending) throws IOException {
        Path entry = entries.resolve(sha);
        Path recordFile = entry.resolve(RECORD);
        try (CacheLock lock = CacheLock.acquire(entries.resolve(sha + ".lock"), debug)) {
            if (!Files.isRegularFile(recordFile, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            if (!Files.exists(entry.resolve(TREE), LinkOption.NOFOLLOW_LINKS)) {
                // Lent to a run that is still going (or died with it): this run builds its own entry.
                debug.accept("package " + sha + " is lent to another run; extracting it again");
                return Optional.empty();
            }
            ProfileArchive.Scanned scanned;
            Optional<TreeLoan> loan = Optional.empty();
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
                if (lending && lend.lends(scanned) && !copyOnly(sha)) {
                    TreeCloner.verify(record, entry.resolve(TREE));
                    loan = lendTree(sha, target);
                }
                if (loan.isEmpty()) {
                    try (InputStream again = Files.newInputStream(recordFile)) {
                        cloner.cloneTree(new TreeRecord.Reader(again), entry.resolve(TREE), target);
                    }
                }
            } catch (TreeCloner.TamperedException e) {
                debug.accept(e.getMessage() + "; rebuilding the cache entry");
                clearContents(target);
                remove(entry);
                return Optional.empty();
            }
            touch(sha);
            debug.accept("package " + sha + (loan.isPresent() ? " lent from the cache" : " reused from the cache"));
            return Optional.of(new Checkout(extracted(target, scanned), loan));
        }
    }

    /**
     * Moves the entry's tree into {@code target} (an empty directory, replaced); empty when the rename fails and the
     * caller copies instead. The caller holds the entry's lock and has verified the tree.
     */
    private Optional<TreeLoan> lendTree(String sha, Path target) throws IOException {
        Path entry = entries.resolve(sha);
        String id = UUID.randomUUID().toString();
        Files2.writeAtomically(entry.resolve(TreeLoan.MARKER), id, Files2.FILE_PRIVATE);
        if (!takeTree(entry.resolve(TREE), target)) {
            Files.deleteIfExists(entry.resolve(TreeLoan.MARKER));
            return Optional.empty();
        }
        return Optional.of(new TreeLoan(entry, entries.resolve(sha + ".lock"), sha, id, target, debug,
                () -> markCopyOnly(sha), () -> touch(sha)));
    }

    /** Renames {@code tree} onto the empty directory {@code target}, which keeps mode 0700; false when it cannot. */
    private boolean takeTree(Path tree, Path target) throws IOException {
        Files.delete(target);
        try {
            Files.move(tree, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            debug.accept("could not move the package tree (" + e.getMessage() + "); copying it");
            Files2.createPrivateDirectories(target);
            return false;
        }
        Files.setPosixFilePermissions(target, Files2.DIR_PRIVATE);
        return true;
    }

    /** A package whose lent tree once came back changed is copied from then on: lending it would rebuild every time. */
    private void markCopyOnly(String sha) {
        try {
            Files2.writeAtomically(scans.resolve(sha + COPY_ONLY), "", Files2.FILE_PRIVATE);
        } catch (IOException e) {
            debug.accept("could not mark " + sha + " to be copied: " + e.getMessage());
        }
    }

    private boolean copyOnly(String sha) {
        return Files.exists(scans.resolve(sha + COPY_ONLY), LinkOption.NOFOLLOW_LINKS);
    }

    private Checkout populate(Path tgz, String displayPath, Path target, ExtractionLimits limits,
            Optional<Path> real, Optional<FileIdentity> identity, boolean lending) throws IOException {
        String id = UUID.randomUUID().toString();
        Path building = tmp.resolve(id);
        try (CacheLock buildLock = CacheLock.acquire(tmp.resolve(id + ".lock"), debug)) {
            Path tree = Files.createDirectories(building.resolve(TREE));
            ProfileArchive.Extracted extracted;
            Optional<FsClock.Stamp> stamp = identity.flatMap(memo::beforeReading);
            try {
                extracted = ProfileArchive.extractWithDigest(tgz, displayPath, tree, limits);
            } catch (RuntimeException e) {
                Files2.deleteQuietly(building);
                throw e;
            }
            String sha = extracted.sha256();
            identity.ifPresent(i -> memo.remember(real.get(), i, stamp, sha));
            long[] captured = new long[1];
            writeAtomically(building.resolve(RECORD),
                    out -> captured[0] = TreeRecord.capture(extracted.scanned(), tree, out));
            long bytes = captured[0];
            boolean lends = lending && lend.lends(extracted.scanned()) && !copyOnly(sha);
            if (bytes > maxBytes) {
                debug.accept("package " + sha + " is larger than the package cache (" + maxBytes + " bytes)");
                if (!lends || !takeTree(tree, target)) {   // nothing to give back: the run simply keeps the tree
                    cloneFromRecord(building.resolve(RECORD), tree, target);
                }
                return new Checkout(extracted(target, extracted.scanned()), Optional.empty());
            }
            Files2.writeAtomically(building.resolve(SIZE), Long.toString(bytes), Files2.FILE_PRIVATE);
            Path entry = entries.resolve(sha);
            Optional<TreeLoan> loan;
            try (CacheLock lock = CacheLock.acquire(entries.resolve(sha + ".lock"), debug)) {
                if (Files.exists(entry, LinkOption.NOFOLLOW_LINKS)) {
                    // Another run built it meanwhile, or it is a damaged leftover: ours is known good.
                    remove(entry);
                }
                Files.move(building, entry, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                loan = lends ? lendTree(sha, target) : Optional.empty();
                if (loan.isEmpty()) {
                    cloneFromRecord(entry.resolve(RECORD), entry.resolve(TREE), target);
                }
                touch(sha);
            }
            debug.accept("package " + sha + " added to the cache" + (loan.isPresent() ? " and lent" : ""));
            evict(sha);
            return new Checkout(extracted(target, extracted.scanned()), loan);
        } finally {
            Files2.deleteQuietly(building);
            Files.deleteIfExists(tmp.resolve(id + ".lock"));
        }
    }

    /** Clones a tree whose record this run has just written (and still holds the lock of). */
    private void cloneFromRecord(Path recordFile, Path tree, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(recordFile)) {
            cloner.cloneTree(new TreeRecord.Reader(in), tree, target);
        }
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
            Optional<CacheLock> lock;
            try {
                lock = CacheLock.tryAcquire(entries.resolve(candidate.sha() + ".lock"));
            } catch (OverlappingFileLockException e) {
                lock = Optional.empty();
            }
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

    /** Scan records and launcher hints are small; they are bounded by count so that many packages cannot fill the disk. */
    private void evictScans() {
        for (Path dir : List.of(scans, seen)) {
            try (Stream<Path> list = Files.list(dir)) {
                List<Path> all = list.sorted(Comparator.comparing(PackageCache::modified).reversed()).toList();
                all.stream().skip(256).forEach(Files2::deleteQuietly);
            } catch (IOException e) {
                debug.accept("could not list " + dir + ": " + e.getMessage());
            }
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
                String id = lockFile.getFileName().toString().replaceFirst("\\.lock$", "");
                Optional<CacheLock> lock;
                try {
                    lock = CacheLock.tryAcquire(lockFile);
                } catch (OverlappingFileLockException e) {
                    continue;
                }
                if (lock.isPresent()) {
                    try (CacheLock held = lock.get()) {
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

    /** Takes an entry out of {@code entries/} in one rename, then deletes it; the caller holds its lock. */
    private void remove(Path entry) throws IOException {
        Path doomed = tmp.resolve("removed-" + UUID.randomUUID());
        try {
            Files.move(entry, doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
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
