package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateDriverContract;
import io.productivek3s.infra.testing.PostgresServer;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/** The driver contract on PostgreSQL: a fresh database per test; each driver is its own connection. */
class PostgresDriverTest extends StateDriverContract {
    private PostgresServer server;
    private String database;

    @BeforeEach
    void freshDatabase() {
        server = PostgresServer.shared();
        database = server.createDatabase("driver");
    }

    @Override
    protected StateDriver open() {
        return PostgresDriver.connect(server.url(database), "PK3S_STATE_BACKEND", Map.of("PGPASSWORD",
                PostgresServer.PASSWORD, "PK3S_STATE_LEASE_SECONDS", "5"), w -> { }, d -> { });
    }
}
