package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @Test
    void unitsAndPlainSeconds() {
        assertThat(Durations.lockTimeout(null)).isEqualTo(Duration.ZERO);
        assertThat(Durations.lockTimeout("0")).isEqualTo(Duration.ZERO);
        assertThat(Durations.lockTimeout("45")).isEqualTo(Duration.ofSeconds(45));
        assertThat(Durations.lockTimeout("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.lockTimeout("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.lockTimeout("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.lockTimeout("24h")).isEqualTo(Duration.ofHours(24));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "5x", "1.5s", "s", "1h30m", "ms", "10 s", "9999999999"})
    void anythingElseIsAUsageError(String value) {
        assertThatThrownBy(() -> Durations.lockTimeout(value)).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).isEqualTo("invalid --lock-timeout '" + value
                    + "': use a duration such as 500ms, 30s, 5m, 1h or plain seconds");
        });
    }

    @Test
    void moreThanADayIsRefused() {
        assertThatThrownBy(() -> Durations.lockTimeout("25h")).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).isEqualTo("--lock-timeout must be at most 24h: 25h");
        });
        assertThatThrownBy(() -> Durations.lockTimeout("999999999m")).isInstanceOf(EngineException.class);
    }
}
