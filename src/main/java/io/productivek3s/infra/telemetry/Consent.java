package io.productivek3s.infra.telemetry;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Normalization of {@code TELEMETRY_ENABLED} spellings (docs/telemetry.md#who-decides). */
public final class Consent {
    private static final Set<String> TRUE = Set.of("1", "true", "yes", "y", "on");
    private static final Set<String> FALSE = Set.of("0", "false", "no", "n", "off");

    private Consent() {
    }

    /** true/false for a recognised spelling (any case), empty for anything else. */
    public static Optional<Boolean> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String lower = value.trim().toLowerCase(Locale.ROOT);
        if (TRUE.contains(lower)) {
            return Optional.of(true);
        }
        if (FALSE.contains(lower)) {
            return Optional.of(false);
        }
        return Optional.empty();
    }
}
