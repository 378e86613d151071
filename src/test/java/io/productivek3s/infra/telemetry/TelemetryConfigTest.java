package io.productivek3s.infra.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TelemetryConfigTest {
    @Test
    void unsetEndpointMeansTheDefaultAndEmptyMeansNoDelivery() {
        assertThat(TelemetryConfig.from(Map.of(), "1.0").endpoint()).contains(URI.create("https://telemetry.productive-k3s.io/telemetry"));
        assertThat(TelemetryConfig.from(Map.of("TELEMETRY_ENDPOINT", ""), "1.0").endpoint()).isEmpty();
        assertThat(TelemetryConfig.from(Map.of("TELEMETRY_ENDPOINT", "  "), "1.0").endpoint()).isEmpty();
        assertThat(TelemetryConfig.from(Map.of("TELEMETRY_ENDPOINT", "ftp://127.0.0.1/x"), "1.0").endpoint()).isEmpty();
        assertThat(TelemetryConfig.from(Map.of("TELEMETRY_ENDPOINT", "not a url"), "1.0").endpoint()).isEmpty();
        assertThat(TelemetryConfig.from(Map.of("TELEMETRY_ENDPOINT", "HTTP://127.0.0.1:9/t"), "1.0").endpoint())
                .contains(URI.create("HTTP://127.0.0.1:9/t"));
    }

    @Test
    void defaultsForHeadersAttemptsAndTimeouts() {
        TelemetryConfig config = TelemetryConfig.from(Map.of(), "0.9.65");
        assertThat(config.marker()).isEqualTo("pk3s-public-v1");
        assertThat(config.userAgent()).isEqualTo("productive-k3s-infra/0.9.65");
        assertThat(config.bearerToken()).isEmpty();
        assertThat(config.maxAttempts()).isEqualTo(3);
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.exitBudget()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void attemptsAreTotalAttemptsBetweenOneAndTen() {
        assertThat(attempts("5")).isEqualTo(5);
        assertThat(attempts("1")).isEqualTo(1);
        assertThat(attempts("0")).isEqualTo(3);
        assertThat(attempts("-2")).isEqualTo(3);
        assertThat(attempts("two")).isEqualTo(3);
        assertThat(attempts("")).isEqualTo(3);
        assertThat(attempts("11")).isEqualTo(10);
        assertThat(attempts("99999999999")).isEqualTo(3);
    }

    @Test
    void invalidTimeoutsFallBackToDefaults() {
        Map<String, String> env = new HashMap<>();
        env.put("TELEMETRY_CONNECT_TIMEOUT_SECONDS", "0");
        env.put("TELEMETRY_REQUEST_TIMEOUT_SECONDS", "2.5");
        TelemetryConfig config = TelemetryConfig.from(env, "v");
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        env.put("TELEMETRY_REQUEST_TIMEOUT_SECONDS", "2");
        assertThat(TelemetryConfig.from(env, "v").exitBudget()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void textFormsNeverShowTheTokenOrUserInfo() {
        TelemetryConfig config = TelemetryConfig.from(Map.of("TELEMETRY_BEARER_TOKEN", "tok-123456",
                "TELEMETRY_ENDPOINT", "https://user:pw@127.0.0.1:8443/t?k=v", "TELEMETRY_MARKER", "m"), "v");
        assertThat(config.toString()).doesNotContain("tok-123456", "pw", "k=v").contains("bearer=****", "127.0.0.1:8443/t");
        assertThat(config.endpointNote()).isEqualTo("https://127.0.0.1:8443/t");
        assertThat(config.marker()).isEqualTo("m");
        assertThat(config.endpoint()).isEqualTo(Optional.of(URI.create("https://user:pw@127.0.0.1:8443/t?k=v")));
    }

    private static int attempts(String value) {
        return TelemetryConfig.from(Map.of("TELEMETRY_MAX_RETRIES", value), "v").maxAttempts();
    }
}
