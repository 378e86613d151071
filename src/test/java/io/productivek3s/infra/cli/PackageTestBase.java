package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import io.productivek3s.infra.testing.ProfileFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Common setup for black-box package tests: a private home, fake tools on PATH, a fixture package, a state dir. */
abstract class PackageTestBase {
    private static final Pattern KEY_ID = Pattern.compile("key id ([0-9a-f]{16})");
    /**
     * Writes 200 small files whose content changes with FIXTURE_TAG (and an SSH key that never changes), so every
     * persist leaves garbage for the history limit to collect.
     */
    static final String MANY_FILES_INSTALLER = """
            #!/usr/bin/env bash
            set -eu
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/${FIXTURE_SCENARIO_PATH}"
            mkdir -p "$scenario/generated/ssh" "$scenario/generated/many" "$scenario/opentofu"
            printf '{"cluster_name":"fixture","ssh":{"user":"ubuntu","port":"2222"}}' > "$scenario/generated/cluster.json"
            printf 'key' > "$scenario/generated/ssh/id_ed25519"
            printf '{"serial": "%s"}' "${FIXTURE_TAG:-0}" > "$scenario/opentofu/terraform.tfstate"
            for i in $(seq 1 200); do printf 'file %s of %s' "$i" "${FIXTURE_TAG:-0}" > "$scenario/generated/many/$i"; done
            echo "fixture installer ran"
            """;

    @TempDir
    Path home;

    FakeTools tools;
    ProfileFixture fixture;
    Path stateDir;
    Path records;
    Engine engine;

    @BeforeEach
    void setUpBase() throws IOException {
        tools = new FakeTools(home.resolve("fakes")).add("make").add("tofu").add("ssh");
        fixture = new ProfileFixture(home.resolve("src/fixture"));
        stateDir = home.resolve("state");
        records = Files.createDirectories(home.resolve("installer-records"));
        engine = Engine.fromRepo(home)
                .prependPath(tools.bin())
                .env("PK3S_PROFILE_STATE_DIR", stateDir.toString())
                .env("FIXTURE_RECORD_DIR", records.toString())
                .cwd(Files.createDirectories(home.resolve("work")));
    }

    /**
     * Makes the fixture a data-driven scenario (type custom, {@code scenarios/edge/custom}) whose status runs
     * {@code make check} and whose destroy target removes state; {@code installer} (null: the fixture's own) becomes
     * its {@code scripts/install.sh}. The installer finds the scenario through FIXTURE_SCENARIO_PATH.
     */
    static void useCustomScenario(ProfileFixture fixture, Engine engine, String installer) throws IOException {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: custom"))
                .env(ProfileFixture.DEFAULT_ENV + "PK3S_INFRA_CATEGORY=edge\nPK3S_INFRA_SCENARIO_PATH=scenarios/edge/custom\n"
                        + "PK3S_INFRA_STATUS_TARGET=check\nPK3S_INFRA_DESTROY_TARGET=teardown\n")
                .file("scenarios/edge/custom/Makefile", "up:\n\t@echo up\n", false);
        if (installer != null) {
            fixture.file("scripts/install.sh", installer, true);
        }
        engine.env("FIXTURE_SCENARIO_PATH", "scenarios/edge/custom");
    }

    /**
     * The start of the journal tests (CommitJournalIT, PostgresCommitJournalIT, on whatever backend the engine is
     * set to): the custom scenario with StateCrashIT's installer at FIXTURE_TAG {@code A}, installed twice from
     * {@code work/fixture.tgz} with {@code work/site.env}: as the package's own name and as {@code --name other}.
     */
    void installTwoClusters(String other) throws IOException {
        useCustomScenario(fixture, engine, StateCrashIT.INSTALLER);
        engine.env("FIXTURE_TAG", "A").env("TELEMETRY_ENABLED", "false");
        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        ok(engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        ok(engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env", "--name", other));
    }

    /** How {@link #installsRacingPulls} went: every pull that failed (each result in full), of how many. */
    record PullRace(int pulls, List<String> failures) {
    }

    /**
     * Runs {@code install} {@code times} times (FIXTURE_TAG {@code run-0}, {@code run-1}, …; each must succeed) while
     * {@code state pull <name>} runs back to back for as long as each install runs, so pulls overlap its prune and
     * collection (with MANY_FILES_INSTALLER and a history limit of 1, every install collects). The caller asserts
     * that no pull failed, on its backend.
     */
    PullRace installsRacingPulls(String[] install, String name, int times) throws Exception {
        List<String> failures = new ArrayList<>();
        int pulls = 0;
        for (int i = 0; i < times; i++) {
            engine.env("FIXTURE_TAG", "run-" + i);
            CompletableFuture<Engine.Result> persist = CompletableFuture.supplyAsync(() -> engine.run(install));
            do {
                Engine.Result pull = engine.run("state", "pull", name, "--output", "pull-" + i + "-" + pulls);
                pulls++;
                if (pull.exitCode() != 0) {
                    failures.add(pull.toString());
                }
            } while (!persist.isDone());
            ok(persist.get(120, TimeUnit.SECONDS));
        }
        return new PullRace(pulls, failures);
    }

    /** {@code result}, once it exited 0 (else the failure shows the whole result). */
    static Engine.Result ok(Engine.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }

    Path pack() throws IOException {
        return fixture.tgz(home.resolve("work/fixture.tgz"));
    }

    Path overrideFile(String content) throws IOException {
        Path file = home.resolve("work/site.env");
        Files.writeString(file, content);
        return file;
    }

    /**
     * The default installer, but the state it leaves holds {@code token} (from its environment) in a generated file
     * and {@code password} in its tfstate: secrets that encrypted state must never store in clear.
     */
    void plantSecrets(String token, String password) throws IOException {
        fixture.file("scripts/install.sh", ProfileFixture.DEFAULT_INSTALLER.replace(
                "printf '{\"serial\": 1}' > \"$scenario/opentofu/terraform.tfstate\"",
                "printf '{\"serial\": 1, \"resources\": [{\"password\": \"%s\"}]}' \"$FIXTURE_TFSTATE_PASSWORD\" > "
                        + "\"$scenario/opentofu/terraform.tfstate\"; printf 'token: %s\\n' \"$FIXTURE_JOIN_TOKEN\" > "
                        + "\"$scenario/generated/join-token\""), true);
        engine.env("FIXTURE_JOIN_TOKEN", token).env("FIXTURE_TFSTATE_PASSWORD", password);
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
    }

    /** Writes a new state key to {@code file} with {@code state keygen}; returns the key id it announces. */
    String newStateKey(String file) {
        Engine.Result made = engine.run("state", "keygen", "--output", file);
        assertThat(made.exitCode()).as(made.toString()).isZero();
        Matcher matcher = KEY_ID.matcher(made.stdout());
        assertThat(matcher.find()).as(made.stdout()).isTrue();
        return matcher.group(1);
    }

    /** The environment the fixture installer or a fake tool recorded in {@code file} of the records directory. */
    Map<String, String> recordedEnv(String file) throws IOException {
        return FakeTools.environment(records.resolve(file));
    }

    /** The engine's temp area must be empty after every run (D13). */
    void assertNoTempLeft() throws IOException {
        try (Stream<Path> entries = Files.list(home.resolve("tmp"))) {
            assertThat(entries.filter(p -> p.getFileName().toString().startsWith("pk3s-infra-")).toList()).isEmpty();
        }
    }

    static void assertError(Engine.Result result, int code, String message) {
        InfoCommandsIT.assertError(result, code, message);
    }
}
