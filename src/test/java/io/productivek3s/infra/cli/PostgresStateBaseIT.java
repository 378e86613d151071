package io.productivek3s.infra.cli;

import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.pg.PostgresBackend;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/** The engine as a process against a real PostgreSQL server (one database per test, 3 s leases). */
abstract class PostgresStateBaseIT extends PackageTestBase {
    static final String NAME = "fixture-profile";
    PostgresServer server;
    String database;

    @BeforeEach
    void useDatabase(org.junit.jupiter.api.TestInfo info) {
        server = PostgresServer.shared();
        database = server.createDatabase(info.getTestClass().orElseThrow().getSimpleName());
        usePostgres(engine);
    }

    String url() {
        return server.url(database);
    }

    Engine usePostgres(Engine e) {
        return e.env("PK3S_STATE_BACKEND", url())
                .env("PGPASSWORD", PostgresServer.PASSWORD)
                .env("PK3S_STATE_LEASE_SECONDS", "3")
                .env("TELEMETRY_ENABLED", "false");
    }

    /** A second workstation: its own HOME and state dir, the same fake tools and database. */
    Engine workstation(Path home2) throws IOException {
        Files.createDirectories(home2);
        return usePostgres(Engine.fromRepo(home2)
                .prependPath(tools.bin())
                .env("PK3S_PROFILE_STATE_DIR", home2.resolve("state").toString())
                .env("FIXTURE_RECORD_DIR", records.toString())
                .env("FIXTURE_SCENARIO_PATH", engine.environment().get("FIXTURE_SCENARIO_PATH"))
                .cwd(Files.createDirectories(home2.resolve("work"))));
    }

    /** A scenario with a destroy target (teardown), so destroy removes state; status runs `make check`. */
    void useDestroyableScenario() throws IOException {
        useCustomScenario(fixture, engine, null);
    }

    /** The store as the test sees it (for list/history/pull), mirroring into {@code localDir}. */
    StateStore store(Path localDir) {
        Map<String, String> env = new HashMap<>(Map.of("PGPASSWORD", PostgresServer.PASSWORD, "HOME", home.toString()));
        return PostgresBackend.open(url(), env, localDir, w -> { }, d -> { });
    }
}
