package io.productivek3s.infra.telemetry;

import io.productivek3s.infra.log.Log;
import java.util.Map;
import java.util.Optional;

/**
 * Consent and identity without delivery: honours an explicit choice (process, then user file), defaults to
 * disabled, and never prompts or sends. Used where events must not leave the machine.
 */
public final class ExplicitConsentTelemetry implements Telemetry {
    private final Map<String, String> env;
    private final Log log;

    public ExplicitConsentTelemetry(Map<String, String> env, Log log) {
        this.env = env;
        this.log = log;
    }

    @Override
    public TelemetryRun begin(Command command, Optional<String> userFileValue, boolean emitting) {
        Optional<Boolean> decision = new ConsentResolver(log).explicit(env.get("TELEMETRY_ENABLED"), userFileValue);
        if (emitting && decision.isEmpty()) {
            decision = Optional.of(false);
        }
        log.debug("telemetry: " + (emitting ? "emitting command" : "read-only command") + ", enabled="
                + decision.map(String::valueOf).orElse("unset"));
        return TelemetryRun.create(decision, env, emitting);
    }

    @Override
    public void end(TelemetryRun run, int exitCode) {
        // nothing is delivered
    }
}
