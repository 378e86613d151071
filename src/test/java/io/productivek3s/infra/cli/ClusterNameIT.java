package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.util.Digests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --name} through the real launcher (#9): one package, two sites kept apart; the one identity WARN when a run
 * mixes them; status/plan/destroy finding the recorded package without {@code --tgz}; argument errors.
 */
class ClusterNameIT extends PackageTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path siteA;
    private Path siteB;

    @BeforeEach
    void sites() throws Exception {
        siteA = Files.writeString(home.resolve("work/site-a.env"), "ONPREM_SERVER_IP=10.0.0.1\n");
        siteB = Files.writeString(home.resolve("work/site-b.env"), "ONPREM_SERVER_IP=10.0.0.2\n");
        pack();
    }

    private Engine.Result install(String name, String envFile, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("profile", "install", "--tgz", "fixture.tgz", "--env-file", envFile));
        if (name != null) {
            args.addAll(List.of("--name", name));
        }
        args.addAll(List.of(extra));
        return engine.run(args.toArray(String[]::new));
    }

    private static List<String> warnings(Engine.Result result) {
        return result.stdoutLines().stream().filter(line -> line.contains(" WARN ")).toList();
    }

    @Test
    void twoSitesOfOnePackageKeepTwoStates() throws Exception {
        Engine.Result a = install("siteA", "site-a.env");
        assertThat(a.exitCode()).as(a.toString()).isZero();
        assertThat(a.stdout()).contains("[pk3s-infra] INFO  Using state 'siteA' for profile 'fixture-profile'",
                "Persisted profile state: " + stateDir.resolve("siteA.json"));
        Engine.Result b = install("siteB", "site-b.env", "--json");
        assertThat(b.exitCode()).as(b.toString()).isZero();
        JsonNode doc = JSON.readTree(b.stdout());
        assertThat(doc.get("state").get("name").asText()).isEqualTo("siteB");
        assertThat(doc.get("state").get("file").asText()).isEqualTo(stateDir.resolve("siteB.json").toString());
        assertThat(doc.get("profile").get("name").asText()).isEqualTo("fixture-profile");

        assertThat(stateDir.resolve("siteA.json")).exists();
        assertThat(stateDir.resolve("siteB.json")).exists();
        assertThat(stateDir.resolve("fixture-profile.json")).doesNotExist();
        assertThat(warnings(a)).isEmpty();
        assertThat(b.stderr()).doesNotContain("WARN");

        JsonNode metaA = JSON.readTree(stateDir.resolve("siteA.runtime/engine-state.json").toFile());
        assertThat(metaA.get("override").get("path").asText()).isEqualTo(siteA.toString());
        assertThat(metaA.get("override").get("sha256").asText()).isEqualTo(Digests.sha256(siteA));
        assertThat(metaA.get("package").get("path").asText()).isEqualTo(home.resolve("work/fixture.tgz").toString());
        assertThat(metaA.get("profile").get("name").asText()).isEqualTo("fixture-profile");

        // each site's status restores its own state and sees its own override file: no WARN
        Engine.Result statusB = engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site-b.env", "--name", "siteB");
        assertThat(statusB.exitCode()).as(statusB.toString()).isZero();
        assertThat(warnings(statusB)).isEmpty();
        // without --name the package's own name keys the state, as before #9
        Engine.Result plain = install(null, "site-a.env");
        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        assertThat(plain.stdout()).doesNotContain("Using state");
        assertThat(stateDir.resolve("fixture-profile.json")).exists();
        assertNoTempLeft();
    }

    @Test
    void mixingSitesPrintsOneWarnNamingBothOverrideFiles() throws Exception {
        assertThat(install("demo", "site-a.env").exitCode()).isZero();
        Engine.Result mixed = install("demo", "site-b.env");
        assertThat(mixed.exitCode()).as(mixed.toString()).isZero();
        assertThat(warnings(mixed)).containsExactly("[pk3s-infra] WARN  state 'demo' was last written from override file "
                + siteA + " (sha256 " + Digests.sha256(siteA) + "); this run uses " + siteB + " (sha256 " + Digests.sha256(siteB)
                + "); use --name <cluster> to keep clusters apart");

        // the same content under another path is the same site: no WARN
        Path copy = Files.copy(siteB, home.resolve("work/site-b-copy.env"));
        assertThat(warnings(install("demo", copy.toString()))).isEmpty();

        // package and override both differ: still one line, naming both
        fixture.manifest(ProfileFixtureManifests.replace("version: 1.0.0", "version: 2.0.0"));
        pack();
        Engine.Result both = install("demo", "site-a.env");
        assertThat(both.exitCode()).as(both.toString()).isZero();
        assertThat(warnings(both)).hasSize(1);
        assertThat(warnings(both).get(0)).startsWith("[pk3s-infra] WARN  profile 'fixture-profile' state was created from "
                + "version 1.0.0; now running version 2.0.0; it was last written from override file " + copy)
                .endsWith("this run uses " + siteA + " (sha256 " + Digests.sha256(siteA) + "); use --name <cluster> to keep clusters apart");

    }

    /** A data-driven scenario with a destroy target (onprem-basic has none). */
    private void useDestroyableScenario() throws java.io.IOException {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: custom"))
                .env(io.productivek3s.infra.testing.ProfileFixture.DEFAULT_ENV + "PK3S_INFRA_CATEGORY=edge\n"
                        + "PK3S_INFRA_SCENARIO_PATH=scenarios/edge/custom\nPK3S_INFRA_STATUS_TARGET=check\n"
                        + "PK3S_INFRA_DESTROY_TARGET=teardown\nPK3S_INFRA_ENV_FILE_VARIABLE=CUSTOM_ENV_FILE\n")
                .file("scenarios/edge/custom/Makefile", "up:\n\t@echo up\n", false);
        engine.env("FIXTURE_SCENARIO_PATH", "scenarios/edge/custom");
    }

    @Test
    void statusAndDestroyFindTheRecordedPackageWithoutTgz() throws Exception {
        useDestroyableScenario();
        pack();
        assertThat(install("siteA", "site-a.env").exitCode()).isZero();
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Engine.Result status = engine.cwd(elsewhere).run("profile", "status", "--name", "siteA", "--env-file", siteA.toString());
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("[pk3s-infra] INFO  Using the package recorded for 'siteA': "
                + home.resolve("work/fixture.tgz"));
        assertThat(tools.calls("make")).isNotEmpty();

        Engine.Result destroy = engine.run("profile", "destroy", "--name", "siteA", "--env-file", siteA.toString(), "--json");
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        assertThat(JSON.readTree(destroy.stdout()).get("state").get("change").asText()).isEqualTo("removed");
        assertThat(stateDir.resolve("siteA.json")).doesNotExist();
        assertError(engine.run("profile", "status", "--name", "siteA"), 3,
                "the 'profile status' command requires --tgz <file>: no state named 'siteA' records a package");
    }

    /** status/plan/destroy of a cluster reuse the override file it was installed with, while that file is unchanged. */
    @Test
    void statusAndDestroyReuseTheRecordedOverrideFile() throws Exception {
        useDestroyableScenario();
        Path tgz = pack();
        assertThat(install("siteA", "site-a.env").exitCode()).isZero();
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Engine.Result status = engine.cwd(elsewhere).run("profile", "status", "--name", "siteA", "--tgz", tgz.toString());
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("[pk3s-infra] INFO  Using the override env file recorded for 'siteA': " + siteA)
                .doesNotContain("WARN");
        assertThat(tools.calls("make")).last().satisfies(call ->
                assertThat(call.env()).containsEntry("ONPREM_SERVER_IP", "10.0.0.1"));
        Engine.Result plan = engine.run("profile", "plan", "--name", "siteA");
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.stdout()).contains("Using the override env file recorded for 'siteA'", "Using the package recorded for 'siteA'");

        // changed since: never guessed at; the contract's error names the recorded file
        Files.writeString(siteA, "ONPREM_SERVER_IP=10.0.0.9\n");
        assertError(engine.run("profile", "destroy", "--name", "siteA", "--tgz", tgz.toString()), 4,
                "required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP (cluster 'siteA' "
                        + "was installed with " + siteA + ", which is gone or changed)");
        assertThat(stateDir.resolve("siteA.json")).exists();
        Files.delete(siteA);
        assertThat(engine.run("profile", "status", "--name", "siteA", "--tgz", tgz.toString()).stderr())
                .contains("was installed with " + siteA + ", which is gone or changed");
        // install never reuses it
        assertError(engine.run("profile", "install", "--name", "siteA", "--tgz", tgz.toString()), 4,
                "required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP");
        // an explicit file always wins, with no INFO
        Engine.Result destroy = engine.run("profile", "destroy", "--name", "siteA", "--tgz", tgz.toString(), "--env-file", siteB.toString());
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        assertThat(destroy.stdout()).doesNotContain("Using the override env file recorded");
    }

    /** A cluster name belongs to the package that wrote its state: another package is refused unless --replace. */
    @Test
    void anotherPackageCannotTakeOverAClusterNameWithoutReplace() throws Exception {
        assertThat(install("siteB", "site-b.env").exitCode()).isZero();
        String before = Files.readString(stateDir.resolve("siteB.runtime/engine-state.json"));
        fixture.manifest(ProfileFixtureManifests.replace("name: fixture-profile", "name: other-profile"));
        Path other = fixture.tgz(home.resolve("work/other.tgz"));
        for (String command : List.of("install", "apply", "status", "plan")) {
            Engine.Result refused = engine.run("profile", command, "--tgz", other.toString(), "--env-file", "site-b.env",
                    "--name", "siteB");
            String expected = "cluster 'siteB' holds the state of profile 'fixture-profile' 1.0.0; this package is "
                    + "'other-profile' 1.0.0: use another --name"
                    + (command.equals("install") || command.equals("apply") ? ", or --replace to let 'other-profile' take it over" : "");
            assertError(refused, 4, expected);
        }
        assertThat(tools.calls("make")).isEmpty();
        assertThat(Files.readString(stateDir.resolve("siteB.runtime/engine-state.json"))).isEqualTo(before);
        assertThat(engine.run("state", "history", "siteB").stdoutLines()).hasSize(2);

        Engine.Result replaced = engine.run("profile", "install", "--tgz", other.toString(), "--env-file", "site-b.env",
                "--name", "siteB", "--replace");
        assertThat(replaced.exitCode()).as(replaced.toString()).isZero();
        assertThat(replaced.stdout()).contains("WARN  cluster 'siteB' holds the state of profile 'fixture-profile' 1.0.0; this "
                + "package is 'other-profile' 1.0.0; --replace: 'other-profile' takes it over");
        Engine.Result history = engine.run("state", "history", "siteB");
        assertThat(history.stdoutLines().get(0)).contains("PROFILE");
        assertThat(history.stdoutLines().get(1)).contains("fixture-profile 1.0.0");
        assertThat(history.stdoutLines().get(2)).contains("other-profile 1.0.0");
        assertThat(engine.run("state", "show", "siteB").stdout()).contains("(profile install of other-profile 1.0.0)");
        // now it is other-profile's: the first package is the one refused
        assertThat(engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site-b.env", "--name", "siteB")
                .exitCode()).isEqualTo(4);
    }

    @Test
    void aDownloadedPackageIsFoundAgainInTheDownloadCache() throws Exception {
        byte[] tgz = Files.readAllBytes(home.resolve("work/fixture.tgz"));
        String url;
        try (io.productivek3s.infra.testing.TestHttpServer server = new io.productivek3s.infra.testing.TestHttpServer()) {
            server.route("/fixture.tgz", io.productivek3s.infra.testing.TestHttpServer.Response.ok(tgz));
            url = server.url("/fixture.tgz") + "#sha256=" + Digests.sha256(tgz);
            Engine.Result install = engine.run("profile", "install", "--tgz", url, "--env-file", "site-a.env", "--name", "siteC");
            assertThat(install.exitCode()).as(install.toString()).isZero();
        }
        JsonNode pkg = JSON.readTree(stateDir.resolve("siteC.runtime/engine-state.json").toFile()).get("package");
        assertThat(pkg.get("ref").asText()).isEqualTo(url);
        Path cached = Path.of(pkg.get("path").asText());
        assertThat(cached).startsWith(home).exists();
        // the server is gone: the cache's verified copy is what the state recorded
        Engine.Result status = engine.run("profile", "status", "--name", "siteC", "--env-file", "site-a.env");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("[pk3s-infra] INFO  Using the package recorded for 'siteC': " + cached);
    }

    @Test
    void aChangedOrMissingRecordedPackageIsTheContractErrorSayingWhy() throws Exception {
        assertThat(install("siteA", "site-a.env").exitCode()).isZero();
        Path tgz = home.resolve("work/fixture.tgz");
        fixture.manifest(ProfileFixtureManifests.replace("version: 1.0.0", "version: 1.0.1"));
        pack();
        assertError(engine.run("profile", "plan", "--name", "siteA", "--env-file", "site-a.env"), 3,
                "the 'profile plan' command requires --tgz <file>: the package recorded for 'siteA' (" + tgz + ") is gone or changed");
        Files.delete(tgz);
        assertError(engine.run("profile", "destroy", "--name", "siteA", "--env-file", "site-a.env"), 3,
                "the 'profile destroy' command requires --tgz <file>: the package recorded for 'siteA' (" + tgz + ") is gone or changed");
        assertThat(stateDir.resolve("siteA.json")).exists();
        // install never guesses, and without --name the contract's message is unchanged
        assertError(engine.run("profile", "install", "--name", "siteA", "--env-file", "site-a.env"), 3,
                "the 'profile install' command requires --tgz <file>");
        assertThat(engine.run("profile", "status").stderrLines())
                .containsExactly("[pk3s-infra] ERROR the 'profile status' command requires --tgz <file>");
        assertThat(tools.calls("make")).isEmpty();
    }

    @Test
    void invalidNamesAndLockTimeoutsStopBeforeAnythingRuns() throws Exception {
        for (String bad : List.of("../x", "-x", "a b", "x".repeat(129))) {
            Engine.Result result = install(bad, "site-a.env");
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
            assertThat(result.stderrLines()).as(bad).hasSize(1);
            assertThat(result.stderrLines().get(0)).startsWith("[pk3s-infra] ERROR invalid --name '")
                    .endsWith("': a cluster name is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        for (String bad : List.of("5x", "-1", "1.5s", "soon")) {
            Engine.Result result = install("siteA", "site-a.env", "--lock-timeout", bad);
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
            assertThat(result.stderrLines()).containsExactly("[pk3s-infra] ERROR invalid --lock-timeout '" + bad
                    + "': use a duration such as 500ms, 30s, 5m, 1h or plain seconds");
        }
        assertThat(Files.exists(records.resolve("installer.env"))).isFalse();
        assertThat(Files.exists(stateDir)).isFalse();
        // doctor probes the lock of the cluster --name names
        Engine.Result doctor = engine.run("doctor", "--tgz", "fixture.tgz", "--env-file", "site-a.env", "--name", "siteA");
        assertThat(doctor.exitCode()).as(doctor.toString()).isZero();
        assertThat(doctor.stdout()).contains("Profile state for 'siteA' is not locked by another run");
        assertThat(engine.run("doctor", "--tgz", "fixture.tgz", "--name", "a/b").exitCode()).isEqualTo(4);
        assertThat(install("siteA", "site-a.env", "--lock-timeout", "2s").exitCode()).isZero();
    }

    @Test
    void helpOfEveryStateCommandExitsZero() {
        for (String command : List.of("state list", "state show", "state history", "state pull", "state rollback",
                "state push", "state unlock", "state migrate", "state rekey", "profile list")) {
            String[] words = (command + " --help").split(" ");
            Engine.Result result = engine.run(words);
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stdout()).startsWith("Usage:\n  ./productive-k3s-infra.sh " + command);
        }
        Engine.Result install = engine.run("help", "profile", "install");
        assertThat(install.stdout()).contains("  --name <name>\n", "  --lock-timeout <duration>\n");
        // release bundles offer them too
        Engine.Result packageOnly = engine.env("PK3S_INFRA_RUNTIME_SURFACE", "package-only").run("help");
        assertThat(packageOnly.stdout()).contains("  state list [--json]\n",
                "  state migrate --to <backend>|--encrypt|--decrypt\n", "  state rekey <name>|--all\n",
                "  profile list [--json]\n");
        assertThat(engine.run("state", "unlock", "--help").exitCode()).isZero();
    }
}
