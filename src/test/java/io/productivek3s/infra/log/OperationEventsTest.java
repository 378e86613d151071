package io.productivek3s.infra.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Operation events (docs/contract/output.md#operation-events): enabled ones write lines, disabled ones nothing. */
class OperationEventsTest {
    /**
     * A disabled instance has no stream, clock or redactor (docs/performance.md "Round 7"): it still keeps the
     * started/completed bookkeeping actions rely on, and never touches what it does not have.
     */
    @Test
    void disabledEventsKeepTheRunsStateAndWriteNothing() {
        OperationEvents events = OperationEvents.disabled();
        events.started("install", "demo");
        assertThat(events.isOpen()).isTrue();
        events.subject("other");
        events.step("extract", "running", "extracting");
        events.completed(1, "failed");
        assertThat(events.isOpen()).isFalse();
        events.completed(0, "again");
    }

    @Test
    void enabledEventsWriteOneLinePerEventEndingWithCompleted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        OperationEvents events = new OperationEvents(out, true, Clock.fixed(Instant.parse("2026-12-07T18:00:00.5Z"), ZoneOffset.UTC),
                new Redactor());
        events.started("install", "demo");
        events.completed(0, "done");
        assertThat(bytes.toString(StandardCharsets.UTF_8).lines().toList()).hasSize(2)
                .allMatch(line -> line.contains("\"schema_version\":\"" + OperationEvents.SCHEMA + "\""))
                .allMatch(line -> line.contains("\"emitted_at\":\"2026-12-07T18:00:00Z\""));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("\"step\":\"operation.completed\"", "\"exit_code\":0");
    }
}
