package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import io.productivek3s.infra.testing.ProfileFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** Common setup for black-box package tests: a private home, fake tools on PATH, a fixture package, a state dir. */
abstract class PackageTestBase {
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
