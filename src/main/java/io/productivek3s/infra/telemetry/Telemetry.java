package io.productivek3s.infra.telemetry;

import java.util.Optional;

/**
 * Telemetry of one engine run (docs/telemetry.md). {@link #begin} resolves consent and identity right before the first
 * side effect; for emitting runs with consent it starts {@code infra.command.started}. {@link #end} sends
 * {@code infra.command.completed} exactly once per begun emitting run.
 */
public interface Telemetry {
    /** What the events say about the command: the top-level token as typed and the canonical scenario. */
    record Command(String name, String scenario) {
    }

    /**
     * @param userFileValue {@code TELEMETRY_ENABLED} as assigned by a user-authored file (override env file or source
     *                      profile), empty when none assigns it
     * @param emitting      whether this run emits events (docs/telemetry.md#who-decides; false for dry-runs and read-only commands)
     */
    TelemetryRun begin(Command command, Optional<String> userFileValue, boolean emitting);

    /** Completes an emitting run: result success for exit 0, failed otherwise. No-op for non-emitting runs. */
    void end(TelemetryRun run, int exitCode);
}
