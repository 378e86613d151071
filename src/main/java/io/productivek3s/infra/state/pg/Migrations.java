package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.EngineException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The backend's schema as numbered migrations recorded in {@code pk3s_schema_migrations}. A run checks the version
 * with one cheap query; only when it is behind does it take a transaction-scoped advisory lock (so concurrent first
 * runs migrate once), re-read the applied versions and apply the missing ones in the same transaction (PostgreSQL
 * DDL is transactional: a failed migration leaves nothing behind). A database newer than this engine → exit 4.
 * Migrations are append-only: never edit a released one, add the next.
 */
final class Migrations {
    /** pg_advisory_xact_lock key: "pk3s" in ASCII, distinct from the lease keys (leases are rows, not locks). */
    static final long LOCK_KEY = 0x706b3373L;

    record Migration(int version, String description, List<String> statements) {
    }

    static final List<Migration> ALL = List.of(
            new Migration(1, "revisions, content-addressed blobs, leases", List.of(
                    """
                    CREATE TABLE pk3s_blobs (
                        sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
                        size bigint NOT NULL CHECK (size >= 0),
                        created_at timestamptz NOT NULL DEFAULT now())""",
                    """
                    CREATE TABLE pk3s_blob_chunks (
                        sha256 text NOT NULL REFERENCES pk3s_blobs (sha256) ON DELETE CASCADE,
                        seq integer NOT NULL CHECK (seq >= 0),
                        data bytea NOT NULL,
                        PRIMARY KEY (sha256, seq))""",
                    """
                    CREATE TABLE pk3s_clusters (
                        name text PRIMARY KEY,
                        last_revision bigint NOT NULL DEFAULT 0,
                        current_revision bigint)""",
                    """
                    CREATE TABLE pk3s_revisions (
                        name text NOT NULL REFERENCES pk3s_clusters (name),
                        revision bigint NOT NULL CHECK (revision >= 0), -- 0: state migrated from before history existed
                        created_at timestamptz NOT NULL,
                        who text NOT NULL,
                        command text NOT NULL,
                        result text,
                        exit_code integer,
                        profile_name text,
                        profile_version text,
                        package_sha256 text,
                        tree_sha256 text,
                        files bigint NOT NULL DEFAULT 0,
                        bytes bigint NOT NULL DEFAULT 0,
                        removed boolean NOT NULL DEFAULT false,
                        cluster_json bytea,
                        manifest text,
                        engine_state text,
                        PRIMARY KEY (name, revision))""",
                    """
                    CREATE TABLE pk3s_leases (
                        name text PRIMARY KEY,
                        token text NOT NULL,
                        holder_user text NOT NULL,
                        holder_host text NOT NULL,
                        holder_pid bigint NOT NULL,
                        command text NOT NULL,
                        started_at timestamptz NOT NULL,
                        expires_at timestamptz NOT NULL)""")),
            // The state layer over drivers (docs/state.md "State layer and drivers"): a revision's content is an
            // opaque summary and payload the database never interprets, with the digests it references beside it
            // (plain, for pruning). Rows written before keep manifest, cluster_json and engine_state and are read
            // through them; new rows leave those null.
            new Migration(2, "opaque revision payloads, referenced objects, settings", List.of(
                    "ALTER TABLE pk3s_revisions ADD COLUMN summary bytea, ADD COLUMN payload bytea,"
                            + " ADD COLUMN objects text[]",
                    """
                    CREATE TABLE pk3s_settings (
                        key text PRIMARY KEY,
                        value bytea NOT NULL)""")),
            // Pruning looks up which revisions still reference the blobs pruned revisions referenced, in this index,
            // instead of reading every record (docs/state.md "PostgreSQL backend").
            new Migration(3, "an index of referenced objects", List.of(
                    "CREATE INDEX pk3s_revisions_objects ON pk3s_revisions USING gin (objects)")));

    static int latest() {
        return ALL.get(ALL.size() - 1).version();
    }

    private Migrations() {
    }

    /** Brings the schema up to {@link #latest()}; returns the number of migrations applied (0: already current). */
    static int apply(Connection c, PgConnectionSpec spec) throws SQLException {
        int current = currentVersion(c);
        if (current == latest()) {
            return 0;
        }
        tooNew(current, spec);
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
            s.execute("CREATE TABLE IF NOT EXISTS pk3s_schema_migrations (version integer PRIMARY KEY,"
                    + " description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
            int applied = 0;
            current = maxVersion(s);
            tooNew(current, spec);
            for (Migration m : ALL) {
                if (m.version() <= current) {
                    continue;
                }
                for (String sql : m.statements()) {
                    s.execute(sql);
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO pk3s_schema_migrations (version, description) VALUES (?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.executeUpdate();
                }
                applied++;
            }
            c.commit();
            return applied;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** The applied version, 0 for a database the engine never touched; one query, no lock (auto-commit). */
    static int currentVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            return maxVersion(s);
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) { // undefined_table: a fresh database
                return 0;
            }
            throw e;
        }
    }

    private static int maxVersion(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT coalesce(max(version), 0) FROM pk3s_schema_migrations")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void tooNew(int current, PgConnectionSpec spec) {
        if (current > latest()) {
            throw EngineException.invalid("state backend " + spec.description() + " has schema version " + current
                    + ", newer than this engine supports (" + latest() + "); upgrade the engine");
        }
    }
}
