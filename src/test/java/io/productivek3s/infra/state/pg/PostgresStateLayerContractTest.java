package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.StateStoreContract;
import io.productivek3s.infra.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/**
 * The state layer's contract ({@link StateStoreContract}) over the PostgreSQL driver: a fresh database per test; each store is a workstation with its
 * own local mirror (so two stores in one JVM meet only in the database, as two hosts would).
 */
class PostgresStateLayerContractTest extends StateStoreContract {
    private PostgresServer server;
    private String database;
    private int workstations;

    @BeforeEach
    void freshDatabase() {
        server = PostgresServer.shared();
        database = server.createDatabase("contract");
    }

    @Override
    protected StateStore openStore() {
        Path mirror = work.resolve("workstation-" + (++workstations));
        return PostgresBackend.open(server.url(database), Map.of("PGPASSWORD", PostgresServer.PASSWORD,
                "PK3S_STATE_LEASE_SECONDS", "5"), mirror, w -> { }, d -> { });
    }

    /** Same size, other bytes, in the database's chunks. */
    @Override
    protected void corruptStoredFile(StateStore store, String sha256) throws Exception {
        try (Connection c = server.connect(database); PreparedStatement ps = c.prepareStatement(
                "UPDATE pk3s_blob_chunks SET data = decode(repeat('78', length(data)), 'hex') WHERE sha256 = ?")) {
            ps.setString(1, sha256);
            if (ps.executeUpdate() == 0) {
                throw new IllegalStateException("no stored chunks for " + sha256);
            }
        }
    }
}
