package io.productivek3s.infra.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Identifiers (docs/telemetry.md#identifiers) and the 13 child variables (docs/telemetry.md#children). */
class TelemetryRunTest {
    @Test
    void emittingRunsInheritTheSessionAndCreateTheirOwnRun() {
        Map<String, String> incoming = Map.of("TELEMETRY_SESSION_ID", "sess", "TELEMETRY_PARENT_RUN_ID", "pk3s-run");
        TelemetryRun run = TelemetryRun.create(Optional.of(true), incoming, true);
        assertThat(run.sessionId()).isEqualTo("sess");
        assertThat(run.parentRunId()).isEqualTo("pk3s-run");
        assertThat(run.runId()).get().asString().matches("[0-9a-f]{16}");
        assertThat(TelemetryRun.create(Optional.of(true), incoming, true).runId()).isNotEqualTo(run.runId());
    }

    @Test
    void emptyIncomingIdsCountAsAbsent() {
        Map<String, String> pk3sDisabled = Map.of("TELEMETRY_SESSION_ID", "", "TELEMETRY_PARENT_RUN_ID", "", "TELEMETRY_RUN_ID", "");
        TelemetryRun run = TelemetryRun.create(Optional.of(false), pk3sDisabled, true);
        assertThat(run.sessionId()).matches("[0-9a-f]{16}");
        assertThat(run.runId()).get().asString().matches("[0-9a-f]{16}");
        assertThat(run.parentRunId()).isEmpty();
        assertThat(TelemetryRun.create(Optional.of(true), Map.of("TELEMETRY_RUN_ID", "given"), true).runId()).contains("given");
    }

    @Test
    void anEmittingRunAlwaysHasADecision() {
        assertThatThrownBy(() -> new TelemetryRun(Optional.empty(), "s", Optional.of("r"), "", true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void childrenOfAnEmittingRunGetTheSessionOurRunAsParentAndAnEmptyRun() {
        Map<String, String> incoming = Map.of("TELEMETRY_SESSION_ID", "sess", "TELEMETRY_PARENT_RUN_ID", "pk3s-run",
                "TELEMETRY_RUN_ID", "", "TELEMETRY_ENDPOINT", "");
        TelemetryRun run = TelemetryRun.create(Optional.of(true), incoming, true);
        Map<String, String> effective = new HashMap<>(incoming);
        effective.put("TELEMETRY_MARKER", "from-override");
        effective.put("TELEMETRY_COMPONENT", "core");
        Map<String, String> vars = run.childVariables(effective, incoming);
        assertThat(vars).hasSize(13);
        assertThat(vars).containsEntry("TELEMETRY_ENABLED", "true")
                .containsEntry("TELEMETRY_SESSION_ID", "sess")
                .containsEntry("TELEMETRY_PARENT_RUN_ID", run.runId().orElseThrow())
                .containsEntry("TELEMETRY_RUN_ID", "")
                .containsEntry("TELEMETRY_COMPONENT", "infra")
                .containsEntry("TELEMETRY_ENDPOINT", "")
                .containsEntry("TELEMETRY_MARKER", "from-override");
        // unset stays unset: null means "remove from the child environment"
        for (String name : new String[] {"TELEMETRY_BEARER_TOKEN", "TELEMETRY_MAX_RETRIES", "TELEMETRY_CONNECT_TIMEOUT_SECONDS",
                "TELEMETRY_REQUEST_TIMEOUT_SECONDS", "TELEMETRY_OUTBOX_DIR", "TELEMETRY_USER_AGENT"}) {
            assertThat(vars).containsEntry(name, null);
        }
    }

    @Test
    void childrenOfAReadOnlyRunSeeWhatWasReceived() {
        Map<String, String> incoming = Map.of("TELEMETRY_PARENT_RUN_ID", "p");
        Map<String, String> vars = TelemetryRun.create(Optional.empty(), incoming, false).childVariables(incoming, incoming);
        assertThat(vars).containsEntry("TELEMETRY_ENABLED", null)
                .containsEntry("TELEMETRY_SESSION_ID", null)
                .containsEntry("TELEMETRY_PARENT_RUN_ID", "p")
                .containsEntry("TELEMETRY_RUN_ID", "");
        Map<String, String> withRun = Map.of("TELEMETRY_RUN_ID", "outer", "TELEMETRY_SESSION_ID", "", "TELEMETRY_ENABLED", "Yes");
        Map<String, String> nested = TelemetryRun.create(Optional.of(true), withRun, false).childVariables(withRun, withRun);
        assertThat(nested).containsEntry("TELEMETRY_PARENT_RUN_ID", "outer")
                .containsEntry("TELEMETRY_SESSION_ID", "")
                .containsEntry("TELEMETRY_ENABLED", "true");
    }
}
