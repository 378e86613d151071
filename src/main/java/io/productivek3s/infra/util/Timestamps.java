package io.productivek3s.infra.util;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
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
    /** Built on first use: a reader that only {@link #parse}s does not pay for compiling the pattern. */
    private static final class Millis {
        static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withZone(ZoneOffset.UTC);
    }

    private Timestamps() {
    }

    /** {@code instant} in the documents' format; null stays null (an unknown time is JSON null). */
    public static String iso(Instant instant) {
        if (instant == null) {
            return null;
        }
        String fast = written(instant, true);
        return fast != null ? fast : Millis.ISO_MILLIS.format(instant);
    }

    /**
     * {@link Instant#toString()}, with the same text for every instant, written by hand for the years 0000 to 9999:
     * a text table prints one per row, a thousand rows for {@code state list} (docs/performance.md "Local `state list`
     * at 1,000 clusters"), and the general formatter costs more per call than the rest of a row.
     */
    public static String text(Instant instant) {
        String fast = written(instant, false);
        return fast != null ? fast : instant.toString();
    }

    /**
     * {@code instant} as {@code uuuu-MM-ddTHH:mm:ss} then, when {@code millis}, exactly three fractional digits, else
     * the 0, 3, 6 or 9 that {@link Instant#toString()} prints, then {@code Z}; null outside the years 0000-9999,
     * which the formatters write with a sign.
     */
    private static String written(Instant instant, boolean millis) {
        long seconds = instant.getEpochSecond();
        if (seconds < YEAR_0 || seconds >= YEAR_10000) {
            return null;
        }
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        // civil date from days since 1970-01-01 (proleptic Gregorian, as java.time counts)
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long mp = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
        char[] out = new char[30];
        int at = digits(out, 0, year, 4);
        out[at++] = '-';
        at = digits(out, at, month, 2);
        out[at++] = '-';
        at = digits(out, at, day, 2);
        out[at++] = 'T';
        at = digits(out, at, secondOfDay / 3_600, 2);
        out[at++] = ':';
        at = digits(out, at, secondOfDay / 60 % 60, 2);
        out[at++] = ':';
        at = digits(out, at, secondOfDay % 60, 2);
        int nano = instant.getNano();
        if (millis) {
            out[at++] = '.';
            at = digits(out, at, nano / 1_000_000, 3);
        } else if (nano > 0) {
            out[at++] = '.';
            if (nano % 1_000_000 == 0) {
                at = digits(out, at, nano / 1_000_000, 3);
            } else if (nano % 1_000 == 0) {
                at = digits(out, at, nano / 1_000, 6);
            } else {
                at = digits(out, at, nano, 9);
            }
        }
        out[at++] = 'Z';
        return new String(out, 0, at);
    }

    private static final long YEAR_0 = -62_167_219_200L;
    private static final long YEAR_10000 = 253_402_300_800L;

    /** Writes {@code value} with {@code width} digits (zero-padded) at {@code at}; returns the next position. */
    private static int digits(char[] out, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            out[i] = (char) ('0' + value % 10);
            value /= 10;
        }
        return at + width;
    }

    /**
     * {@link Instant#parse}, with the same result and the same exception for every text, but quicker for the form
     * {@link Instant#toString()} writes ({@code 2026-12-07T10:15:00.123Z}: four-digit year, 0 to 9 fractional digits
     * after a point that is there only with digits, {@code Z}), which is how the engine stores every time it reads back
     * by the thousand (revision records: docs/performance.md "State at scale"). {@code Instant.parse} goes through a
     * general formatter, ~10 µs a call at start-up; anything else (an offset, a leap second, {@code 24:00}, a date that
     * does not exist, a malformed text) is left to it, so its answers and its messages stay the reference.
     */
    public static Instant parse(String text) {
        Instant canonical = canonical(text);
        return canonical != null ? canonical : Instant.parse(text);
    }

    /** The instant {@code text} names when it has the form {@link #parse} reads itself; null otherwise. */
    private static Instant canonical(String text) {
        int length = text.length();
        if (length < 20 || length == 21 || length > 30 || text.charAt(length - 1) != 'Z' || text.charAt(4) != '-'
                || text.charAt(7) != '-' || text.charAt(10) != 'T' || text.charAt(13) != ':' || text.charAt(16) != ':'
                || length > 20 && text.charAt(19) != '.') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        int fraction = length > 20 ? digits(text, 20, length - 1) : 0;
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59 || fraction < 0) {
            return null;
        }
        for (int i = length - 1; i < 29; i++) {
            fraction *= 10; // the digits given, as nanoseconds
        }
        LocalDate date;
        try {
            date = LocalDate.of(year, month, day);
        } catch (DateTimeException noSuchDate) {
            return null;
        }
        return Instant.ofEpochSecond(date.toEpochDay() * 86_400 + hour * 3_600 + minute * 60 + second, fraction);
    }

    /** The decimal number {@code text[from, to)} (at most 9 digits); -1 when any of it is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
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
