package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterJsonTest {
    @TempDir
    Path tmp;

    @Test
    void keyPathRewriteKeepsOrderTypesAndOtherFields() throws IOException {
        String original = Files.readString(io.productivek3s.infra.testing.Repo.fixture("productive-k3s-infra/test-fixtures/cluster.remote-compact.json"));
        String rewritten = ClusterJson.withSshKeyPath(original, "/state/x.runtime/generated/ssh/id_ed25519");

        var before = Json.parse(original);
        var after = Json.parse(rewritten);
        assertThat(fieldNames(after)).isEqualTo(fieldNames(before));
        assertThat(fieldNames(after.get("ssh"))).containsExactly("user", "port", "key_path", "extra_opts");
        assertThat(after.get("ssh").get("port").isTextual()).isTrue();
        assertThat(after.get("ssh").get("port").asText()).isEqualTo("2222");
        assertThat(after.get("ssh").get("key_path").asText()).isEqualTo("/state/x.runtime/generated/ssh/id_ed25519");
        ((com.fasterxml.jackson.databind.node.ObjectNode) after.get("ssh")).put("key_path", "/tmp/id");
        assertThat(after).isEqualTo(before);
    }

    @Test
    void keyPathRewriteCreatesTheSshObjectAtTheEnd() throws IOException {
        String original = Files.readString(io.productivek3s.infra.testing.Repo.fixture("productive-k3s-infra/test-fixtures/cluster.multipass.json"));
        var after = Json.parse(ClusterJson.withSshKeyPath(original, "/k"));
        List<String> names = fieldNames(after);
        assertThat(names.get(names.size() - 1)).isEqualTo("ssh");
        assertThat(names.subList(0, names.size() - 1)).isEqualTo(fieldNames(Json.parse(original)));
        assertThat(Json.pretty(after.get("ssh"))).isEqualTo("{\n  \"key_path\": \"/k\"\n}\n");
        assertThat(Json.parse(ClusterJson.withSshKeyPath("{\"ssh\": null, \"a\": 1}", "/k")).toString())
                .isEqualTo("{\"ssh\":{\"key_path\":\"/k\"},\"a\":1}");
    }

    @Test
    void keepsDecimalsExactly() throws IOException {
        String out = ClusterJson.withTelemetryEnabled("{\"ratio\": 1.50, \"big\": 123456789012345678901234}", false);
        assertThat(out).contains("\"ratio\": 1.50").contains("\"big\": 123456789012345678901234");
    }

    @Test
    void rejectsInvalidDocuments() {
        for (String bad : new String[] {"", "not json", "[1]", "{\"a\": 1} trailing", "{\"ssh\": \"x\"}"}) {
            assertThatThrownBy(() -> ClusterJson.withSshKeyPath(bad, "/k")).as(bad).isInstanceOf(IOException.class);
        }
        assertThatThrownBy(() -> ClusterJson.withTelemetryEnabled("{\"telemetry\": true}", false))
                .isInstanceOf(IOException.class);
    }

    @Test
    void alignTelemetryRewritesOnlyWhenNeededAndKeepsMode() throws IOException {
        Path scenario = tmp.resolve("scenario");
        Path file = scenario.resolve("generated/cluster.json");
        assertThat(StateStore.alignTelemetry(scenario, false)).isFalse();

        Files.createDirectories(file.getParent());
        Files.copy(io.productivek3s.infra.testing.Repo.fixture("productive-k3s-infra/test-fixtures/cluster.remote.json"), file);
        Files.setPosixFilePermissions(file, Files2.FILE_PRIVATE);
        assertThat(StateStore.alignTelemetry(scenario, true)).isFalse();
        assertThat(StateStore.alignTelemetry(scenario, false)).isTrue();
        assertThat(Json.parse(Files.readString(file)).get("telemetry").get("enabled").asBoolean()).isFalse();
        assertThat(Json.parse(Files.readString(file)).get("telemetry").get("max_retries").asInt()).isEqualTo(7);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files2.FILE_PRIVATE);
        assertThat(StateStore.alignTelemetry(scenario, false)).isFalse();

        Files.writeString(file, "{\"cluster_name\": \"c\"}");
        assertThat(StateStore.alignTelemetry(scenario, false)).isTrue();
        assertThat(Files.readString(file)).isEqualTo("{\n  \"cluster_name\": \"c\",\n  \"telemetry\": {\n"
                + "    \"enabled\": false\n  }\n}\n");

        Files.writeString(file, "{\"telemetry\": {\"enabled\": \"true\"}}");
        assertThat(StateStore.alignTelemetry(scenario, true)).isTrue();
        assertThat(Json.parse(Files.readString(file)).get("telemetry").get("enabled").isBoolean()).isTrue();

        Files.writeString(file, "{broken");
        assertThatThrownBy(() -> StateStore.alignTelemetry(scenario, false)).isInstanceOf(IOException.class);
        assertThat(Files.readString(file)).isEqualTo("{broken");
    }

    private static List<String> fieldNames(com.fasterxml.jackson.databind.JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
