package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.crypto.SealedStateErrorsContract;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;

/**
 * The encryption rows of the error table on the state layer over the PostgreSQL driver, through the decorator: a
 * fresh database per test, objects damaged in {@code pk3s_blob_chunks} as a database writer could.
 */
class PostgresSealedStateErrorsTest extends SealedStateErrorsContract {
    private PostgresServer server;
    private String database;

    @BeforeEach
    void freshDatabase() {
        server = PostgresServer.shared();
        database = server.createDatabase("sealed_errors");
    }

    @Override
    protected StateStore openStore(Path mirror, UnaryOperator<StateDriver> decorate) {
        return PostgresBackend.connectInBackground(server.url(database), "PK3S_STATE_BACKEND", Map.of("PGPASSWORD",
                PostgresServer.PASSWORD, "PK3S_STATE_LEASE_SECONDS", "5"), w -> { }, d -> { }).open(mirror, decorate);
    }

    /** Rewrites every stored chunk (the objects here are all smaller than one chunk). */
    @Override
    protected void damageStoredObjects(UnaryOperator<byte[]> damage) throws Exception {
        try (Connection c = server.connect(database)) {
            List<Object[]> chunks = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT sha256, seq, data FROM pk3s_blob_chunks");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    chunks.add(new Object[] {rs.getString(1), rs.getInt(2), rs.getBytes(3)});
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE pk3s_blob_chunks SET data = ? WHERE sha256 = ? AND seq = ?")) {
                for (Object[] chunk : chunks) {
                    ps.setBytes(1, damage.apply((byte[]) chunk[2]));
                    ps.setString(2, (String) chunk[0]);
                    ps.setInt(3, (Integer) chunk[1]);
                    ps.executeUpdate();
                }
            }
        }
    }
}
