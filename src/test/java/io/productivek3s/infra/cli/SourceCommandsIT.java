package io.productivek3s.infra.cli;

import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.AWS;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.HETZNER;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.MULTIPASS;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.MULTIPASS_SINGLE;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.ONPREM;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.ONPREM_ARM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import io.productivek3s.infra.testing.ProfilesCheckoutFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The source surface through the real launcher (docs/contract/invocation.md#source-commands, docs/contract/source.md#list-profiles to docs/contract/source.md#source-dispatch): list-profiles, validate-profile,
 * source dispatch and {@code dev profile}, with every documented error path and the package-only refusals.
 */
class SourceCommandsIT extends SourceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEX16 = "[0-9a-f]{16}";

    // --- list-profiles (docs/contract/source.md#list-profiles) ---

    @Test
    void listProfilesPrintsRegularEnvFilesInByteOrder() throws Exception {
        checkout.write("profiles/cloud/B-upper.env", "PK3S_INFRA_PROFILE_NAME=b\n", false);
        checkout.write("profiles/README.md", "docs\n", false);
        checkout.write("profiles/edge/on-prem/basic.env.bak", "old\n", false);
        Files.createSymbolicLink(checkout.path("profiles/edge/on-prem/linked.env"), checkout.path(ONPREM));
        Files.createSymbolicLink(checkout.path("profiles/linked-dir"), checkout.path("profiles/edge"));

        Engine.Result result = engine.run("list-profiles");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).isEqualTo("""
                profiles/cloud/B-upper.env
                profiles/cloud/aws-single-node/basic.env
                profiles/cloud/hetzner-basic/basic.env
                profiles/edge/on-prem/arm.env
                profiles/edge/on-prem/basic.env
                profiles/local/multipass-single-node/basic.env
                profiles/local/multipass/1-server-2-agents.env
                """);
        assertThat(result.stderr()).isEmpty();
    }

    @Test
    void listProfilesNeedsACheckoutWithProfiles() throws Exception {
        String requires = "the source-based 'list-profiles' surface requires PRODUCTIVE_K3S_PROFILES_REPO_DIR to point at a "
                + "productive-k3s-profiles checkout";
        assertOnlyError(engine.unset("PRODUCTIVE_K3S_PROFILES_REPO_DIR").run("list-profiles"), 3, requires);
        assertOnlyError(engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", "").run("list-profiles"), 3, requires);
        Path missing = home.resolve("no-such-checkout");
        assertOnlyError(engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", missing.toString()).run("list-profiles"), 3,
                "productive-k3s-profiles checkout not found: " + missing);
        Path empty = Files.createDirectories(home.resolve("empty-checkout"));
        assertOnlyError(engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", empty.toString()).run("list-profiles"), 3,
                "profiles directory not found in productive-k3s-profiles checkout: " + empty + "/profiles");
    }

    // --- validate-profile (docs/contract/source.md#source-profile-contract) ---

    @Test
    void validateProfileAcceptsEveryUpstreamProfileWithoutACheckout() {
        engine.unset("PRODUCTIVE_K3S_PROFILES_REPO_DIR");
        String[][] cases = {
            {MULTIPASS, "multipass", "opentofu"},
            {MULTIPASS_SINGLE, "multipass", "opentofu"},
            {ONPREM, "onprem-basic", "ansible"},
            {ONPREM_ARM, "onprem-basic-arm", "ansible"},
            {AWS, "aws-single-node", "opentofu"},
            {HETZNER, "hetzner-single-node", "opentofu"},
        };
        for (String[] c : cases) {
            Engine.Result result = engine.run("validate-profile", "--profile", profile(c[0]));
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stdoutLines()).containsExactly(
                    "[pk3s-infra] INFO  Loading profile: " + profile(c[0]),
                    "[pk3s-infra] INFO  Scenario: " + c[1],
                    "[pk3s-infra] INFO  Engine: " + c[2],
                    "[pk3s-infra] OK    Profile validation passed");
        }
        // dev profile validate is validate-profile; a relative path is the caller's and is echoed as given
        Engine.Result dev = engine.run("dev", "profile", "validate", "--profile-env", "../profiles-checkout/" + ONPREM_ARM);
        assertThat(dev.exitCode()).as(dev.toString()).isZero();
        assertThat(dev.stdoutLines()).containsExactly(
                "[pk3s-infra] INFO  Loading profile: ../profiles-checkout/" + ONPREM_ARM,
                "[pk3s-infra] INFO  Scenario: onprem-basic-arm",
                "[pk3s-infra] INFO  Engine: ansible",
                "[pk3s-infra] OK    Profile validation passed");
    }

    @Test
    void validateProfileReportsEachContractViolation() throws Exception {
        assertOnlyError(engine.run("validate-profile"), 3, "the 'validate-profile' command requires --profile <file>");
        assertOnlyError(engine.run("dev", "profile", "validate"), 3, "the 'dev profile validate' command requires --profile-env <file>");
        assertOnlyError(engine.run("validate-profile", "--profile", "nope.env"), 3, "profile not found: nope.env");

        String onprem = Files.readString(checkout.path(ONPREM));
        String multipass = Files.readString(checkout.path(MULTIPASS));
        String aws = Files.readString(checkout.path(AWS));
        String hetzner = Files.readString(checkout.path(HETZNER));
        Object[][] cases = {
            {onprem.replace("PK3S_INFRA_PROFILE_NAME=on-prem-basic", ""), "profile is missing required variable: PK3S_INFRA_PROFILE_NAME"},
            {onprem.replace("PK3S_INFRA_ENGINE=ansible", "PK3S_INFRA_ENGINE=\"  \""), "profile is missing required variable: PK3S_INFRA_ENGINE"},
            {onprem.replace("PK3S_INFRA_SCENARIO=onprem-basic", "PK3S_INFRA_SCENARIO="), "profile is missing required variable: PK3S_INFRA_SCENARIO"},
            {onprem.replace("PK3S_INFRA_SCENARIO=onprem-basic", "PK3S_INFRA_SCENARIO=mars-base"), "unsupported PK3S_INFRA_SCENARIO: mars-base"},
            {onprem.replace("PK3S_INFRA_ENGINE=ansible", "PK3S_INFRA_ENGINE=pulumi"), "unsupported PK3S_INFRA_ENGINE: pulumi"},
            {multipass.replace("PK3S_INFRA_ENGINE=opentofu", "PK3S_INFRA_ENGINE=ansible"), "multipass profiles must use PK3S_INFRA_ENGINE=opentofu"},
            {onprem.replace("PK3S_INFRA_SCENARIO=onprem-basic", "PK3S_INFRA_SCENARIO=on-prem").replace("=ansible", "=opentofu"),
                "onprem-basic profiles must use PK3S_INFRA_ENGINE=ansible or shell"},
            {onprem.replace("PK3S_INFRA_SCENARIO=onprem-basic", "PK3S_INFRA_SCENARIO=onprem-arm").replace("=ansible", "=opentofu"),
                "onprem-basic-arm profiles must use PK3S_INFRA_ENGINE=ansible or shell"},
            {aws.replace("PK3S_INFRA_ENGINE=opentofu", "PK3S_INFRA_ENGINE=shell"), "aws-single-node profiles must use PK3S_INFRA_ENGINE=opentofu"},
            {multipass.replace("TF_VAR_server_disk=40G", "TF_VAR_server_disk=").replace("TF_VAR_agent_disk=30G", ""),
                "profile is missing required variable: TF_VAR_server_disk"},
            {onprem.replace("ONPREM_SSH_KEY_PATH=$HOME/.ssh/id_ed25519", ""), "profile is missing required variable: ONPREM_SSH_KEY_PATH"},
            {aws.replace("AWS_ROOT_VOLUME_SIZE_GB=80", "AWS_ROOT_VOLUME_SIZE_GB='   '"), "profile is missing required variable: AWS_ROOT_VOLUME_SIZE_GB"},
            {hetzner.replace("PK3S_INFRA_APPLY_TARGET=up", "PK3S_INFRA_APPLY_TARGET=\"up now\""), "invalid PK3S_INFRA_APPLY_TARGET in profile.env: up now"},
            {hetzner.replace("PK3S_INFRA_SCENARIO_PATH=scenarios/cloud/hetzner-single-node", "PK3S_INFRA_SCENARIO_PATH=scenarios/cloud/../../etc"),
                "invalid PK3S_INFRA_SCENARIO_PATH in profile.env: scenarios/cloud/../../etc"},
            {hetzner.replace("PK3S_INFRA_CATEGORY=cloud", ""), "invalid PK3S_INFRA_CATEGORY in profile.env: "},
            {onprem + "\nONPREM_SSH_USER=$(whoami)\n", "env file case.env:" + (onprem.split("\n", -1).length + 1) + ": unsupported shell construct '$(…)'"},
        };
        for (Object[] c : cases) {
            Files.writeString(work.resolve("case.env"), (String) c[0]);
            assertOnlyError(engine.run("validate-profile", "--profile", "case.env"), 4, (String) c[1]);
        }
    }

    @Test
    void validateProfileAcceptsAliasesAndProcessValuesForRequiredVariables() throws Exception {
        String onprem = Files.readString(checkout.path(ONPREM));
        Files.writeString(work.resolve("alias.env"), onprem.replace("ONPREM_SSH_KEY_PATH=", "ONPREM_SSH_PRIVATE_KEY_PATH="));
        assertThat(engine.run("validate-profile", "--profile", "alias.env").exitCode()).isZero();
        // the bash engine sourced the profile into its own shell, so the caller's environment counts [Compat]
        Files.writeString(work.resolve("user.env"), onprem.replace("ONPREM_SSH_USER=ubuntu", ""));
        assertOnlyError(engine.run("validate-profile", "--profile", "user.env"), 4, "profile is missing required variable: ONPREM_SSH_USER");
        assertThat(engine.env("ONPREM_SSH_USER", "admin").run("validate-profile", "--profile", "user.env").exitCode()).isZero();
    }

    @Test
    void dataDrivenProfilesRequireTheirSidecarDefaultsAndAValidSidecar() throws Exception {
        // HCLOUD_TOKEN is empty but local-override: the package install checks it, the source contract does not
        checkout.append(HETZNER, "HETZNER_LOCATION=");
        assertOnlyError(engine.run("validate-profile", "--profile", profile(HETZNER)), 4,
                "profile is missing required variable: HETZNER_LOCATION");
        checkout.write("profiles/cloud/hetzner-basic/basic.package.yaml",
                ProfilesCheckoutFixture.HETZNER_SIDECAR.replace("required: true\n    sensitive: false", "required: yes\n    sensitive: false"), false);
        assertOnlyError(engine.run("validate-profile", "--profile", profile(HETZNER)), 4,
                "profile sidecar " + profile("profiles/cloud/hetzner-basic/basic.package.yaml") + ": input 'HETZNER_LOCATION' has invalid required value: yes");
        checkout.write("profiles/cloud/hetzner-basic/basic.package.yaml", "inputs:\n  - name: A\ninputs: []\n", false);
        assertOnlyError(engine.run("validate-profile", "--profile", profile(HETZNER)), 4,
                "profile sidecar " + profile("profiles/cloud/hetzner-basic/basic.package.yaml") + " is not valid YAML: duplicate key 'inputs' at line 3, column 1");
    }

    // --- source dispatch (docs/contract/source.md#source-dispatch) ---

    @Test
    void applyRunsTheApplyTargetWithTheProfileAndAPrivateNormalizedEnvFile() throws Exception {
        engine.env("FAKE_MAKE_SCRIPT", "cp \"$ONPREM_ENV_FILE\" \"$RECORDS/normalized.env\"; stat -c %a \"$ONPREM_ENV_FILE\" > \"$RECORDS/mode\"");
        Engine.Result result = engine.run("apply", "--profile", "../profiles-checkout/" + ONPREM);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "[pk3s-infra] INFO  Loading profile: ../profiles-checkout/" + ONPREM,
                "[pk3s-infra] INFO  Scenario: onprem-basic",
                "[pk3s-infra] INFO  Engine: ansible",
                "[pk3s-infra] OK    Profile validation passed"); // docs/contract/output.md#progress-lines, docs/contract/source.md#source-dispatch: as bash prints it

        FakeTools.Call make = single("make");
        assertThat(make.args()).containsExactly("-C", checkout.path("scenarios/edge/onprem-basic").toString(), "up");
        assertThat(make.cwd()).isEqualTo(work.toString());
        Map<String, String> env = make.env();
        assertThat(env).containsEntry("ONPREM_SERVER_IP", "192.168.1.10")
                .containsEntry("ONPREM_AGENT_IPS", "192.168.1.11 192.168.1.12")
                .containsEntry("ONPREM_SSH_KEY_PATH", home + "/.ssh/id_ed25519")
                .containsEntry("PK3S_INFRA_PROFILE_NAME", "on-prem-basic")
                .containsEntry("PRODUCTIVE_K3S_SOURCE", "local")
                .containsEntry("PRODUCTIVE_K3S_RELEASE_REPO", "productive-k3s/productive-k3s-core")
                .containsEntry("TELEMETRY_ENABLED", "false")
                .containsEntry("TELEMETRY_RUN_ID", "")
                .containsEntry("TELEMETRY_COMPONENT", "infra")
                .doesNotContainKeys("REPO_ROOT", "TELEMETRY_ENDPOINT");
        // apply emits telemetry: ids are generated and the engine run is the children's parent (docs/telemetry.md#identifiers, docs/telemetry.md#children)
        assertThat(env.get("TELEMETRY_SESSION_ID")).matches(HEX16);
        assertThat(env.get("TELEMETRY_PARENT_RUN_ID")).matches(HEX16);

        Path envFile = Path.of(env.get("ONPREM_ENV_FILE"));
        assertThat(envFile).isAbsolute().hasFileName("basic.env").doesNotExist();
        assertThat(envFile.startsWith(home.resolve("tmp"))).isTrue();
        assertThat(Files.readString(records.resolve("mode")).trim()).isEqualTo("600");
        List<String> normalized = Files.readAllLines(records.resolve("normalized.env"));
        assertThat(normalized.get(0)).isEqualTo("# Generated by productive-k3s-infra: resolved, make-safe environment");
        assertThat(normalized).contains("PK3S_INFRA_PROFILE_NAME=on-prem-basic", "ONPREM_SERVER_IP=192.168.1.10",
                "ONPREM_SSH_KEY_PATH=" + home + "/.ssh/id_ed25519", "# ONPREM_AGENT_IPS: provided through the process environment");
        assertNoTempLeft();
    }

    @Test
    void validateStatusAndPlanMapToTheirTargetsWithoutTelemetry() throws Exception {
        for (String command : new String[] {"validate", "status", "plan"}) {
            Engine.Result result = engine.run(command, "--profile", profile(ONPREM));
            assertThat(result.exitCode()).as(result.toString()).isZero();
        }
        List<FakeTools.Call> calls = tools.calls("make");
        String dir = checkout.path("scenarios/edge/onprem-basic").toString();
        assertThat(calls).extracting(FakeTools.Call::args).containsExactly(
                List.of("-C", dir, "validate"), List.of("-C", dir, "status"), List.of("-n", "-C", dir, "up"));
        for (FakeTools.Call call : calls) {
            assertThat(call.env()).doesNotContainKey("TELEMETRY_SESSION_ID").containsEntry("TELEMETRY_RUN_ID", "");
            assertThat(call.env().get("ONPREM_ENV_FILE")).startsWith(home.resolve("tmp").toString());
        }
        Engine.Result plan = engine.run("plan", "--profile", profile(ONPREM));
        assertThat(plan.stdoutLines()).endsWith("[pk3s-infra] INFO  Plan mode delegates to 'make -n' for the current remote backend contract");
        assertNoTempLeft();
    }

    @Test
    void applyDryRunIsAPlanAndDestroyDryRunIsMakeN() throws Exception {
        Engine.Result apply = engine.run("apply", "--profile", profile(ONPREM), "--dry-run");
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        assertThat(apply.stdoutLines()).containsSubsequence("[pk3s-infra] INFO  Engine: ansible",
                "[pk3s-infra] INFO  Dry-run requested; switching apply to plan",
                "[pk3s-infra] INFO  Plan mode delegates to 'make -n' for the current remote backend contract");
        Engine.Result destroy = engine.run("--dry-run", "destroy", "--profile", profile(MULTIPASS));
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        assertThat(destroy.stdoutLines()).contains("[pk3s-infra] INFO  Dry-run requested; running destroy target with make -n");
        List<FakeTools.Call> calls = tools.calls("make");
        assertThat(calls.get(0).args()).containsExactly("-n", "-C", checkout.path("scenarios/edge/onprem-basic").toString(), "up");
        assertThat(calls.get(1).args()).containsExactly("-n", "-C", checkout.path("scenarios/local/multipass").toString(), "down");
        // dry-runs never emit telemetry, so no session is started for them
        assertThat(calls).allSatisfy(call -> assertThat(call.env()).doesNotContainKey("TELEMETRY_SESSION_ID"));
    }

    @Test
    void destroyRunsTheDestroyTargetOrIsRefusedBeforeAnything() throws Exception {
        Engine.Result destroy = engine.run("destroy", "--profile", profile(MULTIPASS));
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        FakeTools.Call make = single("make");
        assertThat(make.args()).containsExactly("-C", checkout.path("scenarios/local/multipass").toString(), "down");
        assertThat(make.env()).containsEntry("TF_VAR_cluster_name", "productive-k3s-mp").doesNotContainKeys("ONPREM_ENV_FILE", "AWS_ENV_FILE");
        assertThat(make.env().get("TELEMETRY_SESSION_ID")).matches(HEX16);
        // onprem has no destroy target: refused with exit 2 even before the checkout is looked at
        assertOnlyError(engine.unset("PRODUCTIVE_K3S_PROFILES_REPO_DIR").run("destroy", "--profile", profile(ONPREM_ARM)), 2,
                "unsupported command 'destroy' for scenario 'onprem-basic-arm'");
        assertThat(tools.calls("make")).hasSize(1);
    }

    @Test
    void dataDrivenProfilesUseTheirTargetsAndEnvFileVariable() throws Exception {
        Files.writeString(checkout.path(HETZNER), Files.readString(checkout.path(HETZNER))
                .replace("PK3S_INFRA_APPLY_TARGET=up", "PK3S_INFRA_APPLY_TARGET=cluster-up")
                .replace("PK3S_INFRA_STATUS_TARGET=status", "PK3S_INFRA_STATUS_TARGET=cluster-status")
                .replace("PK3S_INFRA_DESTROY_TARGET=down", "PK3S_INFRA_DESTROY_TARGET=cluster-down"));
        for (String command : new String[] {"apply", "status", "destroy"}) {
            Engine.Result result = engine.run(command, "--profile", profile(HETZNER));
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stdoutLines()).contains("[pk3s-infra] INFO  Scenario: hetzner-single-node");
        }
        String dir = checkout.path("scenarios/cloud/hetzner-single-node").toString();
        List<FakeTools.Call> calls = tools.calls("make");
        assertThat(calls).extracting(FakeTools.Call::args).containsExactly(
                List.of("-C", dir, "cluster-up"), List.of("-C", dir, "cluster-status"), List.of("-C", dir, "cluster-down"));
        assertThat(calls.get(0).env().get("HETZNER_ENV_FILE")).startsWith(home.resolve("tmp").toString()).endsWith("/basic.env");
        assertThat(calls.get(0).env()).containsEntry("HCLOUD_TOKEN", "").containsEntry("PRODUCTIVE_K3S_VERSION", "0.9.5");
        // an empty destroy target means destroy is unsupported for this profile
        checkout.append(HETZNER, "PK3S_INFRA_DESTROY_TARGET=");
        assertOnlyError(engine.run("destroy", "--profile", profile(HETZNER)), 2, "unsupported command 'destroy' for scenario 'hetzner-single-node'");
    }

    @Test
    void opentofuPlanRunsInitThenPlanWithTheProfileVisible() throws Exception {
        Engine.Result result = engine.run("plan", "--profile", profile(AWS));
        assertThat(result.exitCode()).as(result.toString()).isZero();
        Path tofuDir = checkout.path("scenarios/cloud/aws-single-node/opentofu");
        assertThat(result.stdoutLines()).endsWith("[pk3s-infra] INFO  Running OpenTofu plan in " + tofuDir);
        List<FakeTools.Call> calls = tools.calls("tofu");
        assertThat(calls).extracting(FakeTools.Call::args).containsExactly(
                List.of("-chdir=" + tofuDir, "init", "-backend=false"), List.of("-chdir=" + tofuDir, "plan"));
        assertThat(calls.get(1).env()).containsEntry("AWS_REGION", "us-east-1").containsEntry("AWS_SSH_USER", "ubuntu")
                .containsKey("AWS_ENV_FILE");
        assertThat(tools.calls("make")).isEmpty();

        Engine.Result initFails = engine.env("FAKE_TOFU_EXIT", "3").run("plan", "--profile", profile(AWS));
        assertOnlyError(initFails, 3, "OpenTofu init failed with exit code 3");
        assertThat(tools.calls("tofu")).hasSize(3);
        assertNoTempLeft();
    }

    @Test
    void planFailsClearlyWithoutOpentofuDirectoryOrBinary() throws Exception {
        Path tofuDir = checkout.path("scenarios/local/multipass/opentofu");
        assertOnlyError(engine.env("PRODUCTIVE_K3S_INFRA_TOFU_BIN", "/nonexistent/tofu").run("plan", "--profile", profile(MULTIPASS)), 5,
                "missing dependency: /nonexistent/tofu");
        io.productivek3s.infra.util.Files2.deleteRecursively(tofuDir);
        assertOnlyError(engine.unset("PRODUCTIVE_K3S_INFRA_TOFU_BIN").run("plan", "--profile", profile(MULTIPASS)), 1,
                "opentofu directory not found: " + tofuDir);
        assertThat(tools.calls("tofu")).isEmpty();
        assertNoTempLeft();
    }

    @Test
    void missingMakeIsExit5AndOnlyTheSourceMakeVariableCounts() throws Exception {
        assertOnlyError(engine.env("PRODUCTIVE_K3S_INFRA_MAKE_BIN", "no-such-make").run("status", "--profile", profile(ONPREM)), 5,
                "missing dependency: no-such-make");
        Engine.Result result = engine.unset("PRODUCTIVE_K3S_INFRA_MAKE_BIN").env("PK3S_PROFILE_MAKE_BIN", "/nonexistent/make")
                .run("status", "--profile", profile(ONPREM));
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(tools.calls("make")).hasSize(1);
    }

    @Test
    void childFailureIsPropagatedWithOneErrorLine() throws Exception {
        Engine.Result result = engine.env("FAKE_MAKE_EXIT", "7").run("apply", "--profile", profile(AWS));
        assertOnlyError(result, 7, "scenario make target 'up' failed with exit code 7");
        assertNoTempLeft();
    }

    @Test
    void missingCheckoutOrScenarioStopsBeforeAnythingRuns() throws Exception {
        String requires = " surface requires PRODUCTIVE_K3S_PROFILES_REPO_DIR to point at a productive-k3s-profiles checkout";
        for (String command : new String[] {"validate", "plan", "apply", "destroy", "status"}) {
            assertOnlyError(engine.unset("PRODUCTIVE_K3S_PROFILES_REPO_DIR").run(command, "--profile", profile(AWS)), 3,
                    "the source-based '" + command + "'" + requires);
        }
        assertOnlyError(engine.run("dev", "profile", "apply", "--profile-env", profile(AWS)), 3, "the source-based 'dev'" + requires);
        Path missing = home.resolve("gone");
        assertOnlyError(engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", missing.toString()).run("apply", "--profile", profile(AWS)), 3,
                "productive-k3s-profiles checkout not found: " + missing);
        io.productivek3s.infra.util.Files2.deleteRecursively(checkout.path("scenarios/edge/onprem-basic-arm"));
        assertOnlyError(engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root() + "/").run("apply", "--profile", profile(ONPREM_ARM)), 1,
                "scenario directory not found in productive-k3s-profiles checkout: " + checkout.root() + "/scenarios/edge/onprem-basic-arm");
        assertThat(tools.calls("make")).isEmpty();
        assertNoTempLeft();
    }

    @Test
    void everyDispatchCommandRequiresAProfile() {
        for (String command : new String[] {"validate", "plan", "apply", "destroy", "status"}) {
            assertOnlyError(engine.run(command), 3, "the '" + command + "' command requires --profile <file>");
            assertOnlyError(engine.run("dev", "profile", command), 3, "the 'dev profile " + command + "' command requires --profile-env <file>");
        }
        assertOnlyError(engine.run("apply", "--profile", "missing.env"), 3, "profile not found: missing.env");
    }

    @Test
    void devSurfaceDispatchesWithoutTelemetryAndRejectsUnknownActions() throws Exception {
        Engine.Result apply = engine.run("dev", "profile", "apply", "--profile-env", profile(ONPREM));
        assertThat(apply.exitCode()).as(apply.toString()).isZero();
        FakeTools.Call make = single("make");
        assertThat(make.args()).containsExactly("-C", checkout.path("scenarios/edge/onprem-basic").toString(), "up");
        assertThat(make.env()).doesNotContainKey("TELEMETRY_SESSION_ID");

        assertOnlyError(engine.run("dev"), 2, "unsupported dev command: ");
        assertOnlyError(engine.run("dev", "package", "apply"), 2, "unsupported dev command: package");
        assertOnlyError(engine.run("dev", "profile"), 2, "unsupported dev profile command: ");
        assertOnlyError(engine.run("dev", "profile", "install", "--profile-env", profile(ONPREM)), 2, "unsupported dev profile command: install");
        assertThat(tools.calls("make")).hasSize(1);
    }

    @Test
    void telemetryChoiceComesFromTheProcessThenTheSourceProfile() throws Exception {
        checkout.append(ONPREM, "TELEMETRY_ENABLED=yes");
        engine.run("apply", "--profile", profile(ONPREM));
        engine.env("TELEMETRY_ENABLED", "off").run("apply", "--profile", profile(ONPREM));
        engine.unset("TELEMETRY_ENABLED").env("TELEMETRY_SESSION_ID", "feedfacefeedface").env("TELEMETRY_PARENT_RUN_ID", "0123456789abcdef")
                .run("status", "--profile", profile(ONPREM));
        List<FakeTools.Call> calls = tools.calls("make");
        assertThat(calls.get(0).env()).containsEntry("TELEMETRY_ENABLED", "true");
        assertThat(calls.get(1).env()).containsEntry("TELEMETRY_ENABLED", "false");
        // a read-only command passes the caller's ids through unchanged
        assertThat(calls.get(2).env()).containsEntry("TELEMETRY_ENABLED", "true")
                .containsEntry("TELEMETRY_SESSION_ID", "feedfacefeedface").containsEntry("TELEMETRY_PARENT_RUN_ID", "0123456789abcdef");
    }

    @Test
    void boundReleaseImposesCoreSettingsOnSourceProfiles() throws Exception {
        Files.createDirectories(installRoot.resolve("scripts"));
        Files.writeString(installRoot.resolve("scripts/release.env"), "PK3S_INFRA_RELEASE_TAG=0.9.65-0.9.6\nPK3S_CORE_SEMVER=0.9.6\n");
        Engine.Result result = engine.run("status", "--profile", profile(ONPREM));
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdoutLines()).contains("[pk3s-infra] WARN  release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; ignoring "
                + "PRODUCTIVE_K3S_SOURCE=local from " + profile(ONPREM));
        assertThat(single("make").env()).containsEntry("PRODUCTIVE_K3S_SOURCE", "remote").containsEntry("PRODUCTIVE_K3S_VERSION", "0.9.6");
        assertOnlyError(engine.env("PRODUCTIVE_K3S_VERSION", "0.9.5").run("validate-profile", "--profile", profile(ONPREM)), 4,
                "release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; refusing requested PRODUCTIVE_K3S_VERSION=0.9.5");
    }

    @Test
    void invalidCoreSettingsInTheProfileStopDispatch() throws Exception {
        checkout.append(AWS, "PRODUCTIVE_K3S_SOURCE=git");
        assertOnlyError(engine.run("apply", "--profile", profile(AWS)), 4, "PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got 'git'");
        assertThat(tools.calls("make")).isEmpty();
    }

    @Test
    void operationEventsBracketSourceRuns() throws Exception {
        Engine.Result ok = engine.run("--events", "ndjson", "apply", "--profile", profile(AWS));
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        List<JsonNode> events = events(ok);
        assertThat(events).extracting(e -> e.get("step").asText())
                .containsExactly("operation.started", "profile.make.run", "operation.completed");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.get("operation").asText()).isEqualTo("source.apply");
            assertThat(e.get("subject").asText()).isEqualTo(profile(AWS));
        });
        assertThat(events.get(2).get("status").asText()).isEqualTo("success");
        assertThat(ok.stderr()).contains("[pk3s-infra] INFO  Engine: opentofu");

        Engine.Result failed = engine.env("FAKE_MAKE_EXIT", "2").run("status", "--profile", profile(AWS), "--events", "ndjson");
        List<JsonNode> failedEvents = events(failed);
        assertThat(failedEvents.get(0).get("operation").asText()).isEqualTo("source.status");
        assertThat(failedEvents.get(failedEvents.size() - 1).get("status").asText()).isEqualTo("failed");

        Engine.Result refused = engine.unset("PRODUCTIVE_K3S_PROFILES_REPO_DIR").run("plan", "--profile", profile(AWS), "--events", "ndjson");
        assertThat(events(refused)).extracting(e -> e.get("step").asText() + "/" + e.get("status").asText())
                .containsExactly("operation.started/running", "operation.completed/failed");

        Engine.Result validate = engine.run("validate-profile", "--profile", profile(AWS), "--events", "ndjson");
        assertThat(events(validate)).extracting(e -> e.get("operation").asText()).containsOnly("source.validate");
    }

    @Test
    void doctorChecksASourceProfile() throws Exception {
        Engine.Result onprem = engine.run("doctor", "--profile", profile(ONPREM));
        assertThat(onprem.exitCode()).as(onprem.toString()).isZero();
        assertThat(onprem.stdoutLines()).contains("[pk3s-infra] OK    productive-k3s-profiles checkout found: " + checkout.root(),
                "[pk3s-infra] OK    Profile file is readable: " + profile(ONPREM),
                "[pk3s-infra] OK    Profile scenario: onprem-basic",
                "[pk3s-infra] OK    Profile engine: ansible",
                "[pk3s-infra] OK    ssh is available for remote-oriented profile validation");
        Engine.Result aws = engine.run("doctor", "--profile", profile(AWS));
        assertThat(aws.stdoutLines()).contains("[pk3s-infra] OK    Profile scenario: aws-single-node",
                "[pk3s-infra] OK    OpenTofu-compatible binary is available");
        assertOnlyError(engine.run("doctor", "--profile", "nope.env"), 3, "profile not found: nope.env");
        Files.writeString(work.resolve("bad.env"), "PK3S_INFRA_PROFILE_NAME=x\nPK3S_INFRA_ENGINE=opentofu\nPK3S_INFRA_SCENARIO=nowhere\n");
        assertOnlyError(engine.run("doctor", "--profile", "bad.env"), 4, "unsupported PK3S_INFRA_SCENARIO: nowhere");
        // doctor --profile is allowed on the package-only surface too (docs/cli.md#doctor)
        Files.createDirectories(installRoot.resolve("scripts"));
        Files.writeString(installRoot.resolve("scripts/release.env"), "PK3S_INFRA_RUNTIME_SURFACE=package-only\n");
        assertThat(engine.run("doctor", "--profile", profile(ONPREM)).exitCode()).isZero();
    }

    @Test
    void packageOnlySurfaceRefusesEverySourceCommand() throws Exception {
        Files.createDirectories(installRoot.resolve("scripts"));
        Files.writeString(installRoot.resolve("scripts/release.env"), "PK3S_INFRA_RUNTIME_SURFACE=package-only\n");
        List<String[]> commands = new ArrayList<>();
        for (String command : new String[] {"list-profiles", "validate-profile", "validate", "plan", "apply", "destroy", "status"}) {
            commands.add(new String[] {command, "--profile", profile(ONPREM)});
        }
        commands.add(new String[] {"export", "--profile", profile(ONPREM), "--output", "out"});
        commands.add(new String[] {"dev", "profile", "apply", "--profile-env", profile(ONPREM)});
        for (String alias : new String[] {"multipass", "onprem", "onprem-basic", "on-prem", "onprem-arm", "onprem-basic-arm", "on-prem-arm", "aws-single-node"}) {
            commands.add(new String[] {alias, "up"});
        }
        for (String[] command : commands) {
            assertOnlyError(engine.run(command), 2, "the '" + command[0] + "' command is not available in the package-only release surface; "
                    + "use 'profile <validate|install|plan|apply|destroy|status> --tgz <file>' or a source checkout");
        }
        assertThat(tools.calls("make")).isEmpty();
        assertThat(work.resolve("out")).doesNotExist();
    }

    private FakeTools.Call single(String tool) throws Exception {
        List<FakeTools.Call> calls = tools.calls(tool);
        assertThat(calls).hasSize(1);
        return calls.get(0);
    }

    private static List<JsonNode> events(Engine.Result result) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (String line : result.stdoutLines()) {
            events.add(JSON.readTree(line));
        }
        return events;
    }
}
