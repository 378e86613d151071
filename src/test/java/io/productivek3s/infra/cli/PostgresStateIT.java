package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.PostgresServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** Black-box: two workstations sharing one database, and the one-line errors of an unusable backend. */
class PostgresStateIT extends PostgresStateBaseIT {

    @Test
    void twoWorkstationsShareOneDatabase() throws Exception {
        useDestroyableScenario();
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine a = engine;
        Path homeB = home.resolve("ws-b");
        Engine b = workstation(homeB);
        Path stateB = homeB.resolve("state");

        Engine.Result install = a.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.stdout()).contains("Persisted profile state: " + stateDir.resolve(NAME + ".json"));
        assertThat(stateDir.resolve(NAME + ".json")).exists();
        assertThat(stateB.resolve(NAME + ".json")).doesNotExist();

        Engine.Result status = b.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(status.exitCode()).as(status.toString()).isZero();
        // B's mirror now holds the cluster pk3s reads, with B's own path to the SSH key.
        assertThat(stateB.resolve(NAME + ".json")).exists();
        assertThat(Files.readString(stateB.resolve(NAME + ".json")))
                .contains("https://192.0.2.1:6443")
                .contains(stateB.resolve(NAME + ".runtime/generated/ssh/id_ed25519").toString());
        assertThat(stateB.resolve(NAME + ".runtime/opentofu/terraform.tfstate")).hasContent("{\"serial\": 1}");

        assertThat(listedNames(a)).containsExactly(NAME);

        Engine.Result destroy = b.run("profile", "destroy", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        assertThat(stateB.resolve(NAME + ".json")).doesNotExist();

        assertThat(listedNames(a)).doesNotContain(NAME);
        try (StateStore listA = store(stateDir)) {
            assertThat(listA.list()).extracting(ClusterInfo::name).doesNotContain(NAME);
            assertThat(listA.history(NAME)).extracting(RevisionInfo::command, RevisionInfo::removed)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("profile install", false),
                            org.assertj.core.groups.Tuple.tuple("profile status", false),
                            org.assertj.core.groups.Tuple.tuple("profile destroy", true));
        }
        // A's next run notices the removal and clears its stale mirror.
        Engine.Result statusA = a.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(statusA.exitCode()).as(statusA.toString()).isZero();
        assertThat(records.resolve("installer.env")).exists();
    }

    /** The names {@code state list --json} prints on workstation {@code e}. */
    private static java.util.List<String> listedNames(Engine e) throws Exception {
        Engine.Result list = e.run("state", "list", "--json");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        java.util.List<String> names = new java.util.ArrayList<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(list.stdout()).get("clusters")
                .forEach(c -> names.add(c.get("name").asText()));
        return names;
    }

    @Test
    void unreachableDatabaseIsOneLineExit5AndNothingFallsBackToLocal() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String url = "postgresql://alice:Hidden-Pass-1357@127.0.0.1:" + closed + "/pk3s";
        Engine.Result result = engine.env("PK3S_STATE_BACKEND", url).run("--debug", "profile", "status", "--tgz",
                pack().toString(), "--env-file", overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(5);
        assertThat(result.stderrLines()).filteredOn(l -> l.contains("ERROR")).containsExactly(
                "[pk3s-infra] ERROR state backend postgresql://alice@127.0.0.1:" + closed
                        + "/pk3s is unreachable: Connection refused");
        assertThat(result.stdout() + result.stderr()).doesNotContain("Hidden-Pass-1357").doesNotContain("\tat ");
        assertThat(stateDir.resolve(NAME + ".json")).doesNotExist();
    }

    @Test
    void wrongPasswordIsOneLineExit4WithoutThePasswordEvenInDebug() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        String base = "postgresql://" + PostgresServer.USER + "@127.0.0.1:" + server.port() + "/" + database;
        String inUrl = "postgresql://" + PostgresServer.USER + ":Wrong-Pass-2468@127.0.0.1:" + server.port() + "/"
                + database;
        for (Engine e : new Engine[] {engine.env("PK3S_STATE_BACKEND", inUrl),
                engine.env("PK3S_STATE_BACKEND", url()).env("PGPASSWORD", "Wrong-Pass-2468")}) {
            Engine.Result result = e.run("--debug", "profile", "status", "--tgz", tgz.toString(), "--env-file",
                    site.toString());
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
            assertThat(result.stderrLines()).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
                    .startsWith("[pk3s-infra] ERROR authentication failed for state backend " + base + ": ");
            assertThat(result.stdout() + result.stderr()).doesNotContain("Wrong-Pass-2468").doesNotContain("\tat ");
        }
        // The right password in the URL works and is not printed either, even with --debug.
        String good = "postgresql://" + PostgresServer.USER + ":" + PostgresServer.PASSWORD + "@127.0.0.1:"
                + server.port() + "/" + database;
        Engine.Result ok = engine.env("PK3S_STATE_BACKEND", good).unset("PGPASSWORD")
                .run("--debug", "profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stderr()).contains("state backend " + base + ": connected");
        assertThat(ok.stdout() + ok.stderr()).doesNotContain(PostgresServer.PASSWORD);
    }

    @Test
    void malformedBackendIsExit4() throws Exception {
        Engine.Result result = engine.env("PK3S_STATE_BACKEND", "postgresql://bob:Very-Secret-99@/nodb").run("profile",
                "status", "--tgz", pack().toString(), "--env-file", overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.stderrLines()).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
                .startsWith("[pk3s-infra] ERROR PK3S_STATE_BACKEND is not a valid postgresql://user@host:port/db URL");
        assertThat(result.stdout() + result.stderr()).doesNotContain("Very-Secret-99");
    }

    @Test
    void passwordFromPgpassInHome() throws Exception {
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, "127.0.0.1:" + server.port() + ":" + database + ":" + PostgresServer.USER + ":"
                + PostgresServer.PASSWORD + "\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        Engine.Result result = engine.unset("PGPASSWORD").run("profile", "install", "--tgz", pack().toString(),
                "--env-file", overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();

        Files.delete(pgpass);
        Engine.Result without = engine.unset("PGPASSWORD").run("profile", "status", "--tgz", pack().toString(),
                "--env-file", overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString());
        assertThat(without.exitCode()).as(without.toString()).isEqualTo(4);
        assertThat(without.stderr()).contains("authentication failed for state backend");
    }

    @Test
    void theDatabasePasswordNeverReachesTheScenario() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        String withPassword = "postgresql://" + PostgresServer.USER + ":" + PostgresServer.PASSWORD + "@127.0.0.1:"
                + server.port() + "/" + database;
        Engine.Result result = engine.env("PK3S_STATE_BACKEND", withPassword)
                .run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        java.util.Map<String, String> seen = recordedEnv("installer.env");
        assertThat(seen).doesNotContainKeys("PGPASSWORD", "PK3S_STATE_BACKEND");
        assertThat(String.join("\n", seen.values())).doesNotContain(PostgresServer.PASSWORD);

        // A URL without a password names the backend only: a nested engine may use it (with its own ~/.pgpass).
        result = engine.env("PK3S_STATE_BACKEND", url())
                .run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        seen = recordedEnv("installer.env");
        assertThat(seen).doesNotContainKey("PGPASSWORD").containsEntry("PK3S_STATE_BACKEND", url());
        assertThat(String.join("\n", seen.values())).doesNotContain(PostgresServer.PASSWORD);
    }
}
