package io.productivek3s.infra.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.util.Json;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EventDocumentTest {
    private static final ZonedDateTime NOW = ZonedDateTime.of(2026, 11, 25, 17, 23, 30, 0, ZoneId.of("Europe/Madrid"));
    private final TelemetryRun run = new TelemetryRun(Optional.of(true), "0f3c9a1b2d4e5f60", Optional.of("9a8b7c6d5e4f3a2b"), "", true);

    @Test
    void startedHasExactlyTheContractFieldsInOrder() throws Exception {
        JsonNode doc = Json.parse(EventDocument.started(new Telemetry.Command("profile", "onprem-basic"), run, NOW).body());
        assertThat(doc.fieldNames()).toIterable().containsExactly("schema_version", "event_family", "event_name", "sent_at",
                "session_id", "run_id", "parent_run_id", "component", "command", "client", "telemetry_meta");
        assertThat(doc.get("command").fieldNames()).toIterable().containsExactly("name", "scenario", "result");
        assertThat(doc.get("client").fieldNames()).toIterable().containsExactly("repository", "script", "telemetry_enabled");
        assertThat(doc.get("telemetry_meta").fieldNames()).toIterable().containsExactly("delivery_mode", "anonymous_by_contract");
        assertThat(doc).isEqualTo(Json.parse("""
                {"schema_version": "1", "event_family": "usage", "event_name": "infra.command.started",
                 "sent_at": "2026-11-25T17:23:30+01:00", "session_id": "0f3c9a1b2d4e5f60", "run_id": "9a8b7c6d5e4f3a2b",
                 "parent_run_id": "", "component": "infra",
                 "command": {"name": "profile", "scenario": "onprem-basic", "result": "started"},
                 "client": {"repository": "productive-k3s-infra", "script": "scripts/productive-k3s-infra.sh", "telemetry_enabled": "true"},
                 "telemetry_meta": {"delivery_mode": "best-effort", "anonymous_by_contract": true}}"""));
    }

    @Test
    void allValuesAreStringsExceptTheAnonymityFlag() throws Exception {
        JsonNode doc = Json.parse(EventDocument.completed(new Telemetry.Command("multipass", "multipass"), run, 3, NOW).body());
        List<JsonNode> leaves = new java.util.ArrayList<>();
        collectLeaves(doc, leaves);
        assertThat(leaves).filteredOn(JsonNode::isBoolean).hasSize(1);
        assertThat(leaves).filteredOn(node -> !node.isBoolean()).allMatch(JsonNode::isTextual);
        assertThat(doc.get("telemetry_meta").get("anonymous_by_contract").booleanValue()).isTrue();
    }

    @Test
    void completedSaysSuccessOrFailedAndKeepsTheIds() throws Exception {
        Telemetry.Command command = new Telemetry.Command("profile", "aws-single-node");
        JsonNode ok = Json.parse(EventDocument.completed(command, run, 0, NOW).body());
        JsonNode failed = Json.parse(EventDocument.completed(command, run, 130, NOW).body());
        assertThat(ok.get("event_name").asText()).isEqualTo("infra.command.completed");
        assertThat(ok.get("command").get("result").asText()).isEqualTo("success");
        assertThat(failed.get("command").get("result").asText()).isEqualTo("failed");
        assertThat(failed.get("run_id")).isEqualTo(ok.get("run_id"));
        assertThat(ok.toString()).doesNotContain("exit_code", "duration");
    }

    @Test
    void valuesAreEscapedAndTimestampsUseANumericOffset() throws Exception {
        TelemetryRun odd = new TelemetryRun(Optional.of(true), "s\"1\n", Optional.of("r\\1"), "p</x>", true);
        String body = EventDocument.started(new Telemetry.Command("profile", "custom\"\u0001"), odd, NOW.withZoneSameInstant(ZoneId.of("UTC"))).body();
        JsonNode doc = Json.parse(body);
        assertThat(body).doesNotContain("\n");
        assertThat(doc.get("session_id").asText()).isEqualTo("s\"1\n");
        assertThat(doc.get("command").get("scenario").asText()).isEqualTo("custom\"\u0001");
        assertThat(doc.get("sent_at").asText()).isEqualTo("2026-11-25T16:23:30+00:00");
    }

    private static void collectLeaves(JsonNode node, List<JsonNode> leaves) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                collectLeaves(field.getValue(), leaves);
            }
        } else {
            leaves.add(node);
        }
    }
}
