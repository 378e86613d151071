package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import io.productivek3s.infra.testing.ProfileFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Common setup for black-box package tests: a private home, fake tools on PATH, a fixture package, a state dir. */
abstract class PackageTestBase {
    private static final Pattern KEY_ID = Pattern.compile("key id ([0-9a-f]{16})");

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
