package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Legacy scenario aliases through the real launcher (docs/contract/source.md#legacy-scenario-aliases, docs/telemetry.md#who-decides, docs/contract/output.md#operation-events). */
class LegacyAliasesIT extends SourceTestBase {
    private static final Map<String, String> ALIASES = Map.of(
            "multipass", "scenarios/local/multipass",
            "onprem", "scenarios/edge/onprem-basic",
            "onprem-basic", "scenarios/edge/onprem-basic",
            "on-prem", "scenarios/edge/onprem-basic",
            "onprem-arm", "scenarios/edge/onprem-basic-arm",
            "onprem-basic-arm", "scenarios/edge/onprem-basic-arm",
            "on-prem-arm", "scenarios/edge/onprem-basic-arm",
            "aws-single-node", "scenarios/cloud/aws-single-node");

    @Test
    void everyAliasRunsMakeUpInItsScenarioByDefault() throws Exception {
        List<String> aliases = ALIASES.keySet().stream().sorted().toList();
        for (String alias : aliases) {
            Engine.Result result = engine.run(alias);
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stdout()).isEmpty();
        }
        List<FakeTools.Call> calls = tools.calls("make");
        for (int i = 0; i < aliases.size(); i++) {
            assertThat(calls.get(i).args()).containsExactly("-C", checkout.path(ALIASES.get(aliases.get(i))).toString(), "up");
            assertThat(calls.get(i).cwd()).isEqualTo(work.toString());
            // no profile is read and no env-file variable is set: the scenario uses its own default
            assertThat(calls.get(i).env()).doesNotContainKeys("ONPREM_ENV_FILE", "AWS_ENV_FILE", "PK3S_INFRA_PROFILE_NAME");
        }
    }

    @Test
    void targetAndMakeArgumentsAreForwardedVerbatim() throws Exception {
        Engine.Result result = engine.run("onprem", "status", "--foo", "--debug", "TELEMETRY_ENABLED=false", "X=a b");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(tools.calls("make").get(0).args()).containsExactly("-C", checkout.path("scenarios/edge/onprem-basic").toString(),
                "status", "--foo", "TELEMETRY_ENABLED=false", "X=a b");
        assertThat(result.stderr()).contains("[pk3s-infra] DEBUG COMMAND=onprem");
    }

    @Test
    void onlyTheSourceMakeVariableSelectsMake() throws Exception {
        tools.add("gmake");
        Engine.Result result = engine.env("PRODUCTIVE_K3S_INFRA_MAKE_BIN", "gmake").env("PK3S_PROFILE_MAKE_BIN", "/nonexistent/make")
                .run("aws-single-node", "plan");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(tools.calls("gmake")).singleElement().satisfies(call -> assertThat(call.args()).endsWith("plan"));
        assertThat(tools.calls("make")).isEmpty();
        assertError(engine.env("PRODUCTIVE_K3S_INFRA_MAKE_BIN", "no-make-here").run("multipass"), 5, "missing dependency: no-make-here");
    }

    @Test
    void upDestroyDownAndTheDefaultTargetEmitTelemetry() throws Exception {
        engine.run("multipass");
        engine.run("multipass", "up");
        engine.run("multipass", "destroy");
        engine.run("multipass", "down");
        engine.run("multipass", "status");
        Engine.Result dry = engine.run("multipass", "up", "--dry-run");
        assertThat(dry.stdout()).contains("INFO  Dry-run requested; running make -n for target: up");
        List<FakeTools.Call> calls = tools.calls("make");
        assertThat(calls).hasSize(6);
        assertThat(calls.get(5).args()).startsWith("-n", "-C").contains("up");
        for (FakeTools.Call call : calls.subList(0, 4)) {
            assertThat(call.env().get("TELEMETRY_SESSION_ID")).matches("[0-9a-f]{16}");
            assertThat(call.env()).containsEntry("TELEMETRY_ENABLED", "false").containsEntry("TELEMETRY_RUN_ID", "");
        }
        for (FakeTools.Call call : calls.subList(4, 6)) {
            assertThat(call.env()).doesNotContainKeys("TELEMETRY_SESSION_ID", "TELEMETRY_ENABLED").containsEntry("TELEMETRY_COMPONENT", "infra");
        }
        // the caller's explicit choice reaches make
        engine.env("TELEMETRY_ENABLED", "YES").env("TELEMETRY_ENDPOINT", "").run("onprem", "up");
        assertThat(tools.calls("make").get(6).env()).containsEntry("TELEMETRY_ENABLED", "true");
    }

    @Test
    void missingCheckoutOrScenarioStopsBeforeMake() throws Exception {
        assertError(engine.unset("PRODUCTIVE_K3S_PROFILES_REPO_DIR").run("on-prem", "up"), 3,
                "the source-based 'on-prem' surface requires PRODUCTIVE_K3S_PROFILES_REPO_DIR to point at a productive-k3s-profiles checkout");
        engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString());
        io.productivek3s.infra.util.Files2.deleteRecursively(checkout.path("scenarios/cloud/aws-single-node"));
        Engine.Result missing = engine.run("aws-single-node", "destroy");
        assertError(missing, 1, "scenario directory not found in productive-k3s-profiles checkout: " + checkout.root() + "/scenarios/cloud/aws-single-node");
        assertThat(missing.stderrLines()).hasSize(1);
        assertThat(tools.calls("make")).isEmpty();
    }

    @Test
    void makeFailureIsPropagated() throws Exception {
        Engine.Result result = engine.env("FAKE_MAKE_EXIT", "4").run("onprem-arm", "up");
        assertThat(result.exitCode()).isEqualTo(4);
        assertThat(result.stderrLines()).containsExactly("[pk3s-infra] ERROR scenario make target 'up' failed with exit code 4");
    }

    @Test
    void boundReleaseImposesCoreSettingsOnMake() throws Exception {
        Files.createDirectories(installRoot.resolve("scripts"));
        Files.writeString(installRoot.resolve("scripts/release.env"), "PK3S_INFRA_RELEASE_TAG=0.9.65-0.9.6\nPK3S_CORE_SEMVER=0.9.6\n");
        assertThat(engine.run("onprem", "status").exitCode()).isZero();
        assertThat(tools.calls("make").get(0).env()).containsEntry("PRODUCTIVE_K3S_SOURCE", "remote").containsEntry("PRODUCTIVE_K3S_VERSION", "0.9.6");
        assertError(engine.env("PRODUCTIVE_K3S_SOURCE", "local").run("onprem", "status"), 4,
                "release 0.9.65-0.9.6 requires PRODUCTIVE_K3S_SOURCE=remote; refusing requested PRODUCTIVE_K3S_SOURCE=local");
        assertThat(tools.calls("make")).hasSize(1);
    }

    @Test
    void operationEventsNameTheTarget() throws Exception {
        Engine.Result result = engine.run("--events", "ndjson", "onprem", "status");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> events = result.stdoutLines().stream().map(line -> {
            try {
                return json.readTree(line);
            } catch (Exception e) {
                throw new AssertionError(line, e);
            }
        }).toList();
        assertThat(events).extracting(e -> e.get("operation").asText()).containsOnly("scenario.status");
        assertThat(events).extracting(e -> e.get("subject").asText()).containsOnly("onprem-basic");
        assertThat(events).extracting(e -> e.get("step").asText()).containsExactly("operation.started", "profile.make.run", "operation.completed");
        Engine.Result up = engine.run("--events", "ndjson", "multipass");
        assertThat(json.readTree(up.stdoutLines().get(0)).get("operation").asText()).isEqualTo("scenario.up");
    }
}
