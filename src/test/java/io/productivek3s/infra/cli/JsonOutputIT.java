package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.ProfilesCheckoutFixture;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code --json} on every command that prints a result (docs/cli.md): stdout is exactly one JSON document with
 * snake_case keys, logs and child output go to stderr, errors leave stdout empty with one ERROR line, and failure
 * events of {@code --events ndjson} carry the exit code.
 */
class JsonOutputIT extends PackageTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonNode document(Engine.Result result) throws IOException {
        assertThat(result.stdout()).as(result.toString()).startsWith("{\n  \"schema_version\": \"1\",\n").endsWith("}\n");
        JsonNode node = JSON.readTree(result.stdout());
        assertSnakeCase(node);
        return node;
    }

    private static void assertSnakeCase(JsonNode node) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                assertThat(field.getKey()).matches("[a-z][a-z0-9_]*");
                assertSnakeCase(field.getValue());
            }
        } else if (node.isArray()) {
            node.forEach(JsonOutputIT::assertSnakeCase);
        }
    }

    @Test
    void validateInstallStatusDestroyPrintOneDocumentEach() throws IOException {
        // a data-driven scenario with a destroy target (onprem-basic has none)
        fixture.manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: custom"))
                .env(io.productivek3s.infra.testing.ProfileFixture.DEFAULT_ENV + "PK3S_INFRA_CATEGORY=edge\n"
                        + "PK3S_INFRA_SCENARIO_PATH=scenarios/edge/custom\nPK3S_INFRA_DESTROY_TARGET=teardown\n")
                .file("scenarios/edge/custom/Makefile", "up:\n\t@echo up\n", false);
        engine.env("FIXTURE_SCENARIO_PATH", "scenarios/edge/custom");
        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        JsonNode validate = document(engine.run("profile", "validate", "--tgz", "fixture.tgz", "--json"));
        assertThat(validate.get("command").asText()).isEqualTo("profile validate");
        assertThat(validate.at("/profile/name").asText()).isEqualTo("fixture-profile");
        assertThat(validate.get("executable_as_is").asBoolean()).isTrue();

        Engine.Result install = engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env", "--json");
        assertThat(install.exitCode()).as(install.toString()).isZero();
        JsonNode installed = document(install);
        assertThat(installed.get("command").asText()).isEqualTo("profile install");
        assertThat(installed.get("exit_code").asInt()).isZero();
        assertThat(installed.at("/state/change").asText()).isEqualTo("persisted");
        assertThat(installed.at("/state/file").asText()).isEqualTo(stateDir.resolve("fixture-profile.json").toString());
        // the installer's own stdout and the progress lines went to stderr
        assertThat(install.stderr()).contains("fixture installer ran", "[pk3s-infra] INFO  Executing packaged profile installer");

        JsonNode status = document(engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env", "--json"));
        assertThat(status.get("ok").asBoolean()).isTrue();
        JsonNode plan = document(engine.run("profile", "plan", "--tgz", "fixture.tgz", "--env-file", "site.env", "--json"));
        assertThat(plan.at("/state/change").asText()).isEqualTo("unchanged");
        JsonNode destroy = document(engine.run("profile", "destroy", "--tgz", "fixture.tgz", "--env-file", "site.env", "--json"));
        assertThat(destroy.at("/state/change").asText()).isEqualTo("removed");
        assertThat(stateDir.resolve("fixture-profile.json")).doesNotExist();
    }

    @Test
    void aFailingChildStillGetsItsDocumentWithTheExitCodeAndOneErrorLine() throws IOException {
        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.env("FIXTURE_INSTALL_EXIT", "7")
                .run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env", "--json");
        assertThat(result.exitCode()).isEqualTo(7);
        JsonNode document = document(result);
        assertThat(document.get("ok").asBoolean()).isFalse();
        assertThat(document.get("exit_code").asInt()).isEqualTo(7);
        assertThat(result.stderrLines().stream().filter(line -> line.startsWith("[pk3s-infra] ERROR")).toList())
                .containsExactly("[pk3s-infra] ERROR packaged profile installer failed with exit code 7");
    }

    @Test
    void errorsBeforeARunLeaveStdoutEmpty() {
        Engine.Result missing = engine.run("profile", "install", "--tgz", "missing.tgz", "--json");
        assertThat(missing.exitCode()).isEqualTo(3);
        assertThat(missing.stdout()).isEmpty();
        assertThat(missing.stderrLines()).containsExactly("[pk3s-infra] ERROR tgz package not found: missing.tgz");
    }

    @Test
    void doctorReportsEveryCheckAndTheFailureInItsDocument() throws IOException {
        pack();
        Engine.Result failed = engine.run("doctor", "--tgz", "fixture.tgz", "--json");
        assertThat(failed.exitCode()).isEqualTo(4);
        JsonNode report = document(failed);
        assertThat(report.get("ok").asBoolean()).isFalse();
        assertThat(report.get("exit_code").asInt()).isEqualTo(4);
        JsonNode last = report.get("checks").get(report.get("checks").size() - 1);
        assertThat(last.get("status").asText()).isEqualTo("fail");
        assertThat(last.get("message").asText()).startsWith("required packaged profile inputs must be provided through --env-file");
        assertThat(failed.stderrLines().stream().filter(line -> line.contains("ERROR")).toList()).containsExactly(
                "[pk3s-infra] ERROR required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP");

        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result passed = engine.run("doctor", "--tgz", "fixture.tgz", "--env-file", "site.env", "--json");
        assertThat(passed.exitCode()).as(passed.toString()).isZero();
        JsonNode ok = document(passed);
        assertThat(ok.get("ok").asBoolean()).isTrue();
        assertThat(ok.get("checks").findValuesAsText("message")).contains("Required profile inputs are provided",
                "Profile state directory is writable: " + stateDir);
    }

    @Test
    void exportAndListProfilesHaveDocumentsToo() throws IOException {
        pack();
        JsonNode export = document(engine.run("profile", "export", "--tgz", "fixture.tgz", "--output", "bundle", "--json"));
        assertThat(export.get("output").asText()).isEqualTo("bundle");
        assertThat(export.get("format").asText()).isEqualTo("directory");
        assertThat(export.get("path").asText()).isEqualTo(home.resolve("work/bundle").toString());

        ProfilesCheckoutFixture checkout = new ProfilesCheckoutFixture(home.resolve("checkout"));
        JsonNode profiles = document(engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString()).run("list-profiles", "--json"));
        assertThat(JSON.convertValue(profiles.get("profiles"), List.class)).contains(ProfilesCheckoutFixture.ONPREM);
    }

    @Test
    void failureEventsCarryTheExitCode() throws IOException {
        Engine.Result result = engine.run("--events", "ndjson", "profile", "status", "--tgz", "missing.tgz");
        assertThat(result.exitCode()).isEqualTo(3);
        List<String> lines = result.stdoutLines();
        JsonNode completed = JSON.readTree(lines.get(lines.size() - 1));
        assertThat(completed.get("step").asText()).isEqualTo("operation.completed");
        assertThat(completed.get("status").asText()).isEqualTo("failed");
        assertThat(completed.get("exit_code").asInt()).isEqualTo(3);

        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result child = engine.env("FIXTURE_INSTALL_EXIT", "9")
                .run("--events", "ndjson", "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(child.exitCode()).isEqualTo(9);
        List<String> events = child.stdoutLines();
        assertThat(JSON.readTree(events.get(events.size() - 1)).get("exit_code").asInt()).isEqualTo(9);
    }
}
