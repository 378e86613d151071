package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LocalStateStore;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.PersistResult;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateNames;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Profile state in a PostgreSQL database shared by a team (docs/state.md "PostgreSQL backend"). Every persist,
 * removal, rollback and import is one transaction adding an immutable revision; file contents are blobs keyed by
 * sha256 ({@link BlobStore}), so unchanged files are stored once across revisions and clusters. Locks are leases
 * ({@link Leases}). The local directory keeps the layout {@code pk3s} reads ({@code <name>.json},
 * {@code <name>.runtime/}) as a mirror through {@link LocalStateStore}: a persist commits to the database in the
 * mirror's before-publish hook (a failed commit leaves the mirror untouched), and a restore first brings the mirror
 * up to the database's current revision. What a snapshot contains is {@code SnapshotPolicy}'s business, not this
 * class's.
 */
public final class PostgresStateStore implements StateStore {
    public static final String LEASE_VARIABLE = "PK3S_STATE_LEASE_SECONDS";
    static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private final PgConnector connector;
    private final Connection db;
    private final LocalStateStore mirror;
    private final MirrorBook book;
    private final Duration lease;
    private final Consumer<String> warn;
    private final Consumer<String> debug;
    private final Map<String, PgLock> held = new ConcurrentHashMap<>();

    private PostgresStateStore(PgConnector connector, Connection db, LocalStateStore mirror, Duration lease,
            Consumer<String> warn, Consumer<String> debug) {
        this.connector = connector;
        this.db = db;
        this.mirror = mirror;
        this.book = new MirrorBook(mirror.location());
        this.lease = lease;
        this.warn = warn;
        this.debug = debug;
    }

    /**
     * Connects (exit 5 unreachable, exit 4 authentication or malformed settings), brings the schema up to date and
     * returns the store; {@code localDir} becomes the mirror.
     */
    public static PostgresStateStore open(String url, Map<String, String> env, Path localDir, Consumer<String> warn,
            Consumer<String> debug) {
        return connectInBackground(url, "PK3S_STATE_BACKEND", env, warn, debug).open(localDir);
    }

    /**
     * Starts connecting on a daemon thread, so driver class loading, TLS and SCRAM overlap whatever the caller does
     * before it needs the store (preparing the package); {@link Connecting#open} waits for it. Any failure (malformed
     * URL, unreachable, authentication) surfaces from {@code open}, never earlier, so the run's own checks come first.
     * A connection never opened closes with the process.
     */
    public static Connecting connectInBackground(String url, String origin, Map<String, String> env,
            Consumer<String> warn, Consumer<String> debug) {
        java.util.concurrent.CompletableFuture<Session> result = new java.util.concurrent.CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(connect(url, origin, env, warn, debug));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "pk3s-state-connect");
        thread.setDaemon(true);
        thread.start();
        return new Connecting(result, url, origin, env, warn, debug);
    }

    /** A connection being opened; see {@link #connectInBackground}. */
    public static final class Connecting {
        private final java.util.concurrent.CompletableFuture<Session> session;
        private final Consumer<String> warn;
        private final Consumer<String> debug;

        private final java.util.concurrent.atomic.AtomicBoolean handedOut = new java.util.concurrent.atomic.AtomicBoolean();
        private final String url;
        private final String origin;
        private final Map<String, String> env;

        private Connecting(java.util.concurrent.CompletableFuture<Session> session, String url, String origin,
                Map<String, String> env, Consumer<String> warn, Consumer<String> debug) {
            this.session = session;
            this.url = url;
            this.origin = origin;
            this.env = env;
            this.warn = warn;
            this.debug = debug;
        }

        /**
         * The store over the connection, mirroring into {@code localDir}; the connection's failure, if it failed.
         * The background connection serves the first call; later calls (after that store was closed) connect anew.
         */
        public PostgresStateStore open(Path localDir) {
            Session s;
            try {
                s = handedOut.getAndSet(true) ? connect(url, origin, env, warn, debug) : session.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw e;
            }
            return new PostgresStateStore(s.connector(), s.db(), LocalStateStore.mirror(localDir, warn,
                    s.connector().spec().description(), MirrorBook.digests(localDir)), s.lease(), warn,
                    debug);
        }
    }

    private record Session(PgConnector connector, Connection db, Duration lease) {
    }

    private static Session connect(String url, String origin, Map<String, String> env, Consumer<String> warn,
            Consumer<String> debug) {
        PgConnectionSpec spec = PgConnectionSpec.parse(url, origin, env, warn);
        spec.transportWarning().ifPresent(warn);
        Duration lease = leaseDuration(env);
        long t0 = System.nanoTime();
        PgConnector connector = new PgConnector(spec);
        Connection db = connector.connect();
        try {
            long t1 = System.nanoTime();
            int applied = Migrations.apply(db, spec);
            debug.accept("state backend " + spec.description() + ": connected in " + (t1 - t0) / 1_000_000
                    + " ms, schema checked in " + (System.nanoTime() - t1) / 1_000_000 + " ms" + (applied > 0 ? ", "
                    + applied + " migration(s) applied" : "") + "; lease " + lease.toSeconds() + " s");
        } catch (SQLException e) {
            closeQuietly(db);
            throw PgErrors.translate(spec, "checking its schema", e);
        } catch (RuntimeException e) {
            closeQuietly(db);
            throw e;
        }
        return new Session(connector, db, lease);
    }

    static Duration leaseDuration(Map<String, String> env) {
        String value = env.getOrDefault(LEASE_VARIABLE, "").trim();
        if (value.isEmpty()) {
            return DEFAULT_LEASE;
        }
        try {
            long seconds = Long.parseLong(value);
            if (seconds >= 1 && seconds <= 86_400) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw EngineException.invalid(LEASE_VARIABLE + " must be a whole number of seconds from 1 to 86400: " + value);
    }

    /** How messages name this backend: {@code postgresql://user@host:port/db}, never with the password. */
    public String description() {
        return connector.spec().description();
    }

    @Override
    public String backendName() {
        return description();
    }

    @Override
    public Optional<Path> mirror() {
        return Optional.of(location());
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

    // ---------------------------------------------------------------- locks

    @Override
    public StateLock lock(String name, LockRequest request) throws IOException {
        StateNames.requireValid(name);
        LockHolder holder = request.holder();
        if (held.containsKey(name)) {
            throw locked(name, Optional.of(held.get(name).holder));
        }
        String token = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + request.timeout().toNanos();
        boolean announced = false;
        while (true) {
            Leases.Attempt attempt = sql("taking the lock", () -> Leases.tryAcquire(db, name, token, holder, lease));
            if (attempt.taken()) {
                attempt.expiredHolder().ifPresent(old -> warn.accept("took over the lock on profile state for '" + name
                        + "' from " + old.describe() + ": its lease expired (that run stopped renewing it; it"
                        + " probably died)"));
                break;
            }
            long left = deadline - System.nanoTime();
            Optional<LockHolder> other = attempt.currentHolder().isPresent() ? attempt.currentHolder()
                    : sql("reading the lock", () -> Leases.current(db, name));
            if (left <= 0) {
                throw locked(name, other);
            }
            if (!announced) {
                announced = true;
                warn.accept(request.waitingLine(name, other.map(LockHolder::describe).orElse("another run")));
            }
            sleep(Math.min(left, Duration.ofMillis(250).toNanos()));
        }
        StateLock local;
        try {
            // Two processes on one host must not write the mirror at once, whatever the database says.
            local = mirror.lock(name, LockRequest.now(holder));
        } catch (IOException | RuntimeException e) {
            releaseQuietly(name, token);
            throw e;
        }
        PgLock lock = new PgLock(name, token, holder, local);
        held.put(name, lock);
        lock.renewer.start();
        return lock;
    }

    @Override
    public Optional<LockHolder> lockHolder(String name) throws IOException {
        StateNames.requireValid(name);
        return sql("reading the lock", () -> Leases.current(db, name));
    }

    @Override
    public Optional<LockHolder> forceUnlock(String name) throws IOException {
        StateNames.requireValid(name);
        return sql("breaking the lock", () -> Leases.breakLease(db, name));
    }

    private EngineException locked(String name, Optional<LockHolder> holder) {
        return EngineException.invalid("profile state for '" + name + "' is locked by another run: " + description()
                + holder.map(h -> "; held by " + h.describe()).orElse(""));
    }

    /** One lease: renewed by a daemon thread (its own connection: the main one may be inside a long transaction). */
    private final class PgLock implements StateLock {
        private final String name;
        private final String token;
        private final LockHolder holder;
        private final StateLock local;
        private final Thread renewer;
        private volatile boolean lost;
        private volatile boolean open = true;

        PgLock(String name, String token, LockHolder holder, StateLock local) {
            this.name = name;
            this.token = token;
            this.holder = holder;
            this.local = local;
            this.renewer = new Thread(this::renewLoop, "pk3s-lease-" + name);
            this.renewer.setDaemon(true);
        }

        @Override
        public String name() {
            return name;
        }

        private void renewLoop() {
            long period = Math.max(200, lease.toMillis() / 3);
            Connection renewal = null;
            boolean complained = false;
            try {
                while (open) {
                    Thread.sleep(period);
                    try {
                        if (renewal == null || renewal.isClosed()) {
                            renewal = connector.connect();
                        }
                        if (!Leases.renew(renewal, name, token, lease)) {
                            lost = true;
                            warn.accept("the lock on profile state for '" + name + "' was broken by another run;"
                                    + " this run will not write state");
                            return;
                        }
                        complained = false;
                    } catch (SQLException | RuntimeException e) {
                        closeQuietly(renewal);
                        renewal = null;
                        if (!complained) {
                            complained = true;
                            warn.accept("could not renew the lock on profile state for '" + name + "' at "
                                    + description() + "; retrying");
                        }
                    }
                }
            } catch (InterruptedException stop) {
                Thread.currentThread().interrupt();
            } finally {
                closeQuietly(renewal);
            }
        }

        @Override
        public synchronized void close() {
            if (!open) {
                return;
            }
            open = false;
            renewer.interrupt();
            try {
                renewer.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            held.remove(name);
            try {
                local.close();
            } finally {
                releaseQuietly(name, token);
            }
        }
    }

    private void releaseQuietly(String name, String token) {
        try {
            Leases.release(db, name, token);
        } catch (SQLException e) {
            // The lease expires by itself; the next run takes over after the TTL.
            warn.accept("could not release the lock on profile state for '" + name + "' at " + description()
                    + "; it expires within " + lease.toSeconds() + " s");
        }
    }

    // ---------------------------------------------------------------- restore / persist / remove

    @Override
    public void restore(String name, Path scenarioDir) throws IOException {
        StateNames.requireValid(name);
        syncMirror(name);
        mirror.restore(name, scenarioDir);
    }

    @Override
    public void release(String name, Path scenarioDir) {
        mirror.release(name, scenarioDir);
    }

    /**
     * Brings the mirror to the database's current revision of {@code name} when it holds another one (another
     * workstation wrote since, or a crash came between commit and mirror update).
     */
    void syncMirror(String name) throws IOException {
        Optional<Revisions.Current> current = sql("reading state", () -> Revisions.current(db, name));
        Optional<MirrorBook.Marker> marker = book.marker(name);
        boolean mirrorHas = Files.exists(clusterFile(name), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(runtimeDir(name), LinkOption.NOFOLLOW_LINKS);
        if (current.isEmpty() || current.get().removed()) {
            if (mirrorHas && marker.isPresent()) {
                debug.accept("state: '" + name + "' was removed in " + description() + "; clearing the local mirror");
                mirror.remove(name);
                book.forget(name);
            } else if (mirrorHas) {
                warn.accept("ignoring local state for '" + name + "' in " + location() + ": it is not in "
                        + description() + " (state migrate --to copies local state there)");
            }
            return;
        }
        Revisions.Current now = current.get();
        if (mirrorHas && marker.isPresent() && marker.get().revision() == now.revision()
                && marker.get().treeSha256().equals(now.treeSha256())) {
            return;
        }
        Revisions.Stored stored = sql("reading state", () -> Revisions.read(db, name, OptionalLong.of(now.revision())))
                .orElseThrow(() -> new IOException("revision " + now.revision() + " of '" + name + "' vanished"));
        publish(name, stored);
        debug.accept("state: mirrored revision " + now.revision() + " of '" + name + "' from " + description());
    }

    /** Makes {@code stored} the mirror's current tree, fetching only blobs the mirror does not already hold. */
    private void publish(String name, Revisions.Stored stored) throws IOException {
        publish(name, stored, stored::info);
    }

    /** Something the mirror's new tree waits for once it is written and verified: the revision it then stands for. */
    @FunctionalInterface
    private interface BeforeMirror {
        RevisionInfo commit() throws IOException;
    }

    /**
     * Makes {@code stored}'s tree the mirror's, fetching only blobs the mirror does not already hold, once the
     * revision is {@linkplain #verified verified} and every file checked against its digest; {@code before} runs then,
     * before the mirror changes (a failure there leaves the mirror as it was). Returns what {@code before} returned.
     */
    private RevisionInfo publish(String name, Revisions.Stored stored, BeforeMirror before) throws IOException {
        verified(stored);
        Path runtime = runtimeDir(name);
        Map<String, Path> local = mirror.filesByDigest(name);
        long[] fetched = new long[2];
        RevisionInfo[] made = new RevisionInfo[1];
        mirror.publish(name, staging -> {
            materialize(stored, staging, (sha, size) -> {
                Path have = local.get(sha);
                if (have != null) {
                    return Files.newInputStream(have, LinkOption.NOFOLLOW_LINKS);
                }
                fetched[0]++;
                fetched[1] += size;
                return BlobStore.open(db, sha);
            });
            Optional<byte[]> json = mirror.policy().clusterFileFor(staging, runtime);
            made[0] = before.commit();
            return json.isPresent() ? json : Optional.ofNullable(stored.clusterJson());
        });
        book.writeMarker(name, made[0].revision(), made[0].treeSha256());
        debug.accept("state: fetched " + fetched[0] + " blob(s), " + fetched[1] + " bytes; reused "
                + (stored.manifest().files() - fetched[0]) + " local file(s)");
        return made[0];
    }

    /**
     * A revision read from the database is data anyone with write access to it may have crafted: its manifest must be
     * safe to write (nothing below a link it holds, no path leaving the tree) and be the tree whose digest the
     * revision records, or it is refused (exit 4 naming the revision) before anything is written.
     */
    private static void verified(Revisions.Stored stored) {
        try {
            stored.manifest().verify(stored.info().treeSha256());
        } catch (TreeManifest.Refused refused) {
            throw refused.in(stored.info().name(), stored.info().revision());
        }
    }

    private static void materialize(Revisions.Stored stored, Path staging, TreeManifest.Blobs blobs)
            throws IOException {
        try {
            stored.manifest().materialize(staging, blobs);
        } catch (TreeManifest.Refused refused) {
            throw refused.in(stored.info().name(), stored.info().revision());
        }
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

    /** One persist; {@code onlyIfChanged}: compared with the database's current revision first (a status). */
    private Optional<PersistResult> persist(String name, Path scenarioDir, EngineState metadata, boolean onlyIfChanged)
            throws IOException {
        StateNames.requireValid(name);
        Path runtime = runtimeDir(name);
        TreeManifest[] written = new TreeManifest[1];
        RevisionInfo[] revision = new RevisionInfo[1];
        long[] fromMemo = new long[1];
        Optional<PersistResult> result = mirror.persist(name, scenarioDir, metadata, staged -> {
            TreeManifest manifest = staged.manifest();
            written[0] = manifest;
            fromMemo[0] = staged.digestsFromMemo();
            revision[0] = commit(name, staged.tree(), manifest, staged.clusterJson().orElse(null),
                    metadata.toJson(), number -> describe(name, number, manifest, metadata));
        }, onlyIfChanged ? () -> sql("reading the current revision", () -> Revisions.read(db, name, OptionalLong.empty()))
                .filter(stored -> !stored.info().removed()).map(Revisions.Stored::manifest) : null);
        if (result.isEmpty()) {
            debug.accept("state: '" + name + "' unchanged; no revision written");
            return result;
        }
        book.writeMarker(name, revision[0].revision(), revision[0].treeSha256());
        debug.accept("state: persisted revision " + revision[0].revision() + " of '" + name + "' ("
                + written[0].files() + " files, " + written[0].bytes() + " bytes; " + fromMemo[0]
                + " digests from the memo)");
        return result;
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

    private LockHolder author(String name) {
        PgLock lock = held.get(name);
        return lock != null ? lock.holder : io.productivek3s.infra.state.LocalIdentity.holder(System.getenv(),
                "profile", Instant.now());
    }

    @FunctionalInterface
    private interface Numbered {
        RevisionInfo at(long number);
    }

    /**
     * One transaction: uploads the blobs of {@code manifest} the database lacks (from {@code tree}), adds the
     * revision {@code info} makes for the next number, makes it current, checks the lease is still ours, commits.
     */
    private RevisionInfo commit(String name, Path tree, TreeManifest manifest, byte[] clusterJson, String engineState,
            Numbered info) throws IOException {
        return transaction("writing a revision", () -> {
            long last = Revisions.lockCluster(db, name);
            RevisionInfo made = info.at(last + 1);
            BlobStore.Upload sent = uploadMissing(tree, manifest);
            Revisions.insert(db, made, manifest, clusterJson, engineState);
            fence(name);
            debug.accept("state: uploaded " + sent.bytes() + " bytes in " + sent.blobs() + " new blob(s) to "
                    + description());
            return made;
        });
    }

    private BlobStore.Upload uploadMissing(Path tree, TreeManifest manifest) throws SQLException, IOException {
        Map<String, TreeManifest.Entry> bySha = new LinkedHashMap<>();
        if (manifest != null) {
            for (TreeManifest.Entry e : manifest.entries()) {
                if (e.kind() == TreeManifest.Kind.FILE) {
                    bySha.putIfAbsent(e.sha256(), e);
                }
            }
        }
        Set<String> missing = BlobStore.missing(db, bySha.keySet());
        BlobStore.Upload total = new BlobStore.Upload(0, 0);
        for (String sha : missing) {
            TreeManifest.Entry e = bySha.get(sha);
            total = total.plus(BlobStore.upload(db, sha, e.size(), tree.resolve(e.path())));
        }
        return total;
    }

    /** Inside a write: the lease taken by {@link #lock} must still be ours, or nobody else may hold one. */
    private void fence(String name) throws SQLException {
        PgLock lock = held.get(name);
        if (lock != null) {
            if (lock.lost || !Leases.checkHeld(db, name, lock.token)) {
                throw EngineException.invalid("the lock on profile state for '" + name + "' at " + description()
                        + " expired or was broken while this run held it; no revision was written");
            }
            return;
        }
        Optional<LockHolder> other = Leases.current(db, name);
        if (other.isPresent()) {
            throw locked(name, other);
        }
    }

    @Override
    public void remove(String name) throws IOException {
        StateNames.requireValid(name);
        Optional<Revisions.Current> current = sql("reading state", () -> Revisions.current(db, name));
        if (current.isPresent() && !current.get().removed()) {
            Optional<EngineState> previous = readEngineState(name);
            transaction("removing state", () -> {
                long last = Revisions.lockCluster(db, name);
                LockHolder author = author(name);
                EngineState.Profile profile = previous.map(EngineState::profile).orElse(null);
                RevisionInfo info = new RevisionInfo(name, last + 1, now(), author.who(), author.command(),
                        EngineState.Result.SUCCESS.wire(), 0, profile == null ? null : profile.name(),
                        profile == null ? null : profile.version(),
                        previous.map(EngineState::pkg).map(EngineState.PackageRef::sha256).orElse(null),
                        null, 0, 0, true);
                Revisions.insert(db, info, null, null, null);
                fence(name);
                return info;
            });
        }
        mirror.remove(name);
        book.forget(name);
    }

    @Override
    public Optional<EngineState> readEngineState(String name) throws IOException {
        StateNames.requireValid(name);
        Optional<String> text = sql("reading state", () -> Revisions.currentEngineState(db, name));
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(EngineState.fromJson(text.get()));
        } catch (IOException malformed) {
            return Optional.empty();
        }
    }

    // ---------------------------------------------------------------- history

    @Override
    public List<ClusterInfo> list() throws IOException {
        List<ClusterInfo> clusters = new ArrayList<>();
        for (ClusterInfo cluster : sql("listing clusters", () -> Revisions.list(db))) {
            // A name only a hand-written row can hold would become a path beside the mirror: never listed.
            if (StateNames.isValid(cluster.name())) {
                clusters.add(cluster);
            } else {
                warn.accept("ignoring a cluster with an invalid name in " + description() + ": " + cluster.name());
            }
        }
        return clusters;
    }

    @Override
    public List<String> names() throws IOException {
        return sql("listing clusters", () -> Revisions.names(db));
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        StateNames.requireValid(name);
        return sql("reading history", () -> Revisions.history(db, name));
    }

    @Override
    public RevisionInfo pull(String name, OptionalLong revision, Path outputDir) throws IOException {
        StateNames.requireValid(name);
        Path outRuntime = outputDir.resolve(name + ".runtime");
        Path outJson = outputDir.resolve(name + ".json");
        if (Files.exists(outRuntime, LinkOption.NOFOLLOW_LINKS) || Files.exists(outJson, LinkOption.NOFOLLOW_LINKS)) {
            throw EngineException.invalid("refusing to overwrite " + outRuntime + " or " + outJson);
        }
        Revisions.Stored stored = stored(name, revision);
        if (stored.info().removed()) {
            throw EngineException.missing("revision " + stored.info().revision() + " of profile state '" + name
                    + "' is the removal; it has no tree to pull");
        }
        verified(stored);
        Files2.createPrivateDirectories(outputDir);
        Path staging = outputDir.resolve("." + name + ".runtime.pull-" + UUID.randomUUID());
        try {
            materialize(stored, staging, (sha, size) -> BlobStore.open(db, sha));
            Optional<byte[]> json = mirror.policy().clusterFileFor(staging, outRuntime);
            if (json.isEmpty() && stored.clusterJson() != null) {
                json = Optional.of(stored.clusterJson());
            }
            Files.move(staging, outRuntime, StandardCopyOption.ATOMIC_MOVE);
            if (json.isPresent()) {
                Files2.writeAtomically(outJson, json.get(), Files2.FILE_PRIVATE);
            }
        } finally {
            Files2.deleteQuietly(staging);
        }
        return stored.info();
    }

    @Override
    public RevisionInfo rollback(String name, long revision, LockHolder holder) throws IOException {
        StateNames.requireValid(name);
        Revisions.Stored target = stored(name, OptionalLong.of(revision));
        if (target.info().removed()) {
            throw EngineException.invalid("revision " + revision + " of profile state '" + name
                    + "' is the removal; roll back to a revision that has state");
        }
        RevisionInfo t = target.info();
        // The old tree is written to the mirror and checked file by file first; only then is the revision
        // committed, so a revision that cannot be restored is never made current again.
        return publish(name, target, () -> transaction("rolling back", () -> {
            long last = Revisions.lockCluster(db, name);
            RevisionInfo info = new RevisionInfo(name, last + 1, now(), holder.who(), "state rollback",
                    EngineState.Result.SUCCESS.wire(), 0, t.profileName(), t.profileVersion(), t.packageSha256(),
                    target.manifest().digest(), target.manifest().files(), target.manifest().bytes(), false);
            Revisions.insert(db, info, target.manifest(), target.clusterJson(), target.engineState());
            fence(name);
            return info;
        }));
    }

    @Override
    public RevisionInfo importRevision(RevisionInfo meta, Path pulledDir) throws IOException {
        String name = StateNames.requireValid(meta.name());
        Optional<Revisions.Stored> existing = sql("reading history",
                () -> Revisions.read(db, name, OptionalLong.of(meta.revision())));
        if (existing.isPresent()) {
            RevisionInfo have = existing.get().info();
            if (have.removed() == meta.removed() && java.util.Objects.equals(have.treeSha256(), meta.treeSha256())) {
                return have;
            }
            throw EngineException.invalid("revision " + meta.revision() + " of profile state '" + name + "' already"
                    + " exists in " + description() + " with another tree");
        }
        Path pulledRuntime = pulledDir.resolve(name + ".runtime");
        TreeManifest manifest = meta.removed() ? null : TreeManifest.scan(pulledRuntime, TreeManifest.KnownDigests.NONE);
        if (manifest != null && meta.treeSha256() != null && !manifest.digest().equals(meta.treeSha256())) {
            throw EngineException.invalid("the tree pulled for revision " + meta.revision() + " of '" + name
                    + "' does not match its digest " + meta.treeSha256());
        }
        Path pulledJson = pulledDir.resolve(name + ".json");
        byte[] json = !meta.removed() && Files.isRegularFile(pulledJson, LinkOption.NOFOLLOW_LINKS)
                ? Files.readAllBytes(pulledJson) : null;
        Path engineFile = pulledRuntime.resolve(io.productivek3s.infra.state.SnapshotPolicy.ENGINE_STATE);
        String engineState = !meta.removed() && Files.isRegularFile(engineFile, LinkOption.NOFOLLOW_LINKS)
                ? Files.readString(engineFile) : null;
        RevisionInfo stored = new RevisionInfo(name, meta.revision(), meta.createdAt(), meta.who(), meta.command(),
                meta.result(), meta.exitCode(), meta.profileName(), meta.profileVersion(), meta.packageSha256(),
                manifest == null ? null : manifest.digest(), manifest == null ? 0 : manifest.files(),
                manifest == null ? 0 : manifest.bytes(), meta.removed());
        RevisionInfo imported = transaction("importing a revision", () -> {
            long last = Revisions.lockCluster(db, name);
            if (last > meta.revision()) {
                throw EngineException.invalid("revision " + meta.revision() + " of profile state '" + name
                        + "' is older than the last revision " + last + " in " + description());
            }
            uploadMissing(pulledRuntime, manifest);
            Revisions.insert(db, stored, manifest, json, engineState);
            fence(name); // like a persist: `state push` imports under a lease that must still be its own
            return stored;
        });
        // The mirror follows only when it is this database's (or empty): during `state migrate` from the local
        // backend it is the very directory being copied, whose files must stay the source's until the next run.
        boolean mirrorHas = Files.exists(clusterFile(name), LinkOption.NOFOLLOW_LINKS)
                || Files.exists(runtimeDir(name), LinkOption.NOFOLLOW_LINKS);
        if (book.marker(name).isPresent() || !mirrorHas) {
            if (imported.removed()) {
                mirror.remove(name);
                book.forget(name);
            } else {
                publish(name, new Revisions.Stored(imported, manifest, json, engineState));
            }
        }
        return imported;
    }

    private Revisions.Stored stored(String name, OptionalLong revision) throws IOException {
        Optional<Revisions.Stored> stored = sql("reading history", () -> Revisions.read(db, name, revision));
        return stored.orElseThrow(() -> EngineException.missing(revision.isPresent()
                ? "profile state '" + name + "' has no revision " + revision.getAsLong() + " in " + description()
                : "no profile state for '" + name + "' in " + description()));
    }

    @Override
    public void close() {
        for (PgLock lock : List.copyOf(held.values())) {
            lock.close();
        }
        closeQuietly(db);
    }

    // ---------------------------------------------------------------- JDBC plumbing

    @FunctionalInterface
    private interface Sql<T> {
        T run() throws SQLException, IOException;
    }

    private <T> T sql(String doing, Sql<T> body) throws IOException {
        try {
            return body.run();
        } catch (SQLException e) {
            throw PgErrors.translate(connector.spec(), doing, e);
        }
    }

    private <T> T transaction(String doing, Sql<T> body) throws IOException {
        try {
            db.setAutoCommit(false);
            try {
                T result = body.run();
                db.commit();
                return result;
            } catch (SQLException | IOException | RuntimeException e) {
                rollbackQuietly();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw PgErrors.translate(connector.spec(), doing, e);
        }
    }

    private void rollbackQuietly() {
        try {
            db.rollback();
        } catch (SQLException ignored) {
            // the connection is gone: the server rolls back on its own
        }
    }

    /** The time a revision records, at the database's precision (microseconds), so records compare equal. */
    private static Instant now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.runtime("interrupted while waiting for the lock");
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // closing: nothing left to do
        }
    }
}
