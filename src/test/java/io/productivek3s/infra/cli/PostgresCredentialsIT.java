package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.testing.Ancestors;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.PostgresServer;
import io.productivek3s.infra.testing.Repo;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Black-box (docs/state.md "Credentials"): the database password stays with the engine. A scenario's install script
 * that reads the environment and command line of every ancestor up to pid 1 (same user) finds it nowhere, nor in the
 * descriptor the launcher handed it over on; passwords with URL delimiters authenticate and are never printed.
 */
class PostgresCredentialsIT extends PostgresStateBaseIT {
    /** Records its own descriptors, then {@link Ancestors#WALK}; then does what the default fixture installer does. */
    private static final String SNOOPING_INSTALLER = """
            #!/usr/bin/env bash
            set -u
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/${FIXTURE_SCENARIO_PATH:-scenarios/edge/onprem-basic}"
            out="$FIXTURE_RECORD_DIR/ancestors"
            : > "$out"
            # ls, a child, lists this shell's descriptors (a glob or $(...) here would add its own)
            printf -- '-- own fds\\n' >> "$out"
            ls -l "/proc/$$/fd" >> "$out"
            printf -- '-- end of own fds\\n' >> "$out"
            """ + Ancestors.WALK + """
            mkdir -p "$scenario/generated/ssh" "$scenario/opentofu"
            printf '{"cluster_name":"fixture","ssh":{"user":"ubuntu","port":"2222"},"server_url":"https://192.0.2.1:6443"}' > "$scenario/generated/cluster.json"
            printf 'key' > "$scenario/generated/ssh/id_ed25519"
            printf '{"serial": 1}' > "$scenario/opentofu/terraform.tfstate"
            echo "fixture installer ran"
            """;

    private String withPassword(String user, String writtenPassword) {
        return "postgresql://" + user + ":" + writtenPassword + "@127.0.0.1:" + server.port() + "/" + database;
    }

    private Engine.Result install() throws Exception {
        return engine.run("--debug", "profile", "install", "--tgz", pack().toString(), "--env-file",
                overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString());
    }

    private String ancestors() throws Exception {
        return Files.readString(records.resolve("ancestors"));
    }

    private void assertStateInTheDatabase() {
        try (StateStore store = store(home.resolve("check-" + System.nanoTime()))) {
            assertThat(store.list()).extracting(ClusterInfo::name).contains(NAME);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void noAncestorOfTheScenarioHoldsThePassword() throws Exception {
        fixture.file("scripts/install.sh", SNOOPING_INSTALLER, true);
        for (boolean inUrl : new boolean[] {true, false}) {
            if (inUrl) {
                engine.unset("PGPASSWORD").env("PK3S_STATE_BACKEND", withPassword(PostgresServer.USER, PostgresServer.PASSWORD));
            } else {
                engine.env("PGPASSWORD", PostgresServer.PASSWORD).env("PK3S_STATE_BACKEND", url());
            }
            Engine.Result result = install();
            assertThat(result.exitCode()).as(result.toString()).isZero();
            String seen = ancestors();
            assertThat(seen).as("in URL: " + inUrl).doesNotContain(PostgresServer.PASSWORD).doesNotContain("PGPASSWORD=");
            // the walk really reached the engine (its command line) and went on to pid 1
            assertThat(seen).as("in URL: " + inUrl).contains("io.productivek3s.infra.Main", "== pid 1\n",
                    "-Dpk3s.credentials.fd=3", "-- engine fd 3 -> ");
            // the script inherited no descriptor but its standard ones and its own script file
            String ownFds = seen.substring(seen.indexOf("-- own fds\n"), seen.indexOf("-- end of own fds\n"));
            assertThat(ownFds.lines().filter(l -> l.contains(" -> ")).map(l -> l.replaceAll(".* ([0-9]+) -> .*", "$1")))
                    .as(ownFds).containsExactlyInAnyOrder("0", "1", "2", "255");
            assertThat(result.stdout() + result.stderr()).doesNotContain(PostgresServer.PASSWORD);
            assertStateInTheDatabase();
        }
    }

    /**
     * The release installer stays the engine's parent: it takes the password out of its own environment and hands it
     * to the launcher on descriptor 3 (PK3S_INFRA_CREDENTIALS_FD), which forwards it. Emulated by a wrapper that
     * holds the password in its text, not its environment.
     */
    @Test
    void aPasswordHandedToTheLauncherOnADescriptorIsForwarded() throws Exception {
        fixture.file("scripts/install.sh", SNOOPING_INSTALLER, true);
        Path wrapper = home.resolve("installer-like.sh");
        String entry = "PGPASSWORD=" + PostgresServer.PASSWORD.length() + ":" + PostgresServer.PASSWORD;
        Files.writeString(wrapper, "#!/usr/bin/env bash\nPK3S_INFRA_CREDENTIALS_FD=3 exec \""
                + Repo.root().resolve("productive-k3s-infra.sh") + "\" \"$@\" 3<<<'" + entry + "'\n");
        wrapper.toFile().setExecutable(true);
        Engine viaInstaller = new Engine(wrapper, home);
        engine.unset("PGPASSWORD").environment().forEach(viaInstaller::env);
        Engine.Result result = viaInstaller.run("profile", "install", "--tgz", pack().toString(), "--env-file",
                overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        String seen = ancestors();
        assertThat(seen).doesNotContain(PostgresServer.PASSWORD).doesNotContain("PK3S_INFRA_CREDENTIALS_FD")
                .contains("-Dpk3s.credentials.fd=3");
        assertStateInTheDatabase();
    }

    @Test
    void passwordsWithUrlDelimitersAuthenticateAndAreNeverPrinted() throws Exception {
        List<String> passwords = List.of("se/cret-Pw1", "p@ssw0rd@Pw2", "co:lon:Pw3", "pct%2F-Pw4 sp");
        int n = 0;
        for (String password : passwords) {
            String role = database + "_r" + (++n);
            server.admin("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "' IN ROLE " + PostgresServer.USER);
            // acts as the database's owner once logged in, so every run shares one schema
            server.admin("ALTER ROLE " + role + " SET role = '" + PostgresServer.USER + "'");
            String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20");
            // '@' and ':' may stay raw (the last '@' ends the userinfo); '/', '%' and ' ' must be escaped
            String written = password.contains("/") || password.contains("%") ? encoded : password;
            String backend = "postgresql://" + role + "@127.0.0.1:" + server.port() + "/" + database;
            engine.unset("PGPASSWORD").env("PK3S_STATE_BACKEND", withPassword(role, written));
            Engine.Result inUrl = install();
            assertThat(inUrl.exitCode()).as(password + " in the URL: " + inUrl).isZero();
            assertThat(inUrl.stderr()).as("authenticated as the role").contains("state backend " + backend + ": connected");
            assertNeverPrinted(inUrl, password);
            engine.env("PK3S_STATE_BACKEND", backend).env("PGPASSWORD", password);
            Engine.Result inEnv = install();
            assertThat(inEnv.exitCode()).as(password + " in PGPASSWORD: " + inEnv).isZero();
            assertNeverPrinted(inEnv, password);
        }
        assertStateInTheDatabase();
    }

    /**
     * The same passwords where the engine has to name the backend in an error: an unreachable server, a refused
     * login (password in the URL and in PGPASSWORD), a URL made malformed by a raw '/', and a {@code state migrate
     * --to} target; each with --debug. One ERROR line names the backend without the password.
     */
    @Test
    void passwordsWithUrlDelimitersAreNeverPrintedInErrors() throws Exception {
        int closed;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        engine.env("PK3S_STATE_CONNECT_TIMEOUT", "3");
        for (String password : List.of("se/cret-Pw1", "p@ssw0rd@Pw2", "co:lon:Pw3", "pct%2F-Pw4")) {
            String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8);
            String written = password.contains("/") || password.contains("%") ? encoded : password;

            engine.unset("PGPASSWORD").env("PK3S_STATE_BACKEND", "postgresql://bob:" + written + "@127.0.0.1:" + closed
                    + "/d");
            assertOneError(engine.run("--debug", "state", "list"), 5, password,
                    "state backend postgresql://bob@127.0.0.1:" + closed + "/d is unreachable");

            engine.env("PK3S_STATE_BACKEND", withPassword(PostgresServer.USER, written));
            assertOneError(engine.run("--debug", "state", "list"), 4, password, "authentication failed for state backend "
                    + url());
            engine.env("PK3S_STATE_BACKEND", url()).env("PGPASSWORD", password);
            assertOneError(engine.run("--debug", "state", "list"), 4, password, "authentication failed for state backend "
                    + url());

            if (password.contains("/")) {
                engine.unset("PGPASSWORD").env("PK3S_STATE_BACKEND", withPassword("bob", password));
                assertOneError(engine.run("--debug", "state", "list"), 4, password, "postgresql://bob:****@");
            }

            engine.unset("PK3S_STATE_BACKEND").unset("PGPASSWORD");
            Engine.Result migrate = engine.run("--debug", "state", "migrate", "--to", "postgresql://bob:" + written
                    + "@127.0.0.1:" + closed + "/d");
            assertOneError(migrate, 5, password, "state backend postgresql://bob@127.0.0.1:" + closed + "/d is unreachable");
            assertThat(migrate.stderr()).as(migrate.toString()).doesNotContain("PK3S_STATE_BACKEND");
        }
    }

    private static void assertOneError(Engine.Result result, int exit, String password, String part) {
        assertThat(result.exitCode()).as(password + ": " + result).isEqualTo(exit);
        assertThat(result.stderrLines()).as(password + ": " + result).filteredOn(l -> l.contains("ERROR"))
                .singleElement().asString().contains(part);
        assertThat(result.stdout() + result.stderr()).as(password).doesNotContain("\tat ");
        assertNeverPrinted(result, password);
    }

    private static void assertNeverPrinted(Engine.Result result, String password) {
        String encoded = URLEncoder.encode(password, StandardCharsets.UTF_8);
        for (String line : (result.stdout() + "\n" + result.stderr()).split("\n")) {
            assertThat(line).doesNotContain(password).doesNotContain(encoded)
                    .doesNotContain(encoded.replace("+", "%20")).doesNotContain(encoded.toLowerCase(Locale.ROOT));
        }
    }

    @Test
    void migrateToABadUrlNamesTheOption() throws Exception {
        engine.unset("PK3S_STATE_BACKEND").unset("PGPASSWORD");
        Engine.Result malformed = engine.run("state", "migrate", "--to", "postgresql://bob:se/cret-Pw9@db.example/d");
        assertThat(malformed.exitCode()).as(malformed.toString()).isEqualTo(4);
        assertThat(malformed.stderrLines()).filteredOn(l -> l.contains("ERROR")).containsExactly(
                "[pk3s-infra] ERROR --to is not a valid postgresql://user@host:port/db URL: postgresql://bob:****@db.example/d");
        assertThat(malformed.stdout() + malformed.stderr()).doesNotContain("cret-Pw9").doesNotContain("PK3S_STATE_BACKEND");

        Engine.Result other = engine.run("state", "migrate", "--to", "mysql://bob@db.example/d");
        assertThat(other.exitCode()).as(other.toString()).isEqualTo(4);
        assertThat(other.stderr()).contains("ERROR --to must be 'local' or a postgresql://").doesNotContain("PK3S_STATE_BACKEND");
    }

    @Test
    void anUnauthenticatedRemoteServerIsWarnedAboutBeforeConnecting() throws Exception {
        engine.unset("PK3S_STATE_BACKEND").env("PK3S_STATE_CONNECT_TIMEOUT", "2");
        // WARN goes to stdout, ERROR to stderr: one pipe for both shows their order
        Path merged = home.resolve("merged-launcher.sh");
        Files.writeString(merged, "#!/usr/bin/env bash\nexec \"" + Repo.root().resolve("productive-k3s-infra.sh")
                + "\" \"$@\" 2>&1\n");
        merged.toFile().setExecutable(true);
        Engine both = new Engine(merged, home);
        engine.environment().forEach(both::env);
        Engine.Result remote = both.run("state", "migrate", "--to", "postgresql://bob@pk3s-db.invalid:5432/d");
        assertThat(remote.exitCode()).as(remote.toString()).isEqualTo(5);
        List<String> lines = remote.stdoutLines();
        int warn = indexOf(lines, "WARN  state backend postgresql://bob@pk3s-db.invalid:5432/d: no sslmode");
        int error = indexOf(lines, "ERROR state backend postgresql://bob@pk3s-db.invalid:5432/d is unreachable");
        assertThat(warn).as(remote.toString()).isNotNegative().isLessThan(error);
        assertThat(lines.get(warn)).contains("sslmode=verify-full", "sslrootcert=", "password");
        assertThat(lines).filteredOn(l -> l.contains("sslmode")).hasSize(1);

        Engine.Result verified = engine.run("state", "migrate", "--to",
                "postgresql://bob@pk3s-db.invalid:5432/d?sslmode=verify-full");
        assertThat(verified.exitCode()).as(verified.toString()).isEqualTo(5);
        assertThat(verified.stdout() + verified.stderr()).as(verified.toString()).doesNotContain("WARN");

        // loopback: nothing leaves the machine, no warning
        engine.env("PK3S_STATE_BACKEND", url()).env("PGPASSWORD", PostgresServer.PASSWORD);
        Engine.Result local = engine.run("state", "list");
        assertThat(local.exitCode()).as(local.toString()).isZero();
        assertThat(local.stdout() + local.stderr()).doesNotContain("sslmode").doesNotContain("WARN");
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
