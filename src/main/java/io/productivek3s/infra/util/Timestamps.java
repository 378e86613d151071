package io.productivek3s.infra.util;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The one timestamp format of every JSON document the engine prints or writes (docs/cli.md "JSON output"): UTC
 * ISO-8601 with exactly three fractional digits and {@code Z}, e.g. {@code 2026-12-07T10:15:00.000Z}.
 * {@link Instant#toString()} prints 0, 3, 6 or 9 digits depending on the value, so documents never use it.
 */
public final class Timestamps {
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Timestamps() {
    }

    /** {@code instant} in the documents' format; null stays null (an unknown time is JSON null). */
    public static String iso(Instant instant) {
        return instant == null ? null : ISO_MILLIS.format(instant);
    }

    /**
     * A timestamp read as text (a cache's metadata, a catalog's {@code generatedAt}) in the documents' format, or the
     * text unchanged when it is not an ISO-8601 date-time: such a value is someone else's data, shown as it is.
     */
    public static String iso(String text) {
        if (text == null) {
            return null;
        }
        try {
            return iso(OffsetDateTime.parse(text).toInstant());
        } catch (DateTimeParseException e) {
            return text;
        }
    }
}
