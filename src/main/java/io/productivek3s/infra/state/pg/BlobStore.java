package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.driver.ObjectSource;
import java.io.IOException;
import io.productivek3s.infra.util.BulkInputStream;
import java.io.InputStream;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * File contents keyed by sha256 in {@code pk3s_blobs} / {@code pk3s_blob_chunks}, streamed in {@link #CHUNK}-sized
 * bytea rows both ways, so a provider binary of hundreds of MB never sits in the heap. A blob is uploaded only when
 * the database lacks its sha256; two runs uploading the same new blob meet on the primary key and the second one
 * waits for the first and skips it ({@code ON CONFLICT DO NOTHING}).
 */
final class BlobStore {
    static final int CHUNK = 1 << 20;
    /** The advisory lock key of garbage collection ("pk3g"; see {@link #collect}, {@link #missingForAppend}). */
    static final long COLLECTING = 0x706b3367L;

    /** What an upload sent, for the --debug line and the benchmark. */
    record Upload(long blobs, long bytes) {
        Upload plus(Upload other) {
            return new Upload(blobs + other.blobs, bytes + other.bytes);
        }
    }

    private BlobStore() {
    }

    /** The digests among {@code sha256s} that the database does not hold. */
    static Set<String> missing(Connection c, Collection<String> sha256s) throws SQLException {
        Set<String> missing = new HashSet<>(sha256s);
        if (missing.isEmpty()) {
            return missing;
        }
        Array array = c.createArrayOf("text", missing.toArray());
        try (PreparedStatement ps = c.prepareStatement("SELECT sha256 FROM pk3s_blobs WHERE sha256 = ANY (?)")) {
            ps.setArray(1, array);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    missing.remove(rs.getString(1));
                }
            }
        } finally {
            array.free();
        }
        return missing;
    }

    /**
     * Uploads the bytes of {@code source} as blob {@code sha256} inside the caller's transaction (the driver stores
     * bytes; the state layer's source checks its content while it is read, and fails the stream, hence this
     * transaction, when it does not have its digest). Returns what was sent (nothing when another run stored it
     * meanwhile).
     */
    static Upload upload(Connection c, String sha256, long size, ObjectSource source) throws SQLException, IOException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO pk3s_blobs (sha256, size) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING")) {
            ps.setString(1, sha256);
            ps.setLong(2, size);
            if (ps.executeUpdate() == 0) {
                return new Upload(0, 0);
            }
        }
        long sent = 0;
        try (InputStream in = source.open();
                PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO pk3s_blob_chunks (sha256, seq, data) VALUES (?, ?, ?)")) {
            byte[] buffer = new byte[CHUNK];
            for (int seq = 0; ; seq++) {
                int n = in.readNBytes(buffer, 0, CHUNK);
                if (n == 0) {
                    break;
                }
                ps.setString(1, sha256);
                ps.setInt(2, seq);
                ps.setBytes(3, n == CHUNK ? buffer : java.util.Arrays.copyOf(buffer, n));
                ps.executeUpdate();
                sent += n;
            }
        }
        if (sent != size) {
            throw new IOException("object " + sha256 + " had " + sent + " bytes instead of " + size + " while it was"
                    + " being stored");
        }
        return new Upload(1, sent);
    }

    /**
     * The digests among {@code sha256s} not stored, checked inside an append's transaction after waiting for a
     * collection under way: holding {@link #COLLECTING} shared until the revision commits, the writer knows that
     * every blob it found stored (and so did not upload) is still there when its revision starts referencing it.
     */
    static Set<String> missingForAppend(Connection c, Collection<String> sha256s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock_shared(" + COLLECTING + ")")) {
            ps.execute();
        }
        return missing(c, sha256s);
    }

    /**
     * Deletes the blobs among {@code candidates} (what pruned revisions referenced) that no revision references any
     * more: a lookup per candidate in the index of referenced objects, never a read of every record. Holds
     * {@link #COLLECTING} exclusively: it waits for appends under way, and an append waits for it. Rows written
     * before schema version 2 list no objects: while any is left, nothing is collected.
     */
    static int collect(Connection c, Collection<String> candidates) throws SQLException {
        if (candidates.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(" + COLLECTING + ")")) {
            ps.execute();
        }
        Array array = c.createArrayOf("text", candidates.toArray());
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM pk3s_blobs b WHERE b.sha256 = ANY (?)"
                + " AND NOT EXISTS (SELECT 1 FROM pk3s_revisions r WHERE r.objects @> ARRAY[b.sha256])"
                + " AND NOT EXISTS (SELECT 1 FROM pk3s_revisions WHERE objects IS NULL AND manifest IS NOT NULL)")) {
            ps.setArray(1, array);
            return ps.executeUpdate();
        } finally {
            array.free();
        }
    }

    /** Streams blob {@code sha256} chunk by chunk (one query per chunk: the driver would buffer a whole result). */
    static InputStream open(Connection c, String sha256) {
        return new ChunkStream(c, sha256);
    }

    private static final class ChunkStream extends BulkInputStream {
        private final Connection c;
        private final String sha256;
        private byte[] chunk = new byte[0];
        private int pos;
        private int seq;
        private boolean done;

        ChunkStream(Connection c, String sha256) {
            this.c = c;
            this.sha256 = sha256;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos >= chunk.length) {
                if (done || !fetch()) {
                    done = true;
                    return -1;
                }
            }
            int n = Math.min(len, chunk.length - pos);
            System.arraycopy(chunk, pos, b, off, n);
            pos += n;
            return n;
        }

        private boolean fetch() throws IOException {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT data FROM pk3s_blob_chunks WHERE sha256 = ? AND seq = ?")) {
                ps.setString(1, sha256);
                ps.setInt(2, seq);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return false;
                    }
                    chunk = null; // let the previous chunk go before the next one is decoded
                    chunk = rs.getBytes(1);
                    pos = 0;
                    seq++;
                    return true;
                }
            } catch (SQLException e) {
                throw new IOException("could not read stored blob " + sha256 + ": " + PgErrors.oneLine(e.getMessage()), e);
            }
        }
    }
}
