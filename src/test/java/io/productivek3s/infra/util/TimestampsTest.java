package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    @Test
    void alwaysThreeFractionalDigitsInUtc() {
        assertThat(Timestamps.iso(Instant.parse("2026-12-07T10:15:00Z"))).isEqualTo("2026-12-07T10:15:00.000Z");
        assertThat(Timestamps.iso(Instant.parse("2026-12-07T10:15:00.123456789Z"))).isEqualTo("2026-12-07T10:15:00.123Z");
        assertThat(Timestamps.iso(Instant.parse("2026-12-07T10:15:00.120Z"))).isEqualTo("2026-12-07T10:15:00.120Z");
        assertThat(Timestamps.iso((Instant) null)).isNull();
    }

    @Test
    void textTimestampsAreNormalisedAndOtherTextIsKept() {
        assertThat(Timestamps.iso("2026-10-02T17:44:40+02:00")).isEqualTo("2026-10-02T15:44:40.000Z");
        assertThat(Timestamps.iso("2026-10-02T15:44:40Z")).isEqualTo("2026-10-02T15:44:40.000Z");
        assertThat(Timestamps.iso("last tuesday")).isEqualTo("last tuesday");
        assertThat(Timestamps.iso((String) null)).isNull();
    }

    @Test
    void parseReadsWhatInstantToStringWritesExactlyAsInstantParse() {
        Random random = new Random(17);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 20_000; i++) {
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            String text = Instant.ofEpochSecond(min + (long) (random.nextDouble() * (max - min)), nanos).toString();
            assertThat(Timestamps.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    /** Every other form is Instant.parse's own business: the same instant, or the same exception and message. */
    @Test
    void parseAnswersEveryOtherTextAsInstantParse() {
        List<String> texts = new ArrayList<>(List.of("2026-12-07T10:15:00Z", "2026-12-07T10:15:00.1Z",
                "2026-12-07T10:15:00.123456789Z", "2026-12-07T10:15:00.1234567891Z", "2026-12-07T10:15:00.Z",
                "2026-12-07T10:15Z", "2026-12-07T23:59:60Z", "2026-12-07T24:00:00Z", "2026-12-07T24:00:01Z",
                "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
                "2026-00-10T00:00:00Z", "2026-12-00T00:00:00Z", "2026-12-07T10:60:00Z", "2026-12-07T10:15:61Z",
                "2026-12-07t10:15:00z", "2026-12-07T10:15:00+01:00", "2026-12-07T10:15:00.5+01:00",
                "+12026-12-07T10:15:00Z", "-0001-12-07T10:15:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
                "2026-12-07 10:15:00Z", "2026/12/07T10:15:00Z", "2026-12-07T10:15:00", "2026-1a-07T10:15:00Z",
                "2026-12-07T10:15:00.12a4Z", "２026-12-07T10:15:00Z", "", "yesterday", "2026-12-07T10:15:00ZZ",
                "2026-12-07T-1:15:00Z", "2026-12-07T10:15:00.-1Z"));
        for (String text : texts) {
            Object expected;
            Object actual;
            try {
                expected = Instant.parse(text);
            } catch (RuntimeException e) {
                expected = e.getClass().getName() + ": " + e.getMessage();
            }
            try {
                actual = Timestamps.parse(text);
            } catch (RuntimeException e) {
                actual = e.getClass().getName() + ": " + e.getMessage();
            }
            assertThat(actual).as(text).isEqualTo(expected);
        }
        assertThat(catchThrowable(() -> Timestamps.parse(null))).isInstanceOf(NullPointerException.class);
    }
    /** The hand-written texts are the formatters' texts, for every instant (years outside 0-9999 go to them). */
    @Test
    void writesWhatInstantToStringAndTheMillisFormatterWrite() {
        java.time.format.DateTimeFormatter millis = java.time.format.DateTimeFormatter
                .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);
        Random random = new Random(23);
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999999999Z"), Instant.parse("2000-02-29T12:00:00.5Z"),
                Instant.parse("1900-03-01T00:00:00Z"), Instant.parse("1969-12-31T23:59:59.000001Z"),
                Instant.parse("0000-01-01T00:00:00Z").minusNanos(1), Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.MIN, Instant.MAX));
        for (int i = 0; i < 200_000; i++) {
            long second = i % 4 == 0 ? random.nextLong() % 400_000_000_000L
                    : -62_167_219_200L + Math.floorMod(random.nextLong(), 315_569_520_000L);
            int nano = switch (i % 5) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1_000;
                default -> random.nextInt(1_000_000_000);
            };
            instants.add(Instant.ofEpochSecond(second, nano));
        }
        for (Instant instant : instants) {
            assertThat(Timestamps.text(instant)).isEqualTo(instant.toString());
            if (instant.getEpochSecond() > -1_000_000_000_000L && instant.getEpochSecond() < 1_000_000_000_000L) {
                assertThat(Timestamps.iso(instant)).as(instant.toString()).isEqualTo(millis.format(instant));
            }
        }
    }
}
