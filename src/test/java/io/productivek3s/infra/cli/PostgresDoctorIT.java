package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.PostgresServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code doctor} with the PostgreSQL backend: it connects as a run would and reads the clusters and their leases, so
 * an unreachable or refusing database fails the doctor (with the run's exit code) instead of passing it.
 */
class PostgresDoctorIT extends PostgresStateBaseIT {

    @Test
    void aReachableBackendIsReportedByNameWithoutItsPassword() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("doctor", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("OK    State backend is reachable: postgresql://" + PostgresServer.USER + "@127.0.0.1:"
                + server.port() + "/" + database + " (0 cluster(s); revisions and leases readable)");
        assertThat(result.stdout() + result.stderr()).doesNotContain(PostgresServer.PASSWORD);
    }

    @Test
    void anUnreachableBackendFailsTheDoctorWithExit5() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        engine.env("PK3S_STATE_BACKEND", "postgresql://" + PostgresServer.USER + "@127.0.0.1:" + closed + "/" + database);
        Engine.Result result = engine.run("doctor");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(5);
        assertThat(result.stderrLines()).singleElement().asString()
                .contains("state backend postgresql://" + PostgresServer.USER + "@127.0.0.1:" + closed + "/" + database + " is unreachable");
        Engine.Result json = engine.run("doctor", "--json");
        assertThat(json.exitCode()).isEqualTo(5);
        com.fasterxml.jackson.databind.JsonNode doc = io.productivek3s.infra.util.Json.parse(json.stdout());
        assertThat(doc.path("exit_code").asInt()).isEqualTo(5);
        assertThat(doc.path("checks").get(doc.path("checks").size() - 1).path("message").asText()).contains("is unreachable");
    }

    @Test
    void aRefusedLoginFailsTheDoctorWithExit4() throws IOException {
        Engine.Result result = engine.env("PGPASSWORD", "not-the-password").run("doctor");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.stderr()).contains("authentication failed for state backend").doesNotContain("not-the-password");
    }

    @Test
    void aClusterLeasedByAnotherRunFailsThePackageCheck() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertThat(engine.run("state", "list").exitCode()).isZero(); // the schema exists once a run opened the backend
        try (var c = server.connect(database)) {
            c.createStatement().execute("INSERT INTO pk3s_leases (name, token, holder_user, holder_host, holder_pid, command,"
                    + " started_at, expires_at) VALUES ('" + NAME + "', 'tok', 'alice', 'ws-a', 4242, 'profile install',"
                    + " clock_timestamp(), clock_timestamp() + interval '1 hour')");
        }
        Engine.Result result = engine.run("doctor", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.stderr()).contains("profile state for '" + NAME + "' is locked by another run: postgresql://",
                "held by alice@ws-a pid 4242 (profile install)");
    }
}
