package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@code profile show}: manifest, inputs and the merged env with provenance; secrets masked; nothing runs. */
class ProfileShowIT extends PackageTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void showsEachValuesOriginAndMasksSensitiveOnes() throws IOException {
        pack();
        overrideFile("# site\nONPREM_SERVER_IP=10.0.0.5\nSITE_TOKEN=tok-abc-123\n");
        Engine.Result text = engine.env("PRODUCTIVE_K3S_VERSION", "0.9.7")
                .run("profile", "show", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(text.exitCode()).as(text.toString()).isZero();
        assertThat(text.stdout()).contains("Profile package: fixture-profile 1.0.0",
                "ONPREM_SERVER_IP=10.0.0.5", "# override site.env:2",
                "ONPREM_SSH_USER=ubuntu", "# package profile.env:3",
                "SITE_TOKEN=****", "PRODUCTIVE_K3S_VERSION=0.9.7", "# process environment",
                "All required inputs are satisfied.")
                .doesNotContain("tok-abc-123");
        assertThat(text.stdout()).containsPattern("ONPREM_SERVER_IP +required +local-override +satisfied \\(override site.env:2\\)");
        assertThat(text.stderr()).doesNotContain("tok-abc-123");

        Engine.Result json = engine.run("profile", "show", "--tgz", "fixture.tgz", "--env-file", "site.env", "--json");
        JsonNode doc = JSON.readTree(json.stdout());
        assertThat(doc.get("ready").asBoolean()).isTrue();
        JsonNode token = find(doc.get("env"), "SITE_TOKEN");
        assertThat(token.get("value").asText()).isEqualTo("****");
        assertThat(token.get("masked").asBoolean()).isTrue();
        JsonNode ip = find(doc.get("env"), "ONPREM_SERVER_IP");
        assertThat(ip.at("/origin/layer").asText()).isEqualTo("override");
        assertThat(ip.at("/origin/file").asText()).isEqualTo("site.env");
        assertThat(ip.at("/origin/line").asInt()).isEqualTo(2);
        assertThat(find(doc.get("inputs"), "SITE_TOKEN").get("sensitive").asBoolean()).isTrue();
        assertThat(json.stdout()).doesNotContain("tok-abc-123");
    }

    @Test
    void reportsMissingInputsWithoutFailingAndTouchesNothing() throws IOException {
        pack();
        Engine.Result result = engine.run("profile", "show", "--tgz", "fixture.tgz", "--json");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode doc = JSON.readTree(result.stdout());
        assertThat(doc.get("ready").asBoolean()).isFalse();
        assertThat(find(doc.get("inputs"), "ONPREM_SERVER_IP").get("satisfied").asBoolean()).isFalse();
        assertThat(doc.get("override_env_file").isNull()).isTrue();
        assertThat(stateDir).doesNotExist();
        assertThat(records.resolve("installer.env")).doesNotExist();
        assertThat(tools.calls("make")).isEmpty();
        assertNoTempLeft();
    }

    private static JsonNode find(JsonNode array, String name) {
        for (JsonNode item : array) {
            if (item.get("name").asText().equals(name)) {
                return item;
            }
        }
        throw new AssertionError(name + " not in " + array);
    }
}
