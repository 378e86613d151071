package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.TreeManifest;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Rows of {@code pk3s_clusters} (per name: the last revision number handed out, never reused, and the current one,
 * null once removed) and {@code pk3s_revisions} (immutable records with the tree manifest, {@code cluster.json}
 * bytes and {@code engine-state.json}). Writers hold the cluster row {@code FOR UPDATE} while they add a revision.
 */
final class Revisions {
    /** A stored revision with what is needed to rebuild its tree. */
    record Stored(RevisionInfo info, TreeManifest manifest, byte[] clusterJson, String engineState) {
    }

    /** The current revision of a name: its number and tree digest (null when removed). */
    record Current(long revision, String treeSha256, boolean removed) {
    }

    private static final String COLUMNS = "r.name, r.revision, r.created_at, r.who, r.command, r.result, r.exit_code,"
            + " r.profile_name, r.profile_version, r.package_sha256, r.tree_sha256, r.files, r.bytes, r.removed";

    private Revisions() {
    }

    /** Locks the name's cluster row (creating it) and returns the last revision number handed out. */
    static long lockCluster(Connection c, String name) throws SQLException {
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
                return rs.getLong(1);
            }
        }
    }

    /** Adds a revision and makes it current (or makes the name current-less when it is a removal). */
    static void insert(Connection c, RevisionInfo info, TreeManifest manifest, byte[] clusterJson, String engineState)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO pk3s_revisions (name, revision, created_at, who,"
                + " command, result, exit_code, profile_name, profile_version, package_sha256, tree_sha256, files,"
                + " bytes, removed, cluster_json, manifest, engine_state)"
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
            ps.setBytes(i++, clusterJson);
            ps.setString(i++, manifest == null ? null : manifest.toJson());
            ps.setString(i, engineState);
            ps.executeUpdate();
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

    static Optional<Current> current(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT c.current_revision, r.tree_sha256, c.last_revision"
                + " FROM pk3s_clusters c LEFT JOIN pk3s_revisions r ON r.name = c.name"
                + " AND r.revision = c.current_revision WHERE c.name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long current = rs.getLong(1);
                if (rs.wasNull()) {
                    return Optional.of(new Current(rs.getLong(3), null, true));
                }
                return Optional.of(new Current(current, rs.getString(2), false));
            }
        }
    }

    /** Revision {@code revision} of {@code name}, or the current one when empty (none once removed). */
    static Optional<Stored> read(Connection c, String name, OptionalLong revision) throws SQLException, IOException {
        String where = revision.isPresent() ? "r.revision = ?"
                : "r.revision = (SELECT current_revision FROM pk3s_clusters WHERE name = r.name)";
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", r.manifest, r.cluster_json,"
                + " r.engine_state FROM pk3s_revisions r WHERE r.name = ? AND " + where)) {
            ps.setString(1, name);
            if (revision.isPresent()) {
                ps.setLong(2, revision.getAsLong());
            }
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String manifest = rs.getString(15);
                return Optional.of(new Stored(info(rs), manifest == null ? new TreeManifest(List.of())
                        : TreeManifest.fromJson(manifest), rs.getBytes(16), rs.getString(17)));
            }
        }
    }

    /** The current revision's engine-state.json text, if any. */
    static Optional<String> currentEngineState(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT r.engine_state FROM pk3s_clusters c"
                + " JOIN pk3s_revisions r ON r.name = c.name AND r.revision = c.current_revision WHERE c.name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        }
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

    /** Every name with a revision, removed ones included, sorted; a name that is not valid is left out. */
    static List<String> names(Connection c) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name FROM pk3s_clusters WHERE last_revision > 0"
                + " ORDER BY name COLLATE \"C\"");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String name = rs.getString(1);
                if (io.productivek3s.infra.state.StateNames.isValid(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** Every name with a current revision, sorted, with its live lease holder. */
    static List<ClusterInfo> list(Connection c) throws SQLException {
        List<ClusterInfo> result = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + ", l.holder_user, l.holder_host,"
                + " l.holder_pid, l.command, l.started_at, r.engine_state FROM pk3s_clusters c"
                + " JOIN pk3s_revisions r ON r.name = c.name AND r.revision = c.current_revision"
                + " LEFT JOIN pk3s_leases l ON l.name = c.name AND l.expires_at > clock_timestamp()"
                + " ORDER BY c.name COLLATE \"C\"")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RevisionInfo info = info(rs);
                    LockHolder holder = rs.getString(15) == null ? null : new LockHolder(rs.getString(15),
                            rs.getString(16), rs.getLong(17), rs.getString(18), rs.getTimestamp(19).toInstant());
                    // The last action as the engine recorded it (e.g. "install"), as the local backend lists it.
                    EngineState.LastAction action = lastAction(rs.getString(20));
                    result.add(new ClusterInfo(info.name(), info.profileName(), info.profileVersion(),
                            action == null ? info.command() : action.command(),
                            action == null || action.result() == null ? info.result() : action.result().wire(),
                            action == null ? info.createdAt() : action.finishedAt() != null ? action.finishedAt()
                                    : action.startedAt(), info.revision(), holder));
                }
            }
        }
        return result;
    }

    private static EngineState.LastAction lastAction(String engineState) {
        if (engineState == null) {
            return null;
        }
        try {
            return EngineState.fromJson(engineState).lastAction();
        } catch (IOException malformed) {
            return null;
        }
    }

    private static RevisionInfo info(ResultSet rs) throws SQLException {
        int exit = rs.getInt(7);
        Integer exitCode = rs.wasNull() ? null : exit;
        return new RevisionInfo(rs.getString(1), rs.getLong(2), rs.getTimestamp(3).toInstant(), rs.getString(4),
                rs.getString(5), rs.getString(6), exitCode, rs.getString(8), rs.getString(9), rs.getString(10),
                rs.getString(11), rs.getLong(12), rs.getLong(13), rs.getBoolean(14));
    }
}
