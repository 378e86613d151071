package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.PostgresServer;
import io.productivek3s.infra.util.Json;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * With PostgreSQL the state commands name the backend (never the local mirror as if it were the state) and the
 * mirror separately; the mirror read without PK3S_STATE_BACKEND says what it is and refuses changes; state migrate
 * copies destroyed clusters' histories too.
 */
class PostgresStateNamingIT extends PostgresStateBaseIT {

    private String backend() {
        return "postgresql://" + PostgresServer.USER + "@127.0.0.1:" + server.port() + "/" + database;
    }

    @Test
    void messagesAndDocumentsNameTheBackendAndTheMirrorApart() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertThat(engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()).exitCode()).isZero();

        Engine.Result show = engine.run("state", "show", NAME);
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout()).contains("Backend:       " + backend() + "\n", "Local mirror:  " + stateDir + "\n")
                .doesNotContain(PostgresServer.PASSWORD);
        JsonNode list = Json.parse(engine.run("state", "list", "--json").stdout());
        assertThat(list.path("location").asText()).isEqualTo(backend());
        assertThat(list.path("mirror").asText()).isEqualTo(stateDir.toString());
        JsonNode history = Json.parse(engine.run("state", "history", NAME, "--json").stdout());
        assertThat(history.path("location").asText()).isEqualTo(backend());
        assertError(engine.run("state", "history", "nobody"), 3, "no state named 'nobody' in " + backend());
    }

    @Test
    void theMirrorWithoutTheBackendSaysWhatItIsAndRefusesChanges() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertThat(engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()).exitCode()).isZero();
        engine.env("PK3S_STATE_BACKEND", null);

        Engine.Result list = engine.run("state", "list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stderr() + list.stdout()).contains("WARN  state dir " + stateDir + " is the local mirror of " + backend()
                + " but PK3S_STATE_BACKEND is not set: this shows the mirror, which may be behind; changes are refused");

        Engine.Result install = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(install.exitCode()).as(install.toString()).isEqualTo(4);
        assertThat(install.stderr()).contains("state dir " + stateDir + " is the local mirror of " + backend()
                + ", and PK3S_STATE_BACKEND is not set");
        // the mirror keeps no history of its own: rollback finds nothing to roll back, and the WARN says why
        Engine.Result rollback = engine.run("state", "rollback", NAME, "--revision", "1");
        assertThat(rollback.exitCode()).as(rollback.toString()).isEqualTo(3);
        assertThat(rollback.stdout() + rollback.stderr()).contains("is the local mirror of " + backend());
        // the backend still has exactly the one revision
        assertThat(usePostgres(engine).run("state", "history", NAME).stdoutLines()).hasSize(2);
    }

    @Test
    void migrateCopiesTheHistoryOfDestroyedClustersAndTheMirrorBecomesLocalState() throws Exception {
        useDestroyableScenario();
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertThat(engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString(), "--name", "gone")
                .exitCode()).isZero();
        assertThat(engine.run("profile", "destroy", "--tgz", tgz.toString(), "--env-file", site.toString(), "--name", "gone")
                .exitCode()).isZero();
        assertThat(engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString(), "--name", "kept")
                .exitCode()).isZero();

        Engine.Result migrate = engine.run("state", "migrate", "--to", "local");
        assertThat(migrate.exitCode()).as(migrate.toString()).isZero();
        assertThat(migrate.stdout()).contains("Migrated 'gone': 2 revision(s), 2 copied", "Migrated 'kept': 1 revision(s), 1 copied");
        engine.env("PK3S_STATE_BACKEND", null);
        Engine.Result history = engine.run("state", "history", "gone");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        assertThat(history.stdout()).contains("(removed)");
        Engine.Result local = engine.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString(), "--name", "kept");
        assertThat(local.exitCode()).as("the migrated directory is local state now: " + local).isZero();
        assertThat(local.stdout() + local.stderr()).doesNotContain("local mirror");
    }
}
