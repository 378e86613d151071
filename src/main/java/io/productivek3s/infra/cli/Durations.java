package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --lock-timeout} values: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or plain seconds ({@code 45}),
 * as OpenTofu's {@code -lock-timeout} spells them. Anything else is a usage error (exit 2), caught before any side
 * effect.
 */
final class Durations {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");
    /** A day: longer waits are a typo rather than a plan, and stay far from Duration/long overflow. */
    private static final Duration MAX = Duration.ofHours(24);

    private Durations() {
    }

    /** The parsed value, {@link Duration#ZERO} when {@code value} is null (flag absent). */
    static Duration lockTimeout(String value) {
        if (value == null) {
            return Duration.ZERO;
        }
        Matcher m = DURATION.matcher(value.trim());
        if (!m.matches()) {
            throw invalid(value);
        }
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration duration = switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofSeconds(amount);
        };
        if (duration.compareTo(MAX) > 0) {
            throw EngineException.usage("--lock-timeout must be at most 24h: " + oneLine(value));
        }
        return duration;
    }

    private static EngineException invalid(String value) {
        return EngineException.usage("invalid --lock-timeout '" + oneLine(value)
                + "': use a duration such as 500ms, 30s, 5m, 1h or plain seconds");
    }

    static String oneLine(String value) {
        String shown = value.replaceAll("\\p{Cntrl}", "?");
        return shown.length() > 80 ? shown.substring(0, 80) + "…" : shown;
    }
}
