package io.productivek3s.infra.telemetry;

import io.productivek3s.infra.log.Log;
import java.util.Optional;

/**
 * Who decides telemetry (docs/telemetry.md#who-decides): a non-empty process {@code TELEMETRY_ENABLED}, else a value the user
 * wrote in an override file or source profile; a package's own value never counts. Invalid spellings mean
 * "disabled" with a WARN.
 */
public final class ConsentResolver {
    private final Log log;

    public ConsentResolver(Log log) {
        this.log = log;
    }

    /** The explicit choice, if any, without prompting. */
    public Optional<Boolean> explicit(String processValue, Optional<String> userFileValue) {
        if (processValue != null && !processValue.isEmpty()) {
            return Optional.of(normalize(processValue));
        }
        return userFileValue.filter(value -> !value.isEmpty()).map(this::normalize);
    }

    private boolean normalize(String value) {
        Optional<Boolean> parsed = Consent.parse(value);
        if (parsed.isEmpty()) {
            log.warn("invalid TELEMETRY_ENABLED value '" + value + "'; telemetry disabled");
            return false;
        }
        return parsed.get();
    }
}
