package io.productivek3s.infra.telemetry;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Telemetry identity and decision of one engine run, and the 13 {@code TELEMETRY_*} variables children receive
 * (docs/telemetry.md#identifiers, docs/telemetry.md#children). Unset and empty are kept distinct: a {@code null} value in {@link #childVariables}
 * means "remove from the child environment".
 */
public record TelemetryRun(Optional<Boolean> enabled, String sessionId, Optional<String> runId, String parentRunId, boolean emitting) {
    public static final List<String> PASS_THROUGH = List.of("TELEMETRY_ENDPOINT", "TELEMETRY_MARKER", "TELEMETRY_BEARER_TOKEN",
            "TELEMETRY_MAX_RETRIES", "TELEMETRY_CONNECT_TIMEOUT_SECONDS", "TELEMETRY_REQUEST_TIMEOUT_SECONDS",
            "TELEMETRY_OUTBOX_DIR", "TELEMETRY_USER_AGENT");

    private static final SecureRandom RANDOM = new SecureRandom();

    public TelemetryRun {
        if (emitting && (enabled.isEmpty() || runId.isEmpty())) {
            throw new IllegalArgumentException("an emitting run needs a consent decision and a run id");
        }
    }

    /**
     * @param enabled   the resolved decision (emitting commands) or the explicit choice without prompting (others)
     * @param incoming  the process environment as received
     */
    public static TelemetryRun create(Optional<Boolean> enabled, Map<String, String> incoming, boolean emitting) {
        String session = incoming.getOrDefault("TELEMETRY_SESSION_ID", "");
        String incomingRun = incoming.getOrDefault("TELEMETRY_RUN_ID", "");
        String parent = incoming.getOrDefault("TELEMETRY_PARENT_RUN_ID", "");
        Optional<String> run = Optional.empty();
        if (emitting) {
            session = session.isEmpty() ? newId() : session;
            run = Optional.of(incomingRun.isEmpty() ? newId() : incomingRun);
        } else if (!incomingRun.isEmpty()) {
            run = Optional.of(incomingRun);
        }
        return new TelemetryRun(enabled, session, run, parent, emitting);
    }

    /** 16 lowercase hex characters from 8 secure random bytes. */
    public static String newId() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * @param effective the child's environment before telemetry handling (process overlaid by merged files)
     * @param incoming  the engine's own process environment
     */
    public Map<String, String> childVariables(Map<String, String> effective, Map<String, String> incoming) {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("TELEMETRY_ENABLED", enabled.map(String::valueOf).orElse(null));
        if (emitting) {
            vars.put("TELEMETRY_SESSION_ID", sessionId);
        } else {
            vars.put("TELEMETRY_SESSION_ID", incoming.get("TELEMETRY_SESSION_ID"));
        }
        vars.put("TELEMETRY_PARENT_RUN_ID", runId.orElse(incoming.get("TELEMETRY_PARENT_RUN_ID")));
        vars.put("TELEMETRY_RUN_ID", "");
        vars.put("TELEMETRY_COMPONENT", "infra");
        for (String name : PASS_THROUGH) {
            vars.put(name, effective.get(name));
        }
        return vars;
    }
}
