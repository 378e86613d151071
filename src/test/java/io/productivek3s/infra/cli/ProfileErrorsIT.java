package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.ProfileFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** The remaining contract messages of the package commands (docs/contract/output.md#contract-validation-binding-exit-4, docs/contract/output.md#dependencies-exit-5-and-runtime-exit-1, docs/contract/output.md#progress-lines), one scenario each. */
class ProfileErrorsIT extends PackageTestBase {
    private static final String ENV = ProfileFixture.DEFAULT_ENV;

    private Engine.Result status() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        return engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env");
    }

    @Test
    void packageWithoutProfileEnv() throws Exception {
        fixture.delete("profile.env");
        assertError(status(), 4, "profile package is missing profile.env");
        assertNoTempLeft();
    }

    @Test
    void unknownScenarioWithoutDataDrivenKeys() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: demo"));
        assertError(status(), 4, "unsupported packaged profile scenario: demo");
    }

    @Test
    void scenarioAliasesAreAcceptedInPackages() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: on-prem"));
        Engine.Result result = status();
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(tools.calls("make").get(0).args().get(1)).endsWith("/scenarios/edge/onprem-basic");
    }

    @Test
    void invalidRuntimeKey() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: custom"))
                .env(ENV + "PK3S_INFRA_CATEGORY=edge\nPK3S_INFRA_SCENARIO_PATH=scenarios/edge/../../etc\n");
        assertError(status(), 4, "invalid PK3S_INFRA_SCENARIO_PATH in profile.env: scenarios/edge/../../etc");
        fixture.env(ENV + "PK3S_INFRA_CATEGORY=edge\nPK3S_INFRA_SCENARIO_PATH=scenarios/edge/custom\nPK3S_INFRA_STATUS_TARGET=\"a;b\"\n")
                .file("scenarios/edge/custom/Makefile", "status:\n\t@true\n", false);
        assertError(status(), 4, "invalid PK3S_INFRA_STATUS_TARGET in profile.env: a;b");
    }

    @Test
    void scenarioDirectoryMissing() throws Exception {
        fixture.delete("scenarios/edge/onprem-basic/Makefile");
        Files.delete(fixture.dir().resolve("scenarios/edge/onprem-basic"));
        assertError(status(), 4, "profile package scenario directory not found: scenarios/edge/onprem-basic");
    }

    @Test
    void installScriptMissing() throws Exception {
        fixture.delete("scripts/install.sh");
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertError(engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env"), 4,
                "profile package install script not found: scripts/install.sh");
        assertThat(stateDir.resolve("fixture-profile.runtime")).doesNotExist();
    }

    @Test
    void opentofuDirectoryMissingIsARuntimeError() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: aws-single-node").replace("type: ansible", "type: opentofu"))
                .file("scenarios/cloud/aws-single-node/Makefile", "up:\n", false);
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("profile", "plan", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.stderr()).startsWith("[pk3s-infra] ERROR opentofu directory not found: /").contains("/scenarios/cloud/aws-single-node/opentofu");
    }

    @Test
    void neitherTofuNorTerraform() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: aws-single-node").replace("type: ansible", "type: opentofu"))
                .file("scenarios/cloud/aws-single-node/opentofu/main.tf", "", false);
        Files.delete(tools.bin().resolve("tofu"));
        // only the tools the launcher and the engine need: no tofu or terraform from the host
        Path bin = Files.createDirectories(home.resolve("minimal-bin"));
        for (String tool : new String[] {"bash", "env", "dirname", "readlink", "find", "mkdir", "rmdir", "cat"}) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool).toRealPath());
        }
        engine.env("PATH", tools.bin() + ":" + bin);
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertError(engine.run("profile", "plan", "--tgz", pack().toString(), "--env-file", "site.env"), 5, "missing dependency: tofu or terraform");
    }

    @Test
    void compatibilityGateBlocksInstallButOnlyWarnsForStatus() throws Exception {
        fixture.manifest(ProfileFixtureManifests.DEFAULT + "  compatibility:\n    requires:\n      infra:\n        contract: profile/v1\n"
                + "        minEngineVersion: 0.9.65\n        maxEngineVersionExclusive: 0.10.0\n      core:\n        minVersion: 0.9.6\n"
                + "        maxVersionExclusive: 0.10.0\n");
        Path tgz = pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine old = engine.env("PRODUCTIVE_K3S_INFRA_VERSION", "0.9.64-0.9.5");
        assertError(old.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env"), 4,
                "profile fixture-profile 1.0.0 is incompatible: requires Infra >=0.9.65 and <0.10.0 (running 0.9.64)");
        Engine.Result status = old.run("profile", "status", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("WARN  profile fixture-profile 1.0.0 is incompatible: requires Infra >=0.9.65 and <0.10.0 (running 0.9.64)");
        Engine.Result dev = engine.env("PRODUCTIVE_K3S_INFRA_VERSION", null).run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(dev.exitCode()).as(dev.toString()).isZero();
        assertThat(dev.stdout()).contains("WARN  engine version 'dev' cannot be checked against profile compatibility; continuing");
        Engine.Result newer = engine.env("PRODUCTIVE_K3S_INFRA_VERSION", "0.9.65-0.9.6").env("PRODUCTIVE_K3S_VERSION", "0.9.5")
                .run("profile", "plan", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertError(newer, 4, "profile fixture-profile 1.0.0 is incompatible: requires Core >=0.9.6 and <0.10.0 (bound 0.9.5)");
    }

    @Test
    void topLevelInputsAreStillEnforced() throws Exception {
        String legacy = ProfileFixtureManifests.DEFAULT.substring(0, ProfileFixtureManifests.DEFAULT.indexOf("  inputs:"))
                + "inputs:\n  - name: ONPREM_SERVER_IP\n    required: true\n    source: local-override\n";
        fixture.manifest(legacy);
        Engine.Result result = engine.run("profile", "status", "--tgz", pack().toString());
        assertError(result, 4, "required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP");
        assertThat(result.stdout()).contains("WARN  profile package declares inputs at the top level; treating them as spec.inputs");
    }

    @Test
    void unquotedMultiWordOverrideValueWarnsAndKeepsTheWholeValue() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nONPREM_AGENT_IPS=10.0.0.6 10.0.0.7\n");
        Engine.Result result = engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("WARN  site.env:2: unquoted value with spaces for ONPREM_AGENT_IPS; treating the rest of the line as the value (quote it to silence this warning)");
        assertThat(tools.calls("make").get(0).env()).containsEntry("ONPREM_AGENT_IPS", "10.0.0.6 10.0.0.7");
    }

    @Test
    void extractionLimits() throws Exception {
        Engine.Result result = engine.env("PK3S_INFRA_MAX_PACKAGE_ENTRIES", "3").run("profile", "validate", "--tgz", pack().toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.stderr()).startsWith("[pk3s-infra] ERROR profile package exceeds extraction limits: ");
    }

    @Test
    void unsafeStateDirectoryIsRefused() throws Exception {
        Files.createDirectories(stateDir);
        Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertError(status(), 4, "unsafe profile state directory: " + stateDir);
        assertThat(tools.calls("make")).isEmpty();
    }

    @Test
    void stateDirFallsBackWithAWarningWhenXdgIsUnusable() throws Exception {
        Path blocker = Files.writeString(home.resolve("xdg-file"), "x");
        engine.env("PK3S_PROFILE_STATE_DIR", null).env("XDG_CACHE_HOME", blocker.toString());
        Engine.Result result = status();
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("WARN  state directory " + blocker + "/pk3s/profiles is not writable; using "
                + home + "/.cache/pk3s/profiles (pk3s may not find this state; set PK3S_PROFILE_STATE_DIR)");
        assertThat(home.resolve(".cache/pk3s/profiles/fixture-profile.runtime/engine-state.json")).exists();
    }

    @Test
    void identityChangeIsReported() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertThat(engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env").exitCode()).isZero();
        fixture.manifest(ProfileFixtureManifests.replace("version: 1.0.0", "version: 2.0.0"));
        Engine.Result result = engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(result.stdout()).contains("WARN  profile 'fixture-profile' state was created from version 1.0.0; now running version 2.0.0");
    }

    @Test
    void invalidBoundCoreSemver() throws Exception {
        assertError(engine.env("PK3S_CORE_SEMVER", "0.9").run("profile", "validate", "--tgz", pack().toString()), 4, "invalid PK3S_CORE_SEMVER: 0.9");
    }

    @Test
    void sigtermDuringInstallPersistsStateAndExits143() throws Exception {
        fixture.file("scripts/install.sh", "#!/usr/bin/env bash\nroot=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"\n"
                + "mkdir -p \"$root/scenarios/edge/onprem-basic/generated\"\n"
                + "echo '{\"cluster_name\":\"half\"}' > \"$root/scenarios/edge/onprem-basic/generated/cluster.json\"\n"
                + "touch \"$FIXTURE_RECORD_DIR/started\"\nsleep 30\n", true);
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Process process = engine.start("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env");
        long deadline = System.currentTimeMillis() + 60_000;
        while (!Files.exists(records.resolve("started")) && System.currentTimeMillis() < deadline) {
            Thread.sleep(100);
        }
        assertThat(records.resolve("started")).exists();
        ProcessHandle engineProcess = process.toHandle().descendants().filter(h -> h.info().command().orElse("").endsWith("java")).findFirst()
                .orElse(process.toHandle());
        new ProcessBuilder("kill", "-TERM", Long.toString(engineProcess.pid())).start().waitFor();
        assertThat(process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        String stderr = new String(process.getErrorStream().readAllBytes());
        assertThat(process.exitValue()).as(stderr).isEqualTo(143);
        assertThat(stderr).contains("ERROR packaged profile installer was interrupted by signal SIGTERM");
        assertThat(Files.readString(stateDir.resolve("fixture-profile.json"))).contains("\"half\"");
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(stateDir.resolve("fixture-profile.runtime/engine-state.json").toFile())
                .get("last_action").get("result").asText()).isEqualTo("interrupted");
        assertNoTempLeft();
    }
}
