package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.LockHolder;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.Optional;

/**
 * Per-name locks as rows of {@code pk3s_leases} that expire unless renewed: a holder that died (kill -9, lost
 * host) stops renewing and the next run takes over once {@code expires_at} passed. Times are the database's clock
 * ({@code clock_timestamp()}), so clients with skewed clocks agree. Taking over and breaking a lease lock the row
 * ({@code FOR UPDATE} / {@code DELETE}), which waits for a commit that holds the lease with {@code FOR KEY SHARE}
 * (see {@link #checkHeld}): a revision is never committed by a holder whose lease was taken meanwhile.
 */
final class Leases {
    /** The outcome of one attempt: taken (perhaps from an expired holder), or held by someone else. */
    record Attempt(boolean taken, Optional<LockHolder> expiredHolder, Optional<LockHolder> currentHolder) {
    }

    private Leases() {
    }

    static Attempt tryAcquire(Connection c, String name, String token, LockHolder holder, Duration ttl)
            throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            Optional<LockHolder> expired = Optional.empty();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT holder_user, holder_host, holder_pid, command, started_at,"
                            + " expires_at <= clock_timestamp() FROM pk3s_leases WHERE name = ? FOR UPDATE")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        LockHolder other = holder(rs);
                        if (!rs.getBoolean(6)) {
                            c.rollback();
                            return new Attempt(false, Optional.empty(), Optional.of(other));
                        }
                        expired = Optional.of(other);
                    }
                }
            }
            int rows;
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pk3s_leases (name, token, holder_user, holder_host, holder_pid, command, started_at,"
                            + " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, clock_timestamp() + ? * interval '1 millisecond')"
                            + " ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token,"
                            + " holder_user = EXCLUDED.holder_user, holder_host = EXCLUDED.holder_host,"
                            + " holder_pid = EXCLUDED.holder_pid, command = EXCLUDED.command,"
                            + " started_at = EXCLUDED.started_at, expires_at = EXCLUDED.expires_at"
                            + " WHERE pk3s_leases.expires_at <= clock_timestamp()")) {
                ps.setString(1, name);
                ps.setString(2, token);
                ps.setString(3, holder.user());
                ps.setString(4, holder.host());
                ps.setLong(5, holder.pid());
                ps.setString(6, holder.command());
                ps.setTimestamp(7, Timestamp.from(holder.startedAt()));
                ps.setLong(8, ttl.toMillis());
                rows = ps.executeUpdate();
            }
            if (rows == 0) {
                // Another run inserted the row between our SELECT and INSERT: it holds the lease now.
                c.rollback();
                return new Attempt(false, Optional.empty(), Optional.empty());
            }
            c.commit();
            return new Attempt(true, expired, Optional.empty());
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Extends the lease; false when it is no longer ours (broken with {@code state unlock --force}). */
    static boolean renew(Connection c, String name, String token, Duration ttl) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE pk3s_leases SET expires_at = clock_timestamp()"
                + " + ? * interval '1 millisecond' WHERE name = ? AND token = ?")) {
            ps.setLong(1, ttl.toMillis());
            ps.setString(2, name);
            ps.setString(3, token);
            return ps.executeUpdate() == 1;
        }
    }

    static void release(Connection c, String name, String token) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pk3s_leases WHERE name = ? AND token = ?")) {
            ps.setString(1, name);
            ps.setString(2, token);
            ps.executeUpdate();
        }
    }

    /**
     * Inside a write transaction, just before commit: true when the lease is still ours and unexpired. The
     * {@code FOR KEY SHARE} row lock makes a concurrent take-over or break wait until this transaction ends.
     */
    static boolean checkHeld(Connection c, String name, String token) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT expires_at > clock_timestamp() FROM pk3s_leases"
                + " WHERE name = ? AND token = ? FOR KEY SHARE")) {
            ps.setString(1, name);
            ps.setString(2, token);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** The live (unexpired) holder of {@code name}, if any. */
    static Optional<LockHolder> current(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT holder_user, holder_host, holder_pid, command,"
                + " started_at FROM pk3s_leases WHERE name = ? AND expires_at > clock_timestamp()")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(holder(rs)) : Optional.empty();
            }
        }
    }

    /** Every live (unexpired) lease's name and holder. */
    static java.util.Map<String, LockHolder> all(Connection c) throws SQLException {
        java.util.Map<String, LockHolder> holders = new java.util.TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT holder_user, holder_host, holder_pid, command,"
                + " started_at, name FROM pk3s_leases WHERE expires_at > clock_timestamp()");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                holders.put(rs.getString(6), holder(rs));
            }
        }
        return holders;
    }

    /** Deletes the lease whoever holds it (expired or not); returns whom it broke. */
    static Optional<LockHolder> breakLease(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pk3s_leases WHERE name = ? RETURNING holder_user,"
                + " holder_host, holder_pid, command, started_at")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(holder(rs)) : Optional.empty();
            }
        }
    }

    private static LockHolder holder(ResultSet rs) throws SQLException {
        return new LockHolder(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4),
                rs.getTimestamp(5).toInstant());
    }
}
