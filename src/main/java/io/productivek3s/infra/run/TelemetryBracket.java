package io.productivek3s.infra.run;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.telemetry.TelemetryRun;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The telemetry begin/end bracket every emitting run shares (docs/telemetry.md): {@code begin} before the children,
 * {@code end} with the run's exit code on every path, an engine error's own code when one is thrown.
 */
public final class TelemetryBracket {
    private TelemetryBracket() {
    }

    /** Runs {@code body} inside the bracket; {@code exitCode} reads the code to report from its result. */
    public static <T> T around(Telemetry telemetry, Telemetry.Command command, Optional<String> userValue, boolean emitting,
            Function<TelemetryRun, T> body, ToIntFunction<T> exitCode) {
        TelemetryRun run = telemetry.begin(command, userValue, emitting);
        int code = EngineException.RUNTIME;
        try {
            T result = body.apply(run);
            code = exitCode.applyAsInt(result);
            return result;
        } catch (EngineException e) {
            code = e.exitCode();
            throw e;
        } finally {
            telemetry.end(run, code);
        }
    }

    /** The common case: the body returns the exit code itself. */
    public static int around(Telemetry telemetry, Telemetry.Command command, Optional<String> userValue, boolean emitting,
            Function<TelemetryRun, Integer> body) {
        return around(telemetry, command, userValue, emitting, body, Integer::intValue);
    }
}
