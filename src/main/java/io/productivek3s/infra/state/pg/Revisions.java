package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.RevisionPayload;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Rows of {@code pk3s_clusters} (per name: the last revision number handed out and the current one, null once
 * removed) and {@code pk3s_revisions} (immutable records: metadata columns, an opaque {@code summary} and
 * {@code payload}, and the digests the revision references). Rows written before schema version 2 hold
 * {@code engine_state}, {@code manifest} and {@code cluster_json} instead; they are read through those. Writers hold
 * the cluster row {@code FOR UPDATE} while they add a revision.
 */
final class Revisions {
    private static final String COLUMNS = "r.name, r.revision, r.created_at, r.who, r.command, r.result, r.exit_code,"
            + " r.profile_name, r.profile_version, r.package_sha256, r.tree_sha256, r.files, r.bytes, r.removed";
    /** The summary of a row, new or old (old rows: their engine_state text). */
    private static final String SUMMARY = "coalesce(r.summary, convert_to(r.engine_state, 'UTF8'))";

    private Revisions() {
    }

    /** Locks the name's cluster row (creating it) and returns its newest revision, if any. */
    static OptionalLong lockCluster(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO pk3s_clusters (name) VALUES (?) ON CONFLICT (name) DO NOTHING")) {
            ps.setString(1, name);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT last_revision FROM pk3s_clusters WHERE name = ? FOR UPDATE")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT max(revision) FROM pk3s_revisions WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long max = rs.getLong(1);
                return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(max);
            }
        }
    }

    /** Adds a revision and makes it current (or makes the name current-less when it is a removal). */
    static void insert(Connection c, StoredRevision revision, Set<String> objects) throws SQLException {
        RevisionInfo info = revision.info();
        Array refs = c.createArrayOf("text", objects.stream().sorted().toArray());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO pk3s_revisions (name, revision, created_at, who,"
                + " command, result, exit_code, profile_name, profile_version, package_sha256, tree_sha256, files,"
                + " bytes, removed, summary, payload, objects)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int i = 1;
            ps.setString(i++, info.name());
            ps.setLong(i++, info.revision());
            ps.setTimestamp(i++, Timestamp.from(info.createdAt()));
            ps.setString(i++, info.who());
            ps.setString(i++, info.command());
            ps.setString(i++, info.result());
            if (info.exitCode() == null) {
                ps.setNull(i++, Types.INTEGER);
            } else {
                ps.setInt(i++, info.exitCode());
            }
            ps.setString(i++, info.profileName());
            ps.setString(i++, info.profileVersion());
            ps.setString(i++, info.packageSha256());
            ps.setString(i++, info.treeSha256());
            ps.setLong(i++, info.files());
            ps.setLong(i++, info.bytes());
            ps.setBoolean(i++, info.removed());
            ps.setBytes(i++, revision.summary());
            ps.setBytes(i++, revision.payload());
            ps.setArray(i, refs);
            ps.executeUpdate();
        } finally {
            refs.free();
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE pk3s_clusters SET last_revision ="
                + " greatest(last_revision, ?), current_revision = ? WHERE name = ?")) {
            ps.setLong(1, info.revision());
            if (info.removed()) {
                ps.setNull(2, Types.BIGINT);
            } else {
                ps.setLong(2, info.revision());
            }
            ps.setString(3, info.name());
            ps.executeUpdate();
        }
    }

    /**
     * Rewrites the summary, payload and object set of revision {@code revision.info().revision()} of {@code name},
     * holding the cluster row {@code FOR UPDATE} first (as {@link #lockCluster} does for an append); the columns of a
     * row from before schema version 2 are cleared. The metadata columns are untouched. Returns the objects the row
     * referenced before; empty when there is no such row.
     */
    static Optional<Set<String>> replace(Connection c, String name, StoredRevision revision, Set<String> objects)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT last_revision FROM pk3s_clusters WHERE name = ? FOR UPDATE")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
            }
        }
        Set<String> before = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT objects FROM pk3s_revisions WHERE name = ? AND revision = ?")) {
            ps.setString(1, name);
            ps.setLong(2, revision.info().revision());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Array old = rs.getArray(1);
                if (old != null) {
                    before.addAll(List.of((String[]) old.getArray()));
                }
            }
        }
        Array refs = c.createArrayOf("text", objects.stream().sorted().toArray());
        try (PreparedStatement ps = c.prepareStatement("UPDATE pk3s_revisions SET summary = ?, payload = ?,"
                + " objects = ?, manifest = NULL, cluster_json = NULL, engine_state = NULL"
                + " WHERE name = ? AND revision = ?")) {
            ps.setBytes(1, revision.summary());
            ps.setBytes(2, revision.payload());
            ps.setArray(3, refs);
            ps.setString(4, name);
            ps.setLong(5, revision.info().revision());
            return ps.executeUpdate() == 1 ? Optional.of(before) : Optional.empty();
        } finally {
            refs.free();
        }
    }

    /** Revision {@code revision} of {@code name} with its summary and payload. */
    static Optional<StoredRevision> read(Connection c, String name, long revision) throws SQLException, IOException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", " + SUMMARY + ", r.payload,"
                + " r.manifest, r.cluster_json FROM pk3s_revisions r WHERE r.name = ? AND r.revision = ?")) {
            ps.setString(1, name);
            ps.setLong(2, revision);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                byte[] payload = rs.getBytes(16);
                if (payload == null) {
                    payload = RevisionPayload.legacy(rs.getString(17), rs.getBytes(18));
                }
                return Optional.of(new StoredRevision(info(rs), bytes(rs.getBytes(15)), payload));
            }
        }
    }

    /** The newest revision of {@code name}, if any. */
    static Optional<RevisionInfo> latest(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM pk3s_revisions r"
                + " WHERE r.name = ? ORDER BY r.revision DESC LIMIT 1")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(info(rs)) : Optional.empty();
            }
        }
    }

    /**
     * The newest revision of every name with its summary, sorted by name: one query, one primary-key lookup per
     * cluster row whatever the number of revisions each holds (docs/performance.md "State at scale").
     */
    static List<StateDriver.Head> heads(Connection c) throws SQLException {
        List<StateDriver.Head> heads = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", " + SUMMARY + " FROM pk3s_clusters c"
                + " CROSS JOIN LATERAL (SELECT * FROM pk3s_revisions r WHERE r.name = c.name"
                + " ORDER BY r.revision DESC LIMIT 1) r");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                heads.add(new StateDriver.Head(info(rs), bytes(rs.getBytes(15))));
            }
        }
        // By code point, as the names of every other driver are sorted (the database's collation may differ).
        heads.sort(java.util.Comparator.comparing(h -> h.info().name()));
        return heads;
    }

    static List<RevisionInfo> history(Connection c, String name) throws SQLException {
        List<RevisionInfo> result = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM pk3s_revisions r WHERE r.name = ? ORDER BY r.revision")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(info(rs));
                }
            }
        }
        return result;
    }

    /**
     * Deletes the given revisions of {@code name} (never the newest: numbers are never handed out twice) and returns
     * the digests they referenced: the only blobs this deletion can leave unreferenced.
     */
    static Set<String> delete(Connection c, String name, Collection<Long> revisions) throws SQLException {
        Set<String> referenced = new HashSet<>();
        Array numbers = c.createArrayOf("bigint", revisions.toArray());
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pk3s_revisions WHERE name = ?"
                + " AND revision = ANY (?) AND revision < (SELECT max(revision) FROM pk3s_revisions WHERE name = ?)"
                + " RETURNING objects")) {
            ps.setString(1, name);
            ps.setArray(2, numbers);
            ps.setString(3, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array objects = rs.getArray(1);
                    if (objects != null) {
                        referenced.addAll(List.of((String[]) objects.getArray()));
                    }
                }
            }
        } finally {
            numbers.free();
        }
        return referenced;
    }

    private static byte[] bytes(byte[] value) {
        return value == null ? new byte[0] : value;
    }

    private static RevisionInfo info(ResultSet rs) throws SQLException {
        int exit = rs.getInt(7);
        Integer exitCode = rs.wasNull() ? null : exit;
        return new RevisionInfo(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant(), rs.getString(4),
                rs.getString(5), rs.getString(6), exitCode, rs.getString(8), rs.getString(9), rs.getString(10),
                rs.getString(11), rs.getLong(12), rs.getLong(13), rs.getBoolean(14));
    }
}
