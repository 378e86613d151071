package io.productivek3s.infra.telemetry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Json;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * One schema-1 usage event (docs/telemetry.md#what-is-sent), exactly the fields of the contract and nothing else: ids, the command's
 * top-level token, its canonical scenario and the result. Anonymous by construction: no field can carry a host
 * name, address, path, profile name or input value. Exit codes and durations are deliberately absent (the schema
 * allows no other fields); they appear only in DEBUG lines and outbox status records.
 */
public record EventDocument(String eventName, String sentAt, String sessionId, String runId, String parentRunId,
        String commandName, String scenario, String result) {
    public static final String STARTED = "infra.command.started";
    public static final String COMPLETED = "infra.command.completed";
    public static final String REPOSITORY = "productive-k3s-infra";
    /** The bash engine's script path, kept for receivers that group by it [Compat]. */
    public static final String SCRIPT = "scripts/productive-k3s-infra.sh";

    /** Local time with seconds and a numeric offset, e.g. {@code 2026-11-25T17:23:30+00:00}. */
    private static final DateTimeFormatter SENT_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx");

    public static EventDocument started(Telemetry.Command command, TelemetryRun run, ZonedDateTime now) {
        return of(STARTED, command, run, "started", now);
    }

    public static EventDocument completed(Telemetry.Command command, TelemetryRun run, int exitCode, ZonedDateTime now) {
        return of(COMPLETED, command, run, exitCode == 0 ? "success" : "failed", now);
    }

    private static EventDocument of(String name, Telemetry.Command command, TelemetryRun run, String result, ZonedDateTime now) {
        return new EventDocument(name, timestamp(now), run.sessionId(), run.runId().orElse(""), run.parentRunId(),
                command.name(), command.scenario(), result);
    }

    /** The contract's timestamp form, also used by outbox status records. */
    public static String timestamp(ZonedDateTime time) {
        return SENT_AT.format(time);
    }

    public ObjectNode toJson() {
        ObjectNode root = Json.object();
        root.put("schema_version", "1");
        root.put("event_family", "usage");
        root.put("event_name", eventName);
        root.put("sent_at", sentAt);
        root.put("session_id", sessionId);
        root.put("run_id", runId);
        root.put("parent_run_id", parentRunId);
        root.put("component", "infra");
        ObjectNode commandNode = root.putObject("command");
        commandNode.put("name", commandName);
        commandNode.put("scenario", scenario);
        commandNode.put("result", result);
        ObjectNode client = root.putObject("client");
        client.put("repository", REPOSITORY);
        client.put("script", SCRIPT);
        // Only consenting runs send events, so a sent document always says "true".
        client.put("telemetry_enabled", "true");
        ObjectNode meta = root.putObject("telemetry_meta");
        meta.put("delivery_mode", "best-effort");
        meta.put("anonymous_by_contract", true);
        return root;
    }

    /** The request body: compact UTF-8 JSON. */
    public String body() {
        return Json.compact(toJson());
    }
}
