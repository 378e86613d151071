package io.productivek3s.infra.state.local;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.FsClock;
import io.productivek3s.infra.state.CrashPoints;
import io.productivek3s.infra.state.FileLocker;
import io.productivek3s.infra.state.FileLocks;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.state.driver.StateConflict;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateLocker;
import io.productivek3s.infra.state.driver.StoredRevision;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The local filesystem as a state driver (docs/state.md "Local backend", "State layer and drivers"): everything under
 * {@code <state dir>/.history/}, beside the mirror {@code pk3s} reads, in the layout engines before the driver wrote
 * (their objects and records stay readable):
 * <pre>
 * .history/objects/&lt;aa&gt;/&lt;sha256&gt;          content-addressed objects ({@link LocalObjects})
 * .history/opaque/&lt;aa&gt;/&lt;address&gt;         a decorator's objects (sealed, under keyed addresses)
 * .history/revisions/&lt;name&gt;/&lt;n&gt;.json      records, with their payload and object list beside them ({@link RecordFiles})
 * .history/pending/&lt;pid&gt;-…              objects a live writer is about to reference ({@link PendingObjects})
 * .history/settings/&lt;key&gt;               settings, each written once
 * .history/objects.lock                 the history lock: exclusive to write or collect, shared to read
 * .history/collect                      a collection was started and must be finished
 * </pre>
 * Locks are the state directory's OS locks ({@link FileLocker}: {@code <name>.lock}, dying with their process).
 * Appends and replaces are compare-and-set and fenced under the history lock held exclusively, so they are atomic
 * between processes; readers hold it shared through {@link #reading}, so garbage collection never deletes what a
 * pull, restore or rollback reads.
 */
public final class LocalDriver implements StateDriver {
    private static final Pattern SETTING = Pattern.compile("[a-z0-9][a-z0-9.-]{0,99}");

    private final Path dir;
    private final Path history;
    private final Path lockFile;
    private final Path collectMarker;
    private final Path headsMemo;
    private final FsClock clock;
    private final LocalObjects objects;
    private final RecordFiles records;
    private final PendingObjects pending;
    private final FileLocker files;
    private final StateLocker locker;

    private LocalDriver(Path stateDir) {
        this.dir = stateDir.toAbsolutePath().normalize();
        this.history = dir.resolve(".history");
        this.lockFile = history.resolve("objects.lock");
        this.collectMarker = history.resolve("collect");
        this.headsMemo = history.resolve("heads.memo");
        this.clock = new FsClock(history.resolve("heads.clock"));
        this.objects = new LocalObjects(history);
        this.records = new RecordFiles(history);
        this.pending = new PendingObjects(history);
        this.files = new FileLocker(dir);
        this.locker = new Recovering();
    }

    /** The driver of the state directory {@code stateDir} (nothing is created until something is written). */
    public static LocalDriver open(Path stateDir) {
        return new LocalDriver(stateDir);
    }

    @Override
    public String description() {
        return dir.toString();
    }

    /**
     * The history lock held exclusively: writing objects or records, or collecting garbage. {@code .history} is
     * created, or used, only as a real directory, never through a link (docs/state.md "Local backend").
     */
    private FileLocks.Held exclusive() throws IOException {
        HistoryDirs.create(history, history);
        return FileLocks.lock(lockFile);
    }

    /**
     * {@link #exclusive()}, once no entry of {@code .history} is a link: what starts a write (so a record is never
     * committed naming objects reached through a link) or a collection. {@link #put} writes below checked
     * directories only ({@link HistoryDirs#create}) and needs no listing per object.
     */
    private FileLocks.Held exclusiveChecked() throws IOException {
        HistoryDirs.create(history, history);
        HistoryDirs.requireNoLinks(history);
        return FileLocks.lock(lockFile);
    }

    // ---- objects -------------------------------------------------------------------------------------------

    /**
     * Registers every digest asked about as pending first (the caller will reference the present ones without
     * storing them), so a collection by another process between this answer and the append keeps them.
     */
    @Override
    public Set<String> missing(String name, Collection<String> sha256s) throws IOException {
        return absent(sha256s, objects::has);
    }

    /** The {@code addresses} {@code stored} says are not stored, once all are registered as pending (see {@link #missing}). */
    private Set<String> absent(Collection<String> addresses, Stored stored) throws IOException {
        Set<String> missing = new LinkedHashSet<>();
        if (addresses.isEmpty()) {
            return missing;
        }
        try (FileLocks.Held lock = exclusiveChecked()) {
            pending.add(addresses);
            for (String address : addresses) {
                if (!stored.has(address)) {
                    missing.add(address);
                }
            }
        }
        return missing;
    }

    @FunctionalInterface
    private interface Stored {
        boolean has(String address) throws IOException;
    }

    @Override
    public long put(String name, String sha256, long size, ObjectSource source) throws IOException {
        try (FileLocks.Held lock = exclusive()) {
            pending.add(List.of(sha256));
            Optional<Path> file = source.file();
            if (file.isPresent()) {
                return objects.add(file.get(), sha256, size);
            }
            if (objects.has(sha256)) {
                return 0;
            }
            try (InputStream in = source.open()) {
                return objects.add(in, sha256, size);
            }
        }
    }

    @Override
    public InputStream open(String name, String sha256) throws IOException {
        return objects.open(sha256);
    }

    /**
     * {@link #missing} asked of {@code opaque/} alone (docs/state.md "State layer and drivers", opaque objects): an
     * opaque object is never in {@code objects/} (its sha256 is not its address), so asking there first would cost a
     * failed stat each.
     */
    @Override
    public Set<String> missingOpaque(String name, Collection<String> addresses) throws IOException {
        return absent(addresses, objects::hasOpaque);
    }

    /** {@link #put} straight into {@code opaque/}: the bytes are not hashed to find their tree. */
    @Override
    public long putOpaque(String name, String address, long size, ObjectSource source) throws IOException {
        try (FileLocks.Held lock = exclusive()) {
            pending.add(List.of(address));
            if (objects.hasOpaque(address)) {
                return 0;
            }
            try (InputStream in = source.open()) {
                return objects.addOpaque(in, address, size);
            }
        }
    }

    /** {@link #open} of {@code opaque/} alone: one open per object, no stat before it. */
    @Override
    public InputStream openOpaque(String name, String address) throws IOException {
        return objects.openOpaque(address);
    }

    // ---- records -------------------------------------------------------------------------------------------

    /**
     * Every name's newest record, reading only those the heads memo cannot vouch for ({@link HeadsMemo}; docs/state.md
     * "Heads memo"): per name, the identity of its directory and of its newest record's file, and the record itself
     * when either changed. The memo is rewritten when anything was read again.
     */
    @Override
    public List<Head> heads() throws IOException {
        List<Head> heads = new ArrayList<>(); // in the walk's order: by directory name
        // the memo and its clock are never read or written through a link in place of .history
        boolean keep = Files.isDirectory(history, LinkOption.NOFOLLOW_LINKS);
        HeadsMemo memo = keep ? HeadsMemo.read(headsMemo) : HeadsMemo.read(null);
        FsClock.Stamp stamp = null;
        boolean stamped = !keep;
        try (RecordFiles.Walk walk = records.walk()) {
            for (String name : walk.names()) {
                Path dir = records.directory(name);
                Optional<FileIdentity> directory = FileIdentity.of(dir);
                if (directory.isEmpty() || !directory.get().isDirectory()) {
                    continue; // a file, a link or a name removed meanwhile is no history
                }
                Optional<HeadsMemo.Entry> known = memo.vouchedDirectory(name, directory.get());
                if (known.isPresent()) {
                    Path file = dir.resolve(RecordFiles.fileName(known.get().number()));
                    Optional<FileIdentity> record = FileIdentity.of(file);
                    if (record.isPresent() && known.get().vouchesForRecord(record.get())) {
                        heads.add(known.get().head());
                        memo.keep(name, known.get());
                        continue;
                    }
                }
                if (!stamped) { // one stamp, before the first identity the memo will keep was read
                    stamp = clock.tryNow().orElse(null);
                    stamped = true;
                }
                // read again after the stamp: the identities the memo keeps are read after it, then the content
                Optional<FileIdentity> directoryRead = FileIdentity.of(dir);
                long newest = walk.newest(name);
                if (newest < 0) {
                    continue;
                }
                Optional<FileIdentity> recordRead = FileIdentity.of(dir.resolve(RecordFiles.fileName(newest)));
                Optional<RecordFiles.Record> record = records.read(name, newest);
                if (record.isEmpty()) {
                    continue;
                }
                Head head = new Head(record.get().info(), summary(record.get()));
                heads.add(head);
                if (stamp != null && directoryRead.isPresent() && recordRead.isPresent()) {
                    memo.remember(name, directoryRead.get(), newest, recordRead.get(), stamp, head);
                } else {
                    memo.missed();
                }
            }
        }
        if (keep) {
            memo.writeIfChanged(headsMemo);
        }
        return heads;
    }

    @Override
    public Optional<RevisionInfo> latest(String name) throws IOException {
        List<Long> numbers = records.numbers(name);
        for (int i = numbers.size() - 1; i >= 0; i--) {
            Optional<RecordFiles.Record> record = records.read(name, numbers.get(i));
            if (record.isPresent()) {
                return Optional.of(record.get().info());
            }
        }
        return Optional.empty();
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        List<RevisionInfo> revisions = new ArrayList<>();
        for (long n : records.numbers(name)) {
            records.read(name, n).ifPresent(r -> revisions.add(r.info()));
        }
        return revisions;
    }

    @Override
    public Optional<StoredRevision> read(String name, long revision) throws IOException {
        Optional<RecordFiles.Record> record = records.read(name, revision);
        if (record.isEmpty()) {
            return Optional.empty();
        }
        if (record.get() instanceof RecordFiles.Legacy legacy) {
            return Optional.of(new StoredRevision(legacy.info(), summary(legacy), RecordFiles.payload(legacy)));
        }
        RecordFiles.Current current = (RecordFiles.Current) record.get();
        byte[] payload;
        try {
            payload = records.payload(current);
        } catch (IOException sideFileGone) {
            // replaced (or pruned) between reading the record and its payload: read it again, once
            Optional<RecordFiles.Record> again = records.read(name, revision);
            if (again.isEmpty()) {
                return Optional.empty();
            }
            if (!(again.get() instanceof RecordFiles.Current now) || now.payloadSha256().equals(current.payloadSha256())) {
                throw sideFileGone;
            }
            current = now;
            payload = records.payload(now);
        }
        return Optional.of(new StoredRevision(current.info(), current.summary(), payload));
    }

    /** A record's summary; a legacy record has none stored: its tree's engine-state.json object is it. */
    private byte[] summary(RecordFiles.Record record) throws IOException {
        if (record instanceof RecordFiles.Current current) {
            return current.summary();
        }
        RecordFiles.Legacy legacy = (RecordFiles.Legacy) record;
        for (TreeManifest.Entry e : legacy.tree().entries()) {
            if (e.kind() == TreeManifest.Kind.FILE && e.path().equals("engine-state.json")) {
                return objects.read(e.sha256()).orElse(new byte[0]);
            }
        }
        return new byte[0];
    }

    @Override
    public void append(String name, OptionalLong expectedLatest, StoredRevision revision, Set<String> refs,
            Fence fence) throws IOException {
        if (revision.info().revision() <= expectedLatest.orElse(-1) || !revision.info().name().equals(name)) {
            throw new IllegalArgumentException("revision " + revision.info().revision() + " of "
                    + revision.info().name() + " cannot follow " + expectedLatest + " of " + name);
        }
        try (FileLocks.Held lock = exclusiveChecked()) {
            requireFence(name, fence);
            List<Long> numbers = records.numbers(name);
            OptionalLong latest = numbers.isEmpty() ? OptionalLong.empty()
                    : OptionalLong.of(numbers.get(numbers.size() - 1));
            if (!latest.equals(expectedLatest)) {
                throw new StateConflict(StateConflict.Kind.RACE, "revision " + latest.orElse(0) + " of '" + name
                        + "' was appended meanwhile");
            }
            requireStored(refs);
            HistoryDirs.requireNoLinks(records.root()); // before the commit: a collection after it would refuse
            String point = revision.info().removed() ? "remove." : "persist.";
            records.write(revision, refs, point + "record-staged");
            pending.clear();
            CrashPoints.reach(point + "record-published");
        }
    }

    @Override
    public void replace(String name, StoredRevision revision, Set<String> refs, Fence fence) throws IOException {
        long number = revision.info().revision();
        try (FileLocks.Held lock = exclusiveChecked()) {
            requireFence(name, fence);
            Optional<RecordFiles.Record> old = records.read(name, number);
            if (old.isEmpty()) {
                throw new IOException("revision " + number + " of '" + name + "' is not kept in " + description());
            }
            requireStored(refs);
            // the metadata stays as stored; only the summary, payload and objects change
            records.write(new StoredRevision(old.get().info(), revision.summary(), revision.payload()), refs,
                    "replace.record-staged");
            pending.clear();
            records.sweep(name); // the old record's side files
        }
    }

    private void requireFence(String name, Fence fence) throws IOException {
        boolean holds = fence instanceof StateLocker.Lease lease ? files.holds(lease) : !files.isHeld(name);
        if (!holds) {
            throw new StateConflict(StateConflict.Kind.FENCED, "the lock on '" + name + "' is not this writer's");
        }
    }

    private void requireStored(Set<String> refs) throws IOException {
        for (String sha : refs) {
            if (!objects.exists(sha)) {
                throw new IOException("a revision references object " + sha + ", which is not stored in "
                        + description());
            }
        }
    }

    /**
     * Forgets {@code doomed} and collects: a marker says a collection is under way (so a crash in it is finished by
     * the next run that takes a lock), records go first, then every object no kept record and no live writer
     * references. Waits for readers ({@link #reading}).
     */
    @Override
    public void prune(String name, Collection<Long> doomed) throws IOException {
        try (FileLocks.Held lock = exclusiveChecked()) {
            // This driver's own registrations protect its writes from other processes' collections; a writer
            // prunes only once its append is done, so they have served their purpose.
            pending.clear();
            Files.write(collectMarker, new byte[0]);
            boolean any = false;
            for (long n : doomed) {
                any |= records.delete(name, n);
            }
            if (any) {
                CrashPoints.reach("history.pruned");
            }
            collectLocked();
        }
    }

    /** Deletes unreferenced objects and stray record files; the caller holds the history lock exclusively. */
    private void collectLocked() throws IOException {
        // Listed through a link, revisions/ (or a name's directory) would show no record, and every object would go.
        HistoryDirs.requireNoLinks(records.root());
        Optional<Set<String>> referenced = records.referenced();
        if (referenced.isPresent()) {
            Set<String> keep = new HashSet<>(referenced.get());
            pending.keep(keep);
            objects.collect(keep);
            for (String name : records.names()) {
                records.sweep(name);
            }
        }
        Files.deleteIfExists(collectMarker);
    }

    /**
     * Finishes what a killed process left: an interrupted collection, objects only a dead writer registered, side
     * files of {@code name}'s record that was never renamed into place.
     */
    private void recoverGarbage(String name) throws IOException {
        if (!Files.isDirectory(history, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.exists(collectMarker, LinkOption.NOFOLLOW_LINKS) || pending.anyDead() || records.hasStrays(name)) {
            try (FileLocks.Held lock = exclusiveChecked()) {
                collectLocked();
            }
        }
    }

    @Override
    public Hold reading(String name) throws IOException {
        if (!Files.isDirectory(history, LinkOption.NOFOLLOW_LINKS)) {
            return Hold.NONE; // nothing to read, and a history started meanwhile prunes nothing yet
        }
        FileLocks.Held shared = FileLocks.lockShared(lockFile);
        return shared::close;
    }

    // ---- settings ------------------------------------------------------------------------------------------

    private Path setting(String key, boolean create) throws IOException {
        if (!SETTING.matcher(key).matches()) {
            throw new IOException("not a setting name: " + key);
        }
        Path settings = history.resolve("settings");
        if (create) {
            HistoryDirs.create(history, settings);
        }
        return settings.resolve(key);
    }

    @Override
    public Optional<byte[]> setting(String key) throws IOException {
        Path file = setting(key, false);
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (java.nio.file.NoSuchFileException absent) {
            return Optional.empty();
        }
    }

    /** Written to a temp file and linked into place: link(2) fails when the name exists, so the first writer wins. */
    @Override
    public byte[] putSettingIfAbsent(String key, byte[] value) throws IOException {
        Path file = setting(key, true);
        Path tmp = Files.createTempFile(file.getParent(), "." + key + ".", ".tmp",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
        try {
            Files.write(tmp, value);
            Files.createLink(file, tmp);
        } catch (java.nio.file.FileAlreadyExistsException first) {
            // another writer set it: read theirs back
        } finally {
            Files.deleteIfExists(tmp);
        }
        return Files.readAllBytes(file);
    }

    // ---- locks ---------------------------------------------------------------------------------------------

    @Override
    public StateLocker locker() {
        return locker;
    }

    /** The state directory's locks; taking one first finishes garbage a killed run left (as its recovery did). */
    private final class Recovering implements StateLocker {
        @Override
        public Attempt tryAcquire(String name, LockHolder holder) throws IOException {
            Attempt attempt = files.tryAcquire(name, holder);
            if (attempt.isTaken()) {
                try {
                    recoverGarbage(name);
                } catch (IOException | RuntimeException e) {
                    files.release(attempt.lease().get());
                    throw e;
                }
            }
            return attempt;
        }

        @Override
        public boolean renew(Lease lease) {
            return files.renew(lease);
        }

        @Override
        public void release(Lease lease) {
            files.release(lease);
        }

        @Override
        public Optional<LockHolder> holder(String name) throws IOException {
            return files.holder(name);
        }

        @Override
        public Map<String, LockHolder> holders() throws IOException {
            return files.holders();
        }

        @Override
        public Optional<LockHolder> breakLease(String name) throws IOException {
            return files.breakLease(name);
        }

        @Override
        public String location(String name, String backend) {
            return files.location(name, backend);
        }

        @Override
        public Optional<Duration> renewEvery() {
            return Optional.empty();
        }
    }

    /** Forgets this process's pending registrations (the process is done writing). */
    @Override
    public void close() throws IOException {
        pending.clear();
    }
}
