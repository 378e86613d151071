package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
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
}
