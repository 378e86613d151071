package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** install / apply / status / plan / destroy of packaged profiles through the real launcher (docs/contract/env-files.md#required-inputs to docs/contract/state-files.md). */
class ProfileLifecycleIT extends PackageTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void installRunsTheInstallerWithMergedEnvironmentAndPersistsPrivateState() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nSITE_NOTE=\"two words\"\nC=${ONPREM_SSH_USER}-derived\n");
        pack();
        Engine.Result result = engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("[pk3s-infra] INFO  Executing packaged profile installer: scripts/install.sh",
                "fixture installer ran",
                "[pk3s-infra] INFO  Persisted profile state: " + stateDir.resolve("fixture-profile.json"),
                "[pk3s-infra] INFO  Persisted profile runtime state: " + stateDir.resolve("fixture-profile.runtime"));

        Map<String, String> env = recordedEnv("installer.env");
        String root = Files.readString(records.resolve("installer.cwd")).trim();
        assertThat(env).containsEntry("ONPREM_SERVER_IP", "10.0.0.5")
                .containsEntry("ONPREM_SSH_USER", "ubuntu")
                .containsEntry("C", "ubuntu-derived")
                .containsEntry("SITE_NOTE", "two words")
                .containsEntry("ONPREM_AGENT_IPS", "192.0.2.11 192.0.2.12")
                .containsEntry("ONPREM_SSH_KEY_PATH", home + "/.ssh/id_ed25519")
                .containsEntry("REPO_ROOT", root)
                .containsEntry("PRODUCTIVE_K3S_REPO", root)
                .containsEntry("PRODUCTIVE_K3S_SOURCE", "remote")
                .containsEntry("PRODUCTIVE_K3S_VERSION", "0.9.6")
                .containsEntry("PRODUCTIVE_K3S_RELEASE_REPO", "productive-k3s/productive-k3s-core")
                .containsEntry("PK3S_INFRA_PROFILE_NAME", "fixture-profile")
                .containsEntry("ONPREM_ENV_FILE", root + "/profile.env")
                .containsEntry("TELEMETRY_RUN_ID", "")
                .containsEntry("TELEMETRY_COMPONENT", "infra")
                .containsEntry("TELEMETRY_ENABLED", "false")
                .doesNotContainKey("TELEMETRY_ENDPOINT");

        // state layout pk3s reads, private modes, ssh.key_path rewritten, other fields kept in order
        Path json = stateDir.resolve("fixture-profile.json");
        Path key = stateDir.resolve("fixture-profile.runtime/generated/ssh/id_ed25519");
        JsonNode cluster = JSON.readTree(json.toFile());
        assertThat(cluster.fieldNames()).toIterable().containsExactly("cluster_name", "ssh", "server_url");
        assertThat(cluster.get("ssh").get("key_path").asText()).isEqualTo(key.toString());
        assertThat(cluster.get("ssh").get("port").asText()).isEqualTo("2222");
        assertThat(mode(json)).isEqualTo("rw-------");
        assertThat(mode(stateDir.resolve("fixture-profile.runtime"))).isEqualTo("rwx------");
        assertThat(mode(key)).isEqualTo("rw-------");
        assertThat(stateDir.resolve("fixture-profile.runtime/opentofu/terraform.tfstate")).hasContent("{\"serial\": 1}");
        JsonNode meta = JSON.readTree(stateDir.resolve("fixture-profile.runtime/engine-state.json").toFile());
        assertThat(meta.get("last_action").get("result").asText()).isEqualTo("success");
        assertThat(meta.get("last_action").get("command").asText()).isEqualTo("install");
        assertThat(meta.get("engine").get("language").asText()).isEqualTo("java");
        assertNoTempLeft();
    }

    @Test
    void normalizedEnvFileIsMakeSafe() throws Exception {
        fixture.file("scripts/install.sh", "#!/usr/bin/env bash\ncp \"$ONPREM_ENV_FILE\" \"$FIXTURE_RECORD_DIR/normalized.env\"\n"
                + "stat -c %a \"$ONPREM_ENV_FILE\" > \"$FIXTURE_RECORD_DIR/normalized.mode\"\n", true);
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String> lines = Files.readAllLines(records.resolve("normalized.env"));
        assertThat(lines.get(0)).isEqualTo("# Generated by productive-k3s-infra: resolved, make-safe environment");
        assertThat(lines).contains("ONPREM_SSH_KEY_PATH=" + home + "/.ssh/id_ed25519", "ONPREM_SERVER_IP=10.0.0.5",
                "# ONPREM_AGENT_IPS: provided through the process environment");
        assertThat(Files.readString(records.resolve("normalized.mode")).trim()).isEqualTo("600");
    }

    @Test
    void failingInstallerPropagatesItsExitCodeAndKeepsState() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.env("FIXTURE_INSTALL_EXIT", "7").run("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(7);
        assertThat(result.stderrLines()).containsExactly("[pk3s-infra] ERROR packaged profile installer failed with exit code 7");
        assertThat(stateDir.resolve("fixture-profile.json")).exists();
        JsonNode meta = JSON.readTree(stateDir.resolve("fixture-profile.runtime/engine-state.json").toFile());
        assertThat(meta.get("last_action").get("result").asText()).isEqualTo("failed");
        assertThat(meta.get("last_action").get("exit_code").asInt()).isEqualTo(7);
        assertNoTempLeft();
    }

    @Test
    void requiredInputsAreReportedAllAtOnceBySource() throws Exception {
        Path tgz = pack();
        Engine.Result noOverride = engine.run("profile", "install", "--tgz", tgz.toString());
        assertError(noOverride, 4, "required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP");
        // the process environment never satisfies a local-override input (D25)
        assertError(engine.env("ONPREM_SERVER_IP", "1.2.3.4").run("profile", "install", "--tgz", tgz.toString()), 4,
                "required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP");
        fixture.env("ONPREM_SERVER_IP=\nONPREM_SSH_USER=\"  \"\n");
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertError(engine.unset("ONPREM_SERVER_IP").run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env"), 4,
                "required packaged profile inputs are missing from package defaults or local overrides: ONPREM_SSH_USER");
        assertThat(tools.calls("make")).isEmpty();
        assertThat(stateDir.resolve("fixture-profile.json")).doesNotExist();
        assertNoTempLeft();
    }

    @Test
    void overrideFileSelectionAndErrors() throws Exception {
        Path tgz = pack();
        assertError(engine.run("profile", "status", "--tgz", tgz.toString(), "--env-file", "nope.env"), 4, "override env file not found: nope.env");
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");
        Engine.Result viaEnv = engine.env("PK3S_PROFILE_OVERRIDE_ENV_FILE", "site.env").run("profile", "status", "--tgz", tgz.toString());
        assertThat(viaEnv.exitCode()).as(viaEnv.toString()).isZero();
        assertThat(tools.calls("make").get(0).env()).containsEntry("ONPREM_SERVER_IP", "10.0.0.9");
        Files.writeString(home.resolve("work/site.env"), "ONPREM_SERVER_IP=$(whoami)\n");
        assertError(engine.run("profile", "status", "--tgz", tgz.toString()), 4, "env file site.env:1: unsupported shell construct '$(…)'");
    }

    @Test
    void noOverrideWarningForNonLocalProfilesWithLocalOverrideInputs() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("source: local-override", "source: either"));
        Engine.Result result = engine.run("profile", "status", "--tgz", pack().toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).doesNotContain("without local overrides");
        fixture.manifest(ProfileFixtureManifests.replace("required: true\n      sensitive: false\n      source: local-override",
                "required: false\n      sensitive: false\n      source: local-override"));
        result = engine.run("profile", "status", "--tgz", pack().toString());
        assertThat(result.stdout()).contains("[pk3s-infra] WARN  Running packaged profile 'fixture-profile' without local overrides; embedded profile.env defaults will be used as-is.",
                "[pk3s-infra] WARN  For real cloud and on-prem installs, pass installation-specific values from the invoking machine with --env-file <file>.");
    }

    @Test
    void statusRunsTheScenarioTargetAndPersistsOnlyOnSuccess() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertThat(engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()).exitCode()).isZero();
        byte[] before = Files.readAllBytes(stateDir.resolve("fixture-profile.runtime/engine-state.json"));

        Engine.Result failed = engine.env("FAKE_MAKE_EXIT", "3").run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(3);
        assertThat(failed.stderrLines()).containsExactly("[pk3s-infra] ERROR scenario make target 'status' failed with exit code 3");
        assertThat(Files.readAllBytes(stateDir.resolve("fixture-profile.runtime/engine-state.json"))).isEqualTo(before);

        FakeTools.Call call = tools.calls("make").get(0);
        assertThat(call.args()).hasSize(3);
        assertThat(call.args().get(0)).isEqualTo("-C");
        assertThat(call.args().get(1)).endsWith("/scenarios/edge/onprem-basic").startsWith("/");
        assertThat(call.args().get(2)).isEqualTo("status");
        assertThat(Path.of(call.args().get(1)).getParent().getParent().getParent().toString()).isEqualTo(call.cwd());
        // restore: the scenario saw the persisted generated/ files
        assertThat(Path.of(call.args().get(1))).doesNotExist(); // temp extraction removed afterwards

        Engine.Result ok = engine.unset("FAKE_MAKE_EXIT").env("FAKE_MAKE_SCRIPT", "test -f \"$2/generated/cluster.json\" -a -f \"$2/generated/ssh/id_ed25519\" || exit 42")
                .run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(ok.exitCode()).as("status must see restored generated/ files: " + ok).isZero();
        assertThat(ok.stdout()).contains("Executing packaged profile status via scenario make target",
                "Profile state unchanged; no revision written");
    }

    @Test
    void destroyUnsupportedForOnpremIsAUsageError() throws Exception {
        assertError(engine.run("profile", "destroy", "--tgz", pack().toString()), 2,
                "unsupported packaged profile command 'destroy' for scenario 'onprem-basic'");
        assertThat(tools.calls("make")).isEmpty();
    }

    @Test
    void destroyRemovesStateOnSuccessAndKeepsItOnFailure() throws Exception {
        useDataDrivenScenario();
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertThat(engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()).exitCode()).isZero();

        Engine.Result failed = engine.env("FAKE_MAKE_EXIT", "9").run("profile", "destroy", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(9);
        assertThat(failed.stdout()).contains("[pk3s-infra] WARN  Keeping profile state after failed destroy: " + stateDir.resolve("fixture-profile.runtime"));
        assertThat(failed.stderrLines()).containsExactly("[pk3s-infra] ERROR scenario make target 'teardown' failed with exit code 9");
        assertThat(stateDir.resolve("fixture-profile.json")).exists();
        assertThat(JSON.readTree(stateDir.resolve("fixture-profile.runtime/engine-state.json").toFile()).get("last_action").get("result").asText()).isEqualTo("failed");

        Engine.Result dry = engine.unset("FAKE_MAKE_EXIT").run("profile", "destroy", "--dry-run", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.stdout()).contains("Dry-run requested; running destroy target with make -n");
        assertThat(tools.calls("make").get(1).args()).startsWith("-n", "-C");
        assertThat(stateDir.resolve("fixture-profile.json")).exists();

        Engine.Result ok = engine.run("profile", "destroy", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).contains("Executing packaged profile destroy via scenario target: teardown",
                "Removed profile state: " + stateDir.resolve("fixture-profile.json"));
        assertThat(stateDir.resolve("fixture-profile.json")).doesNotExist();
        assertThat(stateDir.resolve("fixture-profile.runtime")).doesNotExist();
    }

    @Test
    void dryRunInstallPlansAndNeverInstalls() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("profile", "apply", "--tgz", pack().toString(), "--env-file", "site.env", "--dry-run");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Dry-run requested; switching apply to plan", "Executing packaged profile plan via scenario make dry-run")
                .doesNotContain("fixture installer ran", "Persisted");
        assertThat(tools.calls("make").get(0).args()).startsWith("-n", "-C").endsWith("up");
        assertThat(records.resolve("installer.env")).doesNotExist();
        assertThat(stateDir.resolve("fixture-profile.runtime")).doesNotExist();
    }

    @Test
    void opentofuPlanSeesTheMergedEnvironmentAndStopsAfterAFailedInit() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: aws-single-node").replace("type: ansible", "type: opentofu"))
                .file("scenarios/cloud/aws-single-node/opentofu/main.tf", "# test\n", false)
                .env(ProfileFixture_ENV + "TF_VAR_region=eu-west-1\n");
        Path tgz = pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("profile", "plan", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<FakeTools.Call> calls = tools.calls("tofu");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).args()).containsExactly(calls.get(0).args().get(0), "init", "-backend=false");
        assertThat(calls.get(0).args().get(0)).startsWith("-chdir=/").endsWith("/scenarios/cloud/aws-single-node/opentofu");
        assertThat(calls.get(1).args()).endsWith("plan");
        assertThat(calls.get(1).env()).containsEntry("TF_VAR_region", "eu-west-1").containsEntry("AWS_ENV_FILE", calls.get(1).cwd() + "/profile.env");
        assertThat(result.stdout()).contains("Executing packaged profile plan through embedded OpenTofu scenario", "Running OpenTofu plan in ");

        Engine.Result initFails = engine.env("FAKE_TOFU_EXIT", "4").run("profile", "plan", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(initFails.exitCode()).isEqualTo(4);
        assertThat(initFails.stderrLines()).containsExactly("[pk3s-infra] ERROR OpenTofu init failed with exit code 4");
        assertThat(tools.calls("tofu")).hasSize(3);
        assertThat(stateDir.resolve("fixture-profile.runtime")).doesNotExist();
    }

    @Test
    void missingToolsExit5() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Path tgz = pack();
        assertError(engine.env("PK3S_PROFILE_MAKE_BIN", "no-such-make").run("profile", "status", "--tgz", tgz.toString(), "--env-file", "site.env"),
                5, "missing dependency: no-such-make");
        assertError(engine.env("PK3S_PROFILE_MAKE_BIN", null).env("PRODUCTIVE_K3S_INFRA_TOFU_BIN", "no-tofu")
                .run("profile", "plan", "--tgz", withOpentofu(), "--env-file", "site.env"), 5, "missing dependency: no-tofu");
        assertNoTempLeft();
    }

    @Test
    void releaseBindingIsEnforcedOnProfileCommands() throws Exception {
        Path root = Files.createDirectories(home.resolve("bound/scripts")).getParent();
        Files.writeString(root.resolve("scripts/release.env"), "PK3S_INFRA_RELEASE_TAG=0.9.65-0.9.6\nPK3S_CORE_SEMVER=0.9.6\nPRODUCTIVE_K3S_SOURCE=remote\n");
        fixture.env(ProfileFixture_ENV.replace("PRODUCTIVE_K3S_SOURCE=remote", "PRODUCTIVE_K3S_SOURCE=local"));
        Path tgz = pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine bound = engine.env("PRODUCTIVE_K3S_INFRA_REPO_DIR", root.toString());
        assertError(bound.env("PRODUCTIVE_K3S_VERSION", "0.9.5").run("profile", "status", "--tgz", tgz.toString(), "--env-file", "site.env"), 4,
                "release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; refusing requested PRODUCTIVE_K3S_VERSION=0.9.5");
        assertError(bound.env("PRODUCTIVE_K3S_VERSION", null).env("PRODUCTIVE_K3S_SOURCE", "local").run("profile", "validate", "--tgz", tgz.toString()), 4,
                "release 0.9.65-0.9.6 requires PRODUCTIVE_K3S_SOURCE=remote; refusing requested PRODUCTIVE_K3S_SOURCE=local");
        Engine.Result ok = bound.env("PRODUCTIVE_K3S_SOURCE", null).run("profile", "status", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).contains("[pk3s-infra] WARN  release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; ignoring PRODUCTIVE_K3S_SOURCE=local from profile.env");
        assertThat(tools.calls("make").get(0).env()).containsEntry("PRODUCTIVE_K3S_SOURCE", "remote").containsEntry("PRODUCTIVE_K3S_VERSION", "0.9.6");
    }

    @Test
    void invalidCoreSettingsAreRejectedBeforeAnythingRuns() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPRODUCTIVE_K3S_SOURCE=github\n");
        assertError(engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env"), 4,
                "PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got 'github'");
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPRODUCTIVE_K3S_VERSION=latest\n");
        assertError(engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env"), 4, "invalid PRODUCTIVE_K3S_VERSION: latest");
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPRODUCTIVE_K3S_SOURCE=local\n");
        Engine.Result local = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(local.exitCode()).isEqualTo(4);
        assertThat(local.stderr()).contains("productive-k3s-core checkout not usable for PRODUCTIVE_K3S_SOURCE=local: ");
        assertThat(tools.calls("make")).isEmpty();
    }

    @Test
    void structuralKeysAndPackageTelemetryCannotBeOverridden() throws Exception {
        useDataDrivenScenario();
        fixture.env(fixtureEnvWithRuntimeKeys() + "TELEMETRY_ENABLED=true\n");
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPK3S_INFRA_STATUS_TARGET=evil\n");
        Engine.Result result = engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("WARN  override env file cannot change PK3S_INFRA_STATUS_TARGET; using the package value",
                "WARN  ignoring TELEMETRY_ENABLED from package profile.env; telemetry consent comes from the invoking user");
        FakeTools.Call call = tools.calls("make").get(0);
        assertThat(call.args()).endsWith("check");
        assertThat(call.env()).containsEntry("PK3S_INFRA_STATUS_TARGET", "check").doesNotContainKey("TELEMETRY_ENABLED");
    }

    @Test
    void hostileNamesAndScriptsAreRefused() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("name: fixture-profile", "name: ../../victim"));
        assertError(engine.run("profile", "install", "--tgz", pack().toString()), 4, "profile package metadata.name is invalid: ../../victim");
        fixture.manifest(ProfileFixtureManifests.DEFAULT).file("scripts/install.sh", "", false).delete("scripts/install.sh");
        Files.createSymbolicLink(fixture.dir().resolve("scripts/install.sh"), Path.of("/bin/true"));
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Path archive = new io.productivek3s.infra.testing.TarBuilder().dir("./").tree(fixture.dir(), "./").write(home.resolve("work/x.tgz"));
        Engine.Result result = engine.run("profile", "install", "--tgz", archive.toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(stateDir.resolve("../victim.json").normalize()).doesNotExist();
        assertNoTempLeft();
    }

    @Test
    void aHeldStateLockRefusesASecondRun() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Files.createDirectories(stateDir);
        Path lockFile = stateDir.resolve("fixture-profile.lock");
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            assertError(engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env"), 4,
                    "profile state for 'fixture-profile' is locked by another run: " + lockFile);
        }
        assertThat(engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env").exitCode()).isZero();
    }

    @Test
    void debugMasksSecretsAndSensitiveInputs() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nSITE_TOKEN=s3cr3t-site-value\nAWS_SECRET_ACCESS_KEY=aws-secret-value\n");
        Engine.Result result = engine.env("TELEMETRY_BEARER_TOKEN", "bearer-secret-value")
                .run("--debug", "profile", "status", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stderr()).contains("DEBUG COMMAND=profile", "SITE_TOKEN=****", "AWS_SECRET_ACCESS_KEY=****")
                .doesNotContain("s3cr3t-site-value", "aws-secret-value", "bearer-secret-value");
        assertThat(result.stdout()).doesNotContain("s3cr3t-site-value");
    }

    @Test
    void ndjsonEventsOwnStdout() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("--events", "ndjson", "profile", "install", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<JsonNode> events = new java.util.ArrayList<>();
        for (String line : result.stdoutLines()) {
            events.add(JSON.readTree(line));
        }
        assertThat(events).isNotEmpty();
        assertThat(events.get(0).get("step").asText()).isEqualTo("operation.started");
        assertThat(events.get(events.size() - 1).get("step").asText()).isEqualTo("operation.completed");
        assertThat(events.get(events.size() - 1).get("status").asText()).isEqualTo("success");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.get("schema_version").asText()).isEqualTo("productive-k3s-operation-event/v1");
            assertThat(e.get("operation").asText()).isEqualTo("profile.install");
            assertThat(e.get("emitted_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        });
        assertThat(result.stderr()).contains("INFO  Executing packaged profile installer", "fixture installer ran");

        Engine.Result failed = engine.run("--events", "ndjson", "profile", "install", "--tgz", "missing.tgz");
        assertThat(failed.exitCode()).isEqualTo(3);
        List<String> lines = failed.stdoutLines();
        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines.get(1)).get("status").asText()).isEqualTo("failed");
    }

    private static final String ProfileFixture_ENV = io.productivek3s.infra.testing.ProfileFixture.DEFAULT_ENV;

    private String fixtureEnvWithRuntimeKeys() {
        return ProfileFixture_ENV + "PK3S_INFRA_CATEGORY=edge\nPK3S_INFRA_SCENARIO_PATH=scenarios/edge/custom\n"
                + "PK3S_INFRA_STATUS_TARGET=check\nPK3S_INFRA_DESTROY_TARGET=teardown\nPK3S_INFRA_ENV_FILE_VARIABLE=CUSTOM_ENV_FILE\n";
    }

    private void useDataDrivenScenario() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: custom"))
                .env(fixtureEnvWithRuntimeKeys())
                .file("scenarios/edge/custom/Makefile", "up:\n\t@echo up\n", false);
        engine.env("FIXTURE_SCENARIO_PATH", "scenarios/edge/custom");
    }

    private String withOpentofu() throws Exception {
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: aws-single-node").replace("type: ansible", "type: opentofu"))
                .file("scenarios/cloud/aws-single-node/opentofu/main.tf", "# test\n", false);
        return pack().toString();
    }

    private Map<String, String> recordedEnv(String file) throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        for (String entry : Files.readString(records.resolve(file), StandardCharsets.UTF_8).split("\0")) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return env;
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
