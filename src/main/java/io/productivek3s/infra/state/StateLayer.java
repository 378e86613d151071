package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.ObjectRefused;
import io.productivek3s.infra.state.driver.StateConflict;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateLocker;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The state layer (docs/state.md "State layer and drivers"): every policy about state, once, over a
 * {@link StateDriver} that only moves bytes. Here are revision numbering (compare-and-set on the newest revision,
 * fenced by the lease), persist and persist-if-changed, restore, pull, rollback, import, remove, verification (objects
 * checked as they are stored and as they are read back, manifests checked safe and equal to the recorded tree digest
 * before anything is written), the lock protocol (wait, announce, renew, fence, take over an expired lease), the error
 * table ({@link StateErrors}), the history limit ({@code PK3S_STATE_HISTORY_LIMIT}, applied through the driver's
 * prune after every append) and the local mirror that {@code pk3s} reads ({@code <name>.json},
 * {@code <name>.runtime/}), kept through {@link LocalMirror} with its commit journal: a persist commits to the driver
 * in the mirror's before-publish hook, so a failed commit leaves the mirror as it was, and a restore first brings the
 * mirror up to the driver's newest revision. For the local backend the mirror is the driver's own directory
 * ({@link #openLocal}): its state from before history was kept is revision 0.
 *
 * <p>What a revision record holds for the driver: {@link RevisionInfo} (plain), the {@code engine-state.json} bytes as
 * its summary and {@link RevisionPayload} (manifest and {@code cluster.json}) as its payload.
 */
public final class StateLayer implements StateStore {
    /** The command whose revisions the history limit never keeps beyond it (docs/state.md "History"). */
    static final String STATUS = "profile status";
    static final String LIMIT_VARIABLE = "PK3S_STATE_HISTORY_LIMIT";
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 10_000;

    private final StateDriver driver;
    private final LocalMirror mirror;
    /** Revisions kept per name (0: no limit). */
    private final int limit;
    private final MirrorBook book;
    private final Consumer<String> warn;
    private final Consumer<String> debug;
    private final Map<String, LayerLock> held = new ConcurrentHashMap<>();

    private StateLayer(StateDriver driver, LocalMirror mirror, int limit, MirrorBook book, Consumer<String> warn,
            Consumer<String> debug) {
        this.driver = driver;
        this.mirror = mirror;
        this.limit = limit;
        this.book = book;
        this.warn = warn;
        this.debug = debug;
    }

    /**
     * The layer over {@code driver}, mirroring into {@code localDir} with its bookkeeping in
     * {@code <localDir>/<bookDir>/} (which revision the mirror holds, the mirror tree's digest memo). Closing the
     * layer closes the driver.
     */
    public static StateLayer open(StateDriver driver, Path localDir, String bookDir, Consumer<String> warn,
            Consumer<String> debug) {
        return open(driver, localDir, bookDir, 0, warn, debug);
    }

    /** As {@link #open(StateDriver, Path, String, Consumer, Consumer)}, keeping {@code historyLimit} revisions (0: all). */
    public static StateLayer open(StateDriver driver, Path localDir, String bookDir, int historyLimit,
            Consumer<String> warn, Consumer<String> debug) {
        MirrorBook book = new MirrorBook(localDir, bookDir);
        return new StateLayer(driver, LocalMirror.of(localDir, warn, driver.description(), book.digests()),
                historyLimit, book, Objects.requireNonNull(warn, "warn"), Objects.requireNonNull(debug, "debug"));
    }

    /**
     * The local backend: the layer over {@code driver}, whose directory {@code stateDir} is also the mirror (no
     * marker of a shared backend; the driver's locks are the mirror's; bookkeeping in {@code .history/mirror/}).
     */
    public static StateLayer openLocal(StateDriver driver, Path stateDir, int historyLimit, Consumer<String> warn,
            Consumer<String> debug) {
        MirrorBook book = new MirrorBook(stateDir, ".history/mirror");
        JournalTriage.Records records = new JournalTriage.Records() {
            @Override
            public Optional<RevisionInfo> latest(String name) throws IOException {
                return driver.latest(name);
            }

            @Override
            public Optional<RevisionInfo> revision(String name, long revision) throws IOException {
                return driver.history(name).stream().filter(r -> r.revision() == revision).findFirst();
            }
        };
        MirrorMarker.read(stateDir).ifPresent(backend -> warn.accept(MirrorMarker.warning(
                stateDir.toAbsolutePath().normalize(), backend)));
        return new StateLayer(driver, LocalMirror.local(stateDir, warn, book.digests(), records), historyLimit, book,
                Objects.requireNonNull(warn, "warn"), Objects.requireNonNull(debug, "debug"));
    }

    /** {@code PK3S_STATE_HISTORY_LIMIT}: unset or empty → 20; otherwise an integer 1..10000, else exit 4. */
    public static int historyLimit(Map<String, String> env) {
        String value = env.getOrDefault(LIMIT_VARIABLE, "").trim();
        if (value.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw EngineException.invalid(LIMIT_VARIABLE + " must be an integer from 1 to " + MAX_LIMIT + ": "
                + value.replaceAll("\\p{Cntrl}", "?"));
    }

    @Override
    public String backendName() {
        return driver.description();
    }

    /** The mirror's directory; none for the local backend, whose directory is the backend itself. */
    @Override
    public Optional<Path> mirror() {
        return mirror.isLocal() ? Optional.empty() : Optional.of(location());
    }

    @Override
    public Path location() {
        return mirror.location();
    }

    @Override
    public Path clusterFile(String name) {
        return mirror.clusterFile(name);
    }

    @Override
    public Path runtimeDir(String name) {
        return mirror.runtimeDir(name);
    }

    // ---- locks ---------------------------------------------------------------------------------------------

    @Override
    public StateLock lock(String name, LockRequest request) throws IOException {
        StateNames.requireValid(name);
        LockHolder holder = request.holder();
        LayerLock mine = held.get(name);
        if (mine != null) {
            throw StateErrors.locked(name, driver.locker().location(name, backendName()), Optional.of(mine.lease.holder()));
        }
        StateLocker locker = driver.locker();
        long deadline = System.nanoTime() + request.timeout().toNanos();
        boolean announced = false;
        StateLocker.Lease lease;
        while (true) {
            StateLocker.Attempt attempt = locker.tryAcquire(name, holder);
            if (attempt.isTaken()) {
                lease = attempt.lease().get();
                attempt.expiredHolder().ifPresent(old -> warn.accept("took over the lock on profile state for '" + name
                        + "' from " + old.describe() + ": its lease expired (that run stopped renewing it; it"
                        + " probably died)"));
                break;
            }
            long left = deadline - System.nanoTime();
            Optional<LockHolder> other = attempt.currentHolder().isPresent() ? attempt.currentHolder()
                    : locker.holder(name);
            if (left <= 0) {
                throw StateErrors.locked(name, locker.location(name, backendName()), other);
            }
            if (!announced) {
                announced = true;
                warn.accept(request.waitingLine(name, other.map(LockHolder::describe).orElse("another run")));
            }
            sleep(Math.min(left, 250_000_000L));
        }
        StateLock local;
        try {
            // Two processes on one host must not write the mirror at once, whatever the backend says; then what
            // an interrupted run left in the mirror is recovered.
            local = mirror.lock(name, holder);
        } catch (IOException | RuntimeException e) {
            releaseQuietly(lease);
            throw e;
        }
        LayerLock lock = new LayerLock(lease, local);
        held.put(name, lock);
        lock.start();
        return lock;
    }

    @Override
    public Optional<LockHolder> lockHolder(String name) throws IOException {
        StateNames.requireValid(name);
        return driver.locker().holder(name);
    }

    @Override
    public Optional<LockHolder> forceUnlock(String name) throws IOException {
        StateNames.requireValid(name);
        return driver.locker().breakLease(name);
    }

    /** One held lock: renewed by a daemon thread when the driver's leases expire; its lease fences every write. */
    private final class LayerLock implements StateLock {
        private final StateLocker.Lease lease;
        private final StateLock local;
        private final Thread renewer;
        private volatile boolean lost;
        private volatile boolean open = true;

        LayerLock(StateLocker.Lease lease, StateLock local) {
            this.lease = lease;
            this.local = local;
            this.renewer = driver.locker().renewEvery().map(every -> {
                Thread t = new Thread(() -> renewLoop(every.toMillis()), "pk3s-lease-" + lease.name());
                t.setDaemon(true);
                return t;
            }).orElse(null);
        }

        void start() {
            if (renewer != null) {
                renewer.start();
            }
        }

        @Override
        public String name() {
            return lease.name();
        }

        private void renewLoop(long period) {
            boolean complained = false;
            try {
                while (open) {
                    Thread.sleep(period);
                    try {
                        if (!driver.locker().renew(lease)) {
                            lost = true;
                            warn.accept("the lock on profile state for '" + lease.name() + "' was broken by another"
                                    + " run; this run will not write state");
                            return;
                        }
                        complained = false;
                    } catch (IOException | RuntimeException e) {
                        if (!complained) {
                            complained = true;
                            warn.accept("could not renew the lock on profile state for '" + lease.name() + "' at "
                                    + backendName() + "; retrying");
                        }
                    }
                }
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public synchronized void close() {
            if (!open) {
                return;
            }
            open = false;
            if (renewer != null) {
                renewer.interrupt();
                try {
                    renewer.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            held.remove(lease.name());
            try {
                local.close();
            } finally {
                releaseQuietly(lease);
            }
        }
    }

    private void releaseQuietly(StateLocker.Lease lease) {
        try {
            driver.locker().release(lease);
        } catch (IOException | RuntimeException e) {
            // A lease expires by itself; the next run takes over after it.
            warn.accept("could not release the lock on profile state for '" + lease.name() + "' at " + backendName()
                    + driver.locker().renewEvery().map(d -> "; it expires by itself").orElse(""));
        }
    }

    /** The fence of a write of {@code name}: this run's lease (refused when it was lost), or none. */
    private Fence fence(String name) {
        LayerLock lock = held.get(name);
        if (lock == null) {
            return Fence.NONE;
        }
        if (lock.lost) {
            throw StateErrors.leaseLost(name, backendName());
        }
        return lock.lease;
    }

    private LockHolder author(String name) {
        LayerLock lock = held.get(name);
        return lock != null ? lock.lease.holder() : LocalIdentity.holder(System.getenv(), "profile", Instant.now());
    }

    // ---- restore / persist / remove ------------------------------------------------------------------------

    @Override
    public void restore(String name, Path scenarioDir) throws IOException {
        StateNames.requireValid(name);
        syncMirror(name);
        mirror.restore(name, scenarioDir);
    }

    @Override
    public void release(String name, Path scenarioDir) throws IOException {
        mirror.release(name, scenarioDir);
    }

    /** The mirror's files whose digest its memo vouches for, by sha256 (docs/state.md "Digest memo"). */
    Map<String, Path> filesByDigest(String name) {
        return mirror.filesByDigest(name);
    }

    /**
     * Brings the mirror to the driver's newest revision of {@code name} when it holds another one (another
     * workstation wrote since, or a crash came between commit and mirror update).
     */
    void syncMirror(String name) throws IOException {
        Optional<RevisionInfo> latest = driver.latest(name);
        Optional<MirrorBook.Marker> marker = book.marker(name);
        boolean mirrorHas = mirror.has(name);
        if (latest.isEmpty() && mirror.isLocal()) {
            return; // state from before history was kept (revision 0), or none: the pair is the state
        }
        if (latest.isEmpty() || latest.get().removed()) {
            if (mirrorHas && (marker.isPresent() || mirror.isLocal())) {
                debug.accept("state: '" + name + "' was removed in " + backendName() + "; clearing the local mirror");
                mirror.remove(name, latest.map(RevisionInfo::revision).orElse(0L));
                book.forget(name);
            } else if (mirrorHas) {
                warn.accept("ignoring local state for '" + name + "' in " + location() + ": it is not in "
                        + backendName() + " (state migrate --to copies local state there)");
            }
            return;
        }
        RevisionInfo now = latest.get();
        if (mirrorHas && marker.isPresent() && marker.get().revision() == now.revision()
                && marker.get().treeSha256().equals(now.treeSha256())) {
            return;
        }
        if (mirrorHas && marker.isEmpty() && mirror.isLocal() && mirror.runtimeDir(name).toFile().isDirectory()
                && TreeManifest.scan(runtimeDir(name), TreeManifest.KnownDigests.NONE).digest()
                        .equals(now.treeSha256())) {
            // written by an engine before the driver (or before this bookkeeping): the pair is that revision
            book.writeMarker(name, now.revision(), now.treeSha256());
            return;
        }
        Stored stored = stored(name, OptionalLong.of(now.revision()), "restore");
        publish(name, stored, () -> now);
        debug.accept("state: mirrored revision " + now.revision() + " of '" + name + "' from " + backendName());
    }

    /** Something the mirror's new tree waits for once it is written and verified: the revision it then stands for. */
    @FunctionalInterface
    private interface BeforeMirror {
        RevisionInfo commit() throws IOException;
    }

    /**
     * Makes {@code stored}'s tree the mirror's, fetching only objects the mirror does not already hold, once the
     * revision is {@linkplain #verified verified} and every file checked against its digest; {@code before} runs then,
     * before the mirror changes (a failure there leaves the mirror as it was). Returns what {@code before} returned.
     */
    private RevisionInfo publish(String name, Stored stored, BeforeMirror before) throws IOException {
        verified(stored);
        Path runtime = runtimeDir(name);
        Map<String, Path> local = mirror.filesByDigest(name);
        long[] fetched = new long[2];
        RevisionInfo[] made = new RevisionInfo[1];
        mirror.publish(name, staging -> {
            // Held shared while objects are read: a concurrent prune waits instead of deleting them.
            try (StateDriver.Hold reading = driver.reading(name)) {
                materialize(stored, staging, (sha, size) -> {
                    Path have = local.get(sha);
                    if (have != null) {
                        return Files.newInputStream(have, LinkOption.NOFOLLOW_LINKS);
                    }
                    fetched[0]++;
                    fetched[1] += size;
                    return driver.open(name, sha);
                });
            }
            Optional<byte[]> json = mirror.policy().clusterFileFor(staging, runtime);
            return json.isPresent() ? json : Optional.ofNullable(stored.payload().clusterJson());
        }, staged -> {
            made[0] = before.commit();
            return made[0].revision();
        });
        book.writeMarker(name, made[0].revision(), made[0].treeSha256());
        debug.accept("state: fetched " + fetched[0] + " blob(s), " + fetched[1] + " bytes; reused "
                + (stored.payload().tree().files() - fetched[0]) + " local file(s)");
        return made[0];
    }

    @Override
    public PersistResult persist(String name, Path scenarioDir, EngineState metadata) throws IOException {
        return persist(name, scenarioDir, metadata, false).orElseThrow();
    }

    @Override
    public Optional<PersistResult> persistIfChanged(String name, Path scenarioDir, EngineState metadata)
            throws IOException {
        return persist(name, scenarioDir, metadata, true);
    }

    /** One persist; {@code onlyIfChanged}: compared with the driver's newest revision first (a status). */
    private Optional<PersistResult> persist(String name, Path scenarioDir, EngineState metadata, boolean onlyIfChanged)
            throws IOException {
        StateNames.requireValid(name);
        Objects.requireNonNull(metadata, "metadata");
        TreeManifest[] written = new TreeManifest[1];
        RevisionInfo[] revision = new RevisionInfo[1];
        long[] fromMemo = new long[1];
        Optional<PersistResult> result = mirror.persist(name, scenarioDir, metadata, staged -> {
            TreeManifest manifest = staged.manifest();
            written[0] = manifest;
            fromMemo[0] = staged.digestsFromMemo();
            byte[] json = staged.clusterJson().isPresent() ? staged.clusterJson().get() : mirror.clusterJson(name);
            revision[0] = commit(name, staged.tree(), new RevisionPayload(manifest, json), metadata.toJson(),
                    number -> describe(name, number, manifest, metadata));
            return revision[0].revision();
        }, onlyIfChanged ? () -> currentTree(name) : null);
        if (result.isEmpty()) {
            debug.accept("state: '" + name + "' unchanged; no revision written");
            return result;
        }
        book.writeMarker(name, revision[0].revision(), revision[0].treeSha256());
        debug.accept("state: persisted revision " + revision[0].revision() + " of '" + name + "' ("
                + written[0].files() + " files, " + written[0].bytes() + " bytes; " + fromMemo[0]
                + " digests from the memo)");
        applyLimit(name);
        return result.map(persisted -> persisted.withRevision(revision[0]));
    }

    /** The tree of the name's current revision (empty: none, or removed), for persist-if-changed. */
    private Optional<TreeManifest> currentTree(String name) throws IOException {
        Optional<RevisionInfo> latest = driver.latest(name);
        if (latest.isEmpty() || latest.get().removed()) {
            return Optional.empty();
        }
        return Optional.of(stored(name, OptionalLong.of(latest.get().revision()), "compare").payload().tree());
    }

    private RevisionInfo describe(String name, long number, TreeManifest manifest, EngineState metadata) {
        LockHolder author = author(name);
        EngineState.LastAction action = metadata.lastAction();
        return new RevisionInfo(name, number, now(), author.who(), author.command(),
                action == null || action.result() == null ? null : action.result().wire(),
                action == null ? null : action.exitCode(),
                metadata.profile() == null ? null : metadata.profile().name(),
                metadata.profile() == null ? null : metadata.profile().version(),
                metadata.pkg() == null ? null : metadata.pkg().sha256(),
                manifest.digest(), manifest.files(), manifest.bytes(), false);
    }

    @FunctionalInterface
    private interface Numbered {
        RevisionInfo at(long number);
    }

    /**
     * Stores the objects of {@code payload}'s tree the driver lacks (from {@code tree}, each checked against its
     * digest as it is read) and appends the revision {@code info} makes for the next number, compare-and-set on the
     * newest revision and fenced by this run's lease.
     */
    private RevisionInfo commit(String name, Path tree, RevisionPayload payload, String engineState, Numbered info)
            throws IOException {
        OptionalLong latest = driver.latest(name).stream().mapToLong(RevisionInfo::revision).findFirst();
        RevisionInfo made = info.at(latest.isPresent() ? latest.getAsLong() + 1 : 1);
        append(name, latest, made, tree, payload, engineState);
        return made;
    }

    /** Uploads what is missing, then appends; a conflict becomes the error table's message. */
    private void append(String name, OptionalLong latest, RevisionInfo made, Path tree, RevisionPayload payload,
            String engineState) throws IOException {
        Fence fence = fence(name);
        Set<String> objects = new TreeSet<>();
        long[] sent = new long[2];
        if (!made.removed()) {
            Map<String, TreeManifest.Entry> bySha = new LinkedHashMap<>();
            for (TreeManifest.Entry e : payload.tree().entries()) {
                if (e.kind() == TreeManifest.Kind.FILE) {
                    bySha.putIfAbsent(e.sha256(), e);
                }
            }
            objects.addAll(bySha.keySet());
            for (String sha : driver.missing(name, bySha.keySet())) {
                TreeManifest.Entry e = bySha.get(sha);
                long bytes = driver.put(name, sha, e.size(), new VerifiedSource(tree.resolve(e.path()), sha, e.size()));
                sent[0] += bytes > 0 ? 1 : 0;
                sent[1] += bytes;
            }
            CrashPoints.reach("persist.objects-added");
        }
        byte[] summary = engineState == null ? new byte[0] : engineState.getBytes(StandardCharsets.UTF_8);
        appendRecord(name, latest, new StoredRevision(made, summary, made.removed() ? new byte[0] : payload.encode()),
                objects, fence);
        debug.accept("state: uploaded " + sent[1] + " bytes in " + sent[0] + " new blob(s) to " + backendName());
    }

    /** The one place a record is appended: a conflict becomes the error table's message (nothing was written). */
    private void appendRecord(String name, OptionalLong latest, StoredRevision record, Set<String> objects, Fence fence)
            throws IOException {
        try {
            driver.append(name, latest, record, objects, fence);
        } catch (StateConflict conflict) {
            throw refused(name, fence, conflict);
        }
    }

    /** A driver's refusal of a write as the error table's message (nothing was written). */
    private EngineException refused(String name, Fence fence, StateConflict conflict) throws IOException {
        if (conflict.kind() == StateConflict.Kind.RACE) {
            return StateErrors.raced(name, backendName());
        }
        if (fence instanceof StateLocker.Lease) {
            return StateErrors.leaseLost(name, backendName());
        }
        return StateErrors.locked(name, driver.locker().location(name, backendName()), driver.locker().holder(name));
    }

    /**
     * Records the removal as a revision (state from before history, revision 0 of the local backend, too: a removal
     * always has its history entry), then removes the mirror's pair.
     */
    @Override
    public void remove(String name) throws IOException {
        StateNames.requireValid(name);
        mirror.recover(name); // a journal no run can act on refuses the removal before anything is recorded
        Optional<RevisionInfo> latest = driver.latest(name);
        boolean untracked = latest.isEmpty() && mirror.isLocal() && mirror.has(name);
        long removal = latest.filter(RevisionInfo::removed).map(RevisionInfo::revision).orElse(0L);
        if (untracked || latest.isPresent() && !latest.get().removed()) {
            Optional<EngineState> previous = readEngineState(name);
            LockHolder author = author(name);
            EngineState.Profile profile = previous.map(EngineState::profile).orElse(null);
            RevisionInfo last = latest.orElse(null);
            RevisionInfo info = new RevisionInfo(name, last == null ? 1 : last.revision() + 1, now(), author.who(),
                    author.command(), EngineState.Result.SUCCESS.wire(), 0,
                    profile != null ? profile.name() : last == null ? null : last.profileName(),
                    profile != null ? profile.version() : last == null ? null : last.profileVersion(),
                    previous.map(EngineState::pkg).map(EngineState.PackageRef::sha256)
                            .orElse(last == null ? null : last.packageSha256()),
                    null, 0, 0, true);
            append(name, last == null ? OptionalLong.empty() : OptionalLong.of(last.revision()), info, null,
                    RevisionPayload.NONE, null);
            removal = info.revision();
        }
        mirror.remove(name, removal);
        book.forget(name);
        if (removal > 0) {
            applyLimit(name);
        }
    }

    /**
     * Forgets the oldest revisions of {@code name} beyond the history limit through the driver (docs/state.md
     * "History"), except the newest one written by anything but {@value #STATUS}: polling status never pushes out
     * the revision an operator would roll back to.
     */
    private void applyLimit(String name) throws IOException {
        if (limit <= 0) {
            return;
        }
        List<RevisionInfo> kept = driver.history(name);
        if (kept.size() <= limit) {
            return;
        }
        long change = -1;
        for (int i = kept.size() - 1; i >= 0; i--) {
            if (!STATUS.equals(kept.get(i).command())) {
                change = kept.get(i).revision();
                break;
            }
        }
        List<Long> doomed = new ArrayList<>();
        for (RevisionInfo r : kept.subList(0, kept.size() - limit)) {
            if (r.revision() != change) {
                doomed.add(r.revision());
            }
        }
        if (!doomed.isEmpty()) {
            driver.prune(name, doomed);
        }
    }

    @Override
    public Optional<EngineState> readEngineState(String name) throws IOException {
        StateNames.requireValid(name);
        // Often without the name's lock: the newest revision read must still be there when its record is read.
        try (StateDriver.Hold hold = driver.reading(name)) {
            return engineStateNow(name);
        }
    }

    private Optional<EngineState> engineStateNow(String name) throws IOException {
        Optional<RevisionInfo> latest = driver.latest(name);
        if (latest.isEmpty() && mirror.isLocal()) {
            return mirror.readEngineState(name); // state from before history (revision 0), or none
        }
        if (latest.isEmpty() || latest.get().removed()) {
            return Optional.empty();
        }
        // The mirror holds exactly that revision: its engine-state.json is the summary, without reading the record.
        // The local backend's pair is its state (an engine before the driver wrote no marker).
        Optional<MirrorBook.Marker> marker = book.marker(name);
        boolean current = marker.isPresent() && marker.get().revision() == latest.get().revision()
                && marker.get().treeSha256().equals(latest.get().treeSha256());
        if (mirror.isLocal() && (current || marker.isEmpty())) {
            return mirror.readEngineState(name);
        }
        if (current) {
            Optional<EngineState> mirrored = mirror.readEngineState(name);
            if (mirrored.isPresent()) {
                return mirrored;
            }
        }
        Optional<StoredRevision> stored = driver.read(name, latest.get().revision());
        return stored.flatMap(s -> engineState(s.summary()));
    }

    private static Optional<EngineState> engineState(byte[] summary) {
        if (summary.length == 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(EngineState.fromJson(new String(summary, StandardCharsets.UTF_8)));
        } catch (IOException malformed) {
            return Optional.empty();
        }
    }

    /** The last action a summary records; null when there is none or it cannot be read. */
    private static EngineState.LastAction lastAction(byte[] summary) {
        if (summary.length == 0) {
            return null;
        }
        try {
            return EngineState.lastActionFromJson(summary).orElse(null);
        } catch (IOException malformed) {
            return null;
        }
    }

    // ---- history -------------------------------------------------------------------------------------------

    /**
     * Every name whose newest revision is not a removal, from one call to the driver; a name that is not a valid
     * cluster name (only a hand-written record can hold one) would become a path beside the mirror: never listed.
     */
    @Override
    public List<ClusterInfo> list() throws IOException {
        List<ClusterInfo> clusters = new ArrayList<>();
        Map<String, LockHolder> holders = driver.locker().holders();
        Set<String> recorded = new HashSet<>();
        LocalMirror.Listing listing = mirror.isLocal() ? mirror.listing() : null;
        for (StateDriver.Head head : driver.heads()) {
            RevisionInfo info = head.info();
            if (!StateNames.isValid(info.name())) {
                warn.accept("ignoring a cluster with an invalid name in " + backendName() + ": " + info.name());
                continue;
            }
            recorded.add(info.name());
            // the local backend's own journals: a pending removal, or one no run can act on (WARN), hides it
            if (info.removed() || listing != null && !mirror.listed(info.name(), listing)) {
                continue;
            }
            // The last action as the engine recorded it (e.g. "install"), as the local backend lists it.
            EngineState.LastAction action = head.lastAction() != null ? head.lastAction() : lastAction(head.summary());
            clusters.add(new ClusterInfo(info.name(), info.profileName(), info.profileVersion(),
                    action == null ? info.command() : action.command(),
                    action == null || action.result() == null ? info.result() : action.result().wire(),
                    action == null ? info.createdAt() : action.finishedAt() != null ? action.finishedAt()
                            : action.startedAt(), info.revision(), holders.get(info.name())));
        }
        for (String name : untracked(recorded, listing)) {
            if (mirror.listed(name, listing)) {
                Optional<EngineState> state = mirror.readEngineState(name);
                EngineState.LastAction action = state.map(EngineState::lastAction).orElse(null);
                EngineState.Profile profile = state.map(EngineState::profile).orElse(null);
                clusters.add(new ClusterInfo(name, profile == null ? null : profile.name(),
                        profile == null ? null : profile.version(), action == null ? null : action.command(),
                        action == null || action.result() == null ? null : action.result().wire(),
                        action == null ? null : action.finishedAt() != null ? action.finishedAt() : action.startedAt(),
                        0, holders.get(name)));
            }
        }
        clusters.sort(java.util.Comparator.comparing(ClusterInfo::name));
        return clusters;
    }

    /** The local backend's names with state from before history was kept (revision 0): a pair, no revision. */
    private static List<String> untracked(Set<String> recorded, LocalMirror.Listing listing) {
        if (listing == null) {
            return List.of();
        }
        return listing.names().stream().filter(n -> !recorded.contains(n)).toList();
    }

    @Override
    public List<String> names() throws IOException {
        Set<String> names = new TreeSet<>();
        driver.heads().stream().map(h -> h.info().name()).filter(StateNames::isValid).forEach(names::add);
        names.addAll(untracked(Set.copyOf(names), mirror.isLocal() ? mirror.listing() : null));
        return List.copyOf(names);
    }

    @Override
    public void requireDecidable(String name) throws IOException {
        if (mirror.isLocal()) {
            mirror.requireDecidable(name);
        }
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        StateNames.requireValid(name);
        return driver.history(name);
    }

    @Override
    public RevisionInfo pull(String name, OptionalLong revision, Path outputDir) throws IOException {
        StateNames.requireValid(name);
        PulledLayout.refuseExisting(name, outputDir);
        if (mirror.isLocal() && revision.orElse(0) == 0 && driver.latest(name).isEmpty()
                && Files.isDirectory(runtimeDir(name), LinkOption.NOFOLLOW_LINKS)) {
            return pullUntracked(name, outputDir);
        }
        // Held shared from reading the record to copying the last object: a prune of this name (or any other)
        // waits until this pull has read what it listed.
        try (StateDriver.Hold reading = driver.reading(name)) {
            Stored stored = stored(name, revision, "pull");
            verified(stored);
            PulledLayout.write(mirror.policy(), name, outputDir,
                    staging -> materialize(stored, staging, (sha, size) -> driver.open(name, sha)),
                    stored.payload().clusterJson());
            return stored.info();
        }
    }

    /**
     * The local pair of a state written before history was kept, pulled as revision 0 from the runtime files
     * themselves (each checked against the digest just taken, so a tree changed meanwhile is reported, not half
     * copied).
     */
    private RevisionInfo pullUntracked(String name, Path outputDir) throws IOException {
        Path runtime = runtimeDir(name);
        TreeManifest manifest = TreeManifest.scan(runtime, TreeManifest.KnownDigests.NONE);
        EngineState state = mirror.readEngineState(name).orElse(null);
        RevisionInfo info = state == null ? new RevisionInfo(name, 0, now(), author(name).who(), author(name).command(),
                null, null, null, null, null, manifest.digest(), manifest.files(), manifest.bytes(), false)
                : describe(name, 0, manifest, state);
        Stored stored = new Stored(info, new byte[0], new RevisionPayload(manifest, mirror.clusterJson(name)));
        PulledLayout.write(mirror.policy(), name, outputDir,
                staging -> materialize(stored, staging, manifest.blobsIn(runtime)), stored.payload().clusterJson());
        return info;
    }

    @Override
    public RevisionInfo rollback(String name, long revision, LockHolder holder) throws IOException {
        StateNames.requireValid(name);
        if (revision == 0) {
            throw StateErrors.noRollbackToZero(name);
        }
        Stored target = stored(name, OptionalLong.of(revision), "roll back to");
        RevisionInfo t = target.info();
        TreeManifest tree = target.payload().tree();
        // The old tree is written to the mirror and checked file by file first; only then is the revision
        // committed, so a revision that cannot be restored is never made current again.
        RevisionInfo made = publish(name, target, () -> {
            OptionalLong latest = driver.latest(name).stream().mapToLong(RevisionInfo::revision).findFirst();
            RevisionInfo info = new RevisionInfo(name, latest.orElse(0) + 1, now(), holder.who(), "state rollback",
                    EngineState.Result.SUCCESS.wire(), 0, t.profileName(), t.profileVersion(), t.packageSha256(),
                    tree.digest(), tree.files(), tree.bytes(), false);
            appendStored(name, latest, info, target);
            return info;
        });
        applyLimit(name);
        return made;
    }

    /** Appends a revision whose objects the driver already holds (a rollback to one of its revisions). */
    private void appendStored(String name, OptionalLong latest, RevisionInfo info, Stored from) throws IOException {
        Set<String> objects = from.objects();
        requireStored(name, objects);
        appendRecord(name, latest, new StoredRevision(info, from.summary(), from.payload().encode()), objects,
                fence(name));
    }

    @Override
    public RevisionInfo importRevision(RevisionInfo meta, Path pulledDir) throws IOException {
        String name = StateNames.requireValid(meta.name());
        Optional<RevisionInfo> existing = driver.read(name, meta.revision()).map(StoredRevision::info);
        if (existing.isPresent()) {
            RevisionInfo have = existing.get();
            if (have.removed() == meta.removed() && Objects.equals(have.treeSha256(), meta.treeSha256())) {
                return have;
            }
            throw StateErrors.importConflict(name, meta.revision(), backendName());
        }
        OptionalLong latest = driver.latest(name).stream().mapToLong(RevisionInfo::revision).findFirst();
        if (latest.isPresent() && latest.getAsLong() > meta.revision()) {
            throw StateErrors.importTooOld(name, meta.revision(), latest.getAsLong(), backendName());
        }
        Path pulledRuntime = pulledDir.resolve(name + ".runtime");
        TreeManifest manifest = meta.removed() ? null : TreeManifest.scan(pulledRuntime, TreeManifest.KnownDigests.NONE);
        if (manifest != null && meta.treeSha256() != null && !manifest.digest().equals(meta.treeSha256())) {
            throw StateErrors.importDigest(name, meta.revision(), meta.treeSha256());
        }
        Path pulledJson = pulledDir.resolve(name + ".json");
        byte[] json = !meta.removed() && Files.isRegularFile(pulledJson, LinkOption.NOFOLLOW_LINKS)
                ? Files.readAllBytes(pulledJson) : null;
        Path engineFile = pulledRuntime.resolve(SnapshotPolicy.ENGINE_STATE);
        String engineState = !meta.removed() && Files.isRegularFile(engineFile, LinkOption.NOFOLLOW_LINKS)
                ? Files.readString(engineFile) : null;
        RevisionInfo stored = new RevisionInfo(name, meta.revision(), meta.createdAt(), meta.who(), meta.command(),
                meta.result(), meta.exitCode(), meta.profileName(), meta.profileVersion(), meta.packageSha256(),
                manifest == null ? null : manifest.digest(), manifest == null ? 0 : manifest.files(),
                manifest == null ? 0 : manifest.bytes(), meta.removed());
        RevisionPayload payload = manifest == null ? RevisionPayload.NONE : new RevisionPayload(manifest, json);
        // `state push` imports under a lease that must still be its own, like a persist.
        append(name, latest, stored, pulledRuntime, payload, engineState);
        // The mirror follows only when it is this backend's (or empty): during `state migrate` from the local
        // backend it is the very directory being copied, whose files must stay the source's until the next run.
        if (book.marker(name).isPresent() || !mirror.has(name)) {
            if (stored.removed()) {
                mirror.remove(name, stored.revision());
                book.forget(name);
            } else {
                byte[] summary = engineState == null ? new byte[0] : engineState.getBytes(StandardCharsets.UTF_8);
                publish(name, new Stored(stored, summary, payload), () -> stored);
            }
        }
        applyLimit(name);
        return stored;
    }

    /**
     * Every kept revision replaced by itself as the driver writes now (an encrypting driver seals it under the current
     * key, or writes it plain under {@code --decrypt}), oldest first, then the objects only the old records named
     * collected. Each revision's manifest is checked against its tree digest first, so a record someone altered in
     * the backend is refused (exit 4) rather than sealed as if it were the engine's own; objects are checked against
     * their digest as they are copied. Fenced by this run's lease like every write.
     */
    @Override
    public List<RevisionInfo> rewrite(String name) throws IOException {
        StateNames.requireValid(name);
        List<RevisionInfo> rewritten = new ArrayList<>();
        for (RevisionInfo kept : driver.history(name)) {
            StoredRevision record = driver.read(name, kept.revision())
                    .orElseThrow(() -> StateErrors.noRevision(name, kept.revision(), backendName()));
            Set<String> objects = Set.of();
            if (!record.info().removed()) {
                Stored stored = decoded(record);
                verified(stored);
                objects = stored.objects();
                requireStored(name, objects);
            }
            Fence fence = fence(name);
            try {
                driver.replace(name, record, objects, fence);
            } catch (StateConflict conflict) {
                throw refused(name, fence, conflict);
            }
            rewritten.add(record.info());
        }
        driver.prune(name, List.of());
        debug.accept("state: rewrote " + rewritten.size() + " revision(s) of '" + name + "' in " + backendName());
        return rewritten;
    }

    /** Refuses (before anything is written) a revision whose objects the driver cannot find at all. */
    private void requireStored(String name, Set<String> objects) throws IOException {
        Set<String> missing = driver.missing(name, objects);
        if (!missing.isEmpty()) {
            throw new IOException("stored object " + missing.iterator().next() + " of profile state '" + name
                    + "' is missing in " + backendName());
        }
    }

    /** A revision read back from the driver: its record, summary and decoded payload. */
    private record Stored(RevisionInfo info, byte[] summary, RevisionPayload payload) {
        /** The digests of the files of its tree: the objects its record references. */
        Set<String> objects() {
            Set<String> objects = new TreeSet<>();
            payload.tree().entries().stream().filter(e -> e.kind() == TreeManifest.Kind.FILE)
                    .forEach(e -> objects.add(e.sha256()));
            return objects;
        }
    }

    /**
     * Revision {@code revision} of {@code name} (default: the current one), for {@code doing} ("pull", "roll back
     * to", …); exit 3 for an unknown name or revision and for a removal (docs/state.md "Errors").
     */
    private Stored stored(String name, OptionalLong revision, String doing) throws IOException {
        long wanted;
        if (revision.isPresent()) {
            wanted = revision.getAsLong();
        } else {
            Optional<RevisionInfo> latest = driver.latest(name);
            if (latest.isEmpty() || latest.get().removed()) {
                throw StateErrors.noState(name, backendName());
            }
            wanted = latest.get().revision();
        }
        StoredRevision record = driver.read(name, wanted).orElseThrow(() -> revision.isPresent()
                ? StateErrors.noRevision(name, wanted, backendName()) : StateErrors.noState(name, backendName()));
        if (record.info().removed()) {
            throw StateErrors.removal(name, wanted, doing);
        }
        return decoded(record);
    }

    /** {@code record} with its payload decoded; exit 4 naming the revision when it is not a payload. */
    private Stored decoded(StoredRevision record) {
        RevisionPayload payload;
        try {
            payload = RevisionPayload.decode(record.payload());
        } catch (IOException malformed) {
            throw EngineException.invalid("refusing revision " + record.info().revision() + " of profile state '"
                    + record.info().name() + "': its record in " + backendName() + " is not readable ("
                    + malformed.getMessage() + ")");
        }
        return new Stored(record.info(), record.summary(), payload);
    }

    /**
     * A revision read from a backend is data anyone with write access to it may have crafted: its manifest must be
     * safe to write (nothing below a link it holds, no path leaving the tree) and be the tree whose digest the
     * revision records, or it is refused (exit 4 naming the revision) before anything is written.
     */
    private static void verified(Stored stored) {
        try {
            stored.payload().tree().verify(stored.info().treeSha256());
        } catch (TreeManifest.Refused refused) {
            throw refused.in(stored.info().name(), stored.info().revision());
        }
    }

    /**
     * Writes {@code stored}'s tree into {@code staging}. An object the driver refuses to return names only its
     * cluster (it is shared by revisions); here the revision being read is known, so the one line names it too.
     */
    private static void materialize(Stored stored, Path staging, TreeManifest.Blobs blobs) throws IOException {
        try {
            stored.payload().tree().materialize(staging, blobs);
        } catch (TreeManifest.Refused refused) {
            throw refused.in(stored.info().name(), stored.info().revision());
        } catch (EngineException e) {
            throw ObjectRefused.behind(e).map(refused -> refused.in(stored.info().revision())).orElse(e);
        }
    }

    @Override
    public void close() throws IOException {
        for (LayerLock lock : List.copyOf(held.values())) {
            lock.close();
        }
        driver.close();
    }

    /** The time a revision records, at the precision every driver keeps (microseconds), so records compare equal. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.runtime("interrupted while waiting for the lock");
        }
    }
}
