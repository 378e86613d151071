package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.state.driver.StateConflict;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateLocker;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The PostgreSQL driver (docs/state.md "PostgreSQL backend"): objects are blobs keyed by sha256 ({@link BlobStore},
 * shared by every name), revision records are rows ({@link Revisions}) appended in one transaction that holds the
 * cluster row {@code FOR UPDATE}, compares the newest revision and checks the lease ({@link Leases#checkHeld}), locks
 * are lease rows renewed on a connection of their own (the main one may be inside a long upload). Every SQL failure
 * becomes the backend's exit code through {@link PgErrors}.
 */
public final class PostgresDriver implements StateDriver {
    public static final String LEASE_VARIABLE = "PK3S_STATE_LEASE_SECONDS";
    static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    private final PgConnector connector;
    private final Connection db;
    private final Duration lease;
    private final Object renewing = new Object();
    private Connection renewal;
    private final StateLocker locker = new LeaseLocker();
    /** Blobs that records this driver replaced stopped referencing: the next prune considers them (never a sweep). */
    private final Set<String> replaced = new HashSet<>();

    PostgresDriver(PgConnector connector, Connection db, Duration lease) {
        this.connector = connector;
        this.db = db;
        this.lease = lease;
    }

    /**
     * Connects (exit 5 unreachable, exit 4 authentication or malformed settings) and brings the schema up to date.
     * {@code origin} names where the URL came from in messages ({@code PK3S_STATE_BACKEND}, {@code --to}).
     */
    static PostgresDriver connect(String url, String origin, Map<String, String> env, Consumer<String> warn,
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
        return new PostgresDriver(connector, db, lease);
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

    @Override
    public String description() {
        return connector.spec().description();
    }

    // ---- objects -------------------------------------------------------------------------------------------

    @Override
    public Set<String> missing(String name, Collection<String> sha256s) throws IOException {
        return sql("reading stored objects", () -> BlobStore.missing(db, sha256s));
    }

    @Override
    public long put(String name, String sha256, long size, ObjectSource source) throws IOException {
        return transaction("storing an object", () -> BlobStore.upload(db, sha256, size, source).bytes());
    }

    @Override
    public InputStream open(String name, String sha256) throws IOException {
        if (!missing(name, List.of(sha256)).isEmpty()) {
            throw new IOException("stored object " + sha256 + " is missing in " + description());
        }
        return BlobStore.open(db, sha256);
    }

    // ---- records -------------------------------------------------------------------------------------------

    @Override
    public List<Head> heads() throws IOException {
        return sql("listing clusters", () -> Revisions.heads(db));
    }

    @Override
    public Optional<RevisionInfo> latest(String name) throws IOException {
        return sql("reading state", () -> Revisions.latest(db, name));
    }

    @Override
    public List<RevisionInfo> history(String name) throws IOException {
        return sql("reading history", () -> Revisions.history(db, name));
    }

    @Override
    public Optional<StoredRevision> read(String name, long revision) throws IOException {
        return sql("reading history", () -> Revisions.read(db, name, revision));
    }

    @Override
    public void append(String name, OptionalLong expectedLatest, StoredRevision revision, Set<String> objects,
            Fence fence) throws IOException {
        if (revision.info().revision() <= expectedLatest.orElse(-1) || !revision.info().name().equals(name)) {
            throw new IllegalArgumentException("revision " + revision.info().revision() + " cannot follow "
                    + expectedLatest);
        }
        transaction("writing a revision", () -> {
            OptionalLong latest = Revisions.lockCluster(db, name);
            if (!latest.equals(expectedLatest)) {
                throw new StateConflict(StateConflict.Kind.RACE, "revision " + latest.orElse(0) + " of '" + name
                        + "' was written meanwhile");
            }
            requireStillStored(objects);
            Revisions.insert(db, revision, objects);
            requireFence(name, fence);
            return null;
        });
    }

    /**
     * One transaction: the cluster row is held {@code FOR UPDATE} (as an append holds it), the row's summary, payload
     * and object set are updated (the columns of rows from before schema version 2 are cleared, so no plain copy
     * stays behind), and the lease is checked; its metadata columns are not touched.
     */
    @Override
    public void replace(String name, StoredRevision revision, Set<String> objects, Fence fence) throws IOException {
        long number = revision.info().revision();
        Set<String> unreferenced = transaction("rewriting a revision", () -> {
            requireStillStored(objects);
            Set<String> before = Revisions.replace(db, name, revision, objects).orElseThrow(() -> new IOException(
                    "revision " + number + " of '" + name + "' is not kept in " + description()));
            requireFence(name, fence);
            before.removeAll(objects);
            return before;
        });
        synchronized (replaced) {
            replaced.addAll(unreferenced);
        }
    }

    /** Holds off collection until this transaction commits, and refuses objects a collection took meanwhile. */
    private void requireStillStored(Set<String> objects) throws SQLException, IOException {
        Set<String> vanished = BlobStore.missingForAppend(db, objects);
        if (!vanished.isEmpty()) {
            throw new IOException(vanished.size() + " stored object(s) of this revision, e.g. "
                    + vanished.iterator().next() + ", were collected by a concurrent prune before it was written;"
                    + " nothing was written, run the command again");
        }
    }

    private void requireFence(String name, Fence fence) throws SQLException, StateConflict {
        boolean held = fence instanceof StateLocker.Lease l ? Leases.checkHeld(db, name, l.token())
                : Leases.current(db, name).isEmpty();
        if (!held) {
            throw new StateConflict(StateConflict.Kind.FENCED, "the lease on '" + name + "' is not this writer's");
        }
    }

    /**
     * Collects only the blobs the deleted revisions referenced, and those the records this driver replaced stopped
     * referencing (an index lookup each): never a sweep of every blob, which could take a concurrent writer's upload
     * before its append names it. An empty {@code revisions} only collects (after {@link #replace}).
     */
    @Override
    public void prune(String name, Collection<Long> revisions) throws IOException {
        transaction("pruning history", () -> {
            Set<String> candidates = new HashSet<>(Revisions.delete(db, name, revisions));
            synchronized (replaced) {
                candidates.addAll(replaced);
            }
            return BlobStore.collect(db, candidates);
        });
        synchronized (replaced) {
            replaced.clear();
        }
    }

    /**
     * The hold is one read-only REPEATABLE READ transaction: PostgreSQL keeps every row version its snapshot sees
     * until it ends, so a prune committed meanwhile (it deletes rows: records, blobs, their chunks) takes nothing away
     * from the reader, and neither waits for the other (docs/state.md "PostgreSQL backend"). Inside a transaction
     * already (nested): nothing more to hold.
     */
    @Override
    public Hold reading(String name) throws IOException {
        boolean outermost = sql("reading state", () -> {
            if (!db.getAutoCommit()) {
                return false;
            }
            db.setAutoCommit(false);
            db.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            db.setReadOnly(true);
            return true;
        });
        if (!outermost) {
            return Hold.NONE;
        }
        return new Hold() {
            private boolean open = true;

            @Override
            public void close() {
                if (!open) {
                    return;
                }
                open = false;
                rollbackQuietly(); // it only read
                try {
                    db.setReadOnly(false);
                    db.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                    db.setAutoCommit(true);
                } catch (SQLException gone) {
                    // the connection is gone: the next call reports it
                }
            }
        };
    }

    // ---- settings ------------------------------------------------------------------------------------------

    @Override
    public Optional<byte[]> setting(String key) throws IOException {
        return sql("reading a setting", () -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT value FROM pk3s_settings WHERE key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public byte[] putSettingIfAbsent(String key, byte[] value) throws IOException {
        sql("writing a setting", () -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "INSERT INTO pk3s_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")) {
                ps.setString(1, key);
                ps.setBytes(2, value);
                return ps.executeUpdate();
            }
        });
        return setting(key).orElseThrow(() -> new IOException("setting " + key + " vanished"));
    }

    // ---- locks ---------------------------------------------------------------------------------------------

    @Override
    public StateLocker locker() {
        return locker;
    }

    /** Lease rows (see {@link Leases}); renewals use their own connection, opened again when it fails. */
    private final class LeaseLocker implements StateLocker {
        @Override
        public Attempt tryAcquire(String name, LockHolder holder) throws IOException {
            String token = UUID.randomUUID().toString();
            Leases.Attempt attempt = sql("taking the lock", () -> Leases.tryAcquire(db, name, token, holder, lease));
            return attempt.taken() ? Attempt.taken(new Lease(name, token, holder), attempt.expiredHolder())
                    : Attempt.refused(attempt.currentHolder());
        }

        @Override
        public boolean renew(Lease held) throws IOException {
            synchronized (renewing) {
                try {
                    if (renewal == null || renewal.isClosed()) {
                        renewal = connector.connect();
                    }
                    return Leases.renew(renewal, held.name(), held.token(), lease);
                } catch (SQLException | RuntimeException e) {
                    closeQuietly(renewal);
                    renewal = null;
                    throw new IOException("could not renew the lease: " + PgErrors.oneLine(String.valueOf(e.getMessage())), e);
                }
            }
        }

        @Override
        public void release(Lease held) throws IOException {
            sql("releasing the lock", () -> {
                Leases.release(db, held.name(), held.token());
                return null;
            });
        }

        @Override
        public Optional<LockHolder> holder(String name) throws IOException {
            return sql("reading the lock", () -> Leases.current(db, name));
        }

        @Override
        public Map<String, LockHolder> holders() throws IOException {
            return sql("reading the locks", () -> Leases.all(db));
        }

        @Override
        public Optional<LockHolder> breakLease(String name) throws IOException {
            return sql("breaking the lock", () -> Leases.breakLease(db, name));
        }

        @Override
        public Optional<Duration> renewEvery() {
            return Optional.of(Duration.ofMillis(Math.max(200, lease.toMillis() / 3)));
        }
    }

    /** The lease a lock is taken for, as messages give it ({@code it expires within 30 s}). */
    public Duration lease() {
        return lease;
    }

    @Override
    public void close() {
        synchronized (renewing) {
            closeQuietly(renewal);
            renewal = null;
        }
        closeQuietly(db);
    }

    // ---- JDBC plumbing -------------------------------------------------------------------------------------

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
