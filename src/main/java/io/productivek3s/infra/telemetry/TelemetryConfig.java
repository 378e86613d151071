package io.productivek3s.infra.telemetry;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Delivery settings of the engine's own events (docs/telemetry.md#delivery), read from the engine's process environment only:
 * a package's {@code profile.env} passes telemetry variables through to children but never redirects the engine's
 * events. {@link #toString} never shows the bearer token.
 *
 * @param endpoint     where to POST; empty when delivery is off (set-but-empty or non-http(s) endpoint)
 * @param endpointNote why delivery is off, or the endpoint without user info, query or fragment (for DEBUG lines)
 * @param maxAttempts  total attempts per event, 1..10
 */
public record TelemetryConfig(Optional<URI> endpoint, String endpointNote, String marker, String bearerToken,
        String userAgent, int maxAttempts, Duration connectTimeout, Duration requestTimeout) {
    public static final String DEFAULT_ENDPOINT = "https://telemetry.productive-k3s.io/telemetry";
    public static final String DEFAULT_MARKER = "pk3s-public-v1";
    static final int DEFAULT_ATTEMPTS = 3;
    static final int MAX_ATTEMPTS = 10;
    static final int DEFAULT_CONNECT_SECONDS = 5;
    static final int DEFAULT_REQUEST_SECONDS = 10;
    /** Extra wait after the action beyond one request timeout (docs/telemetry.md#delivery budget). */
    static final Duration BUDGET_SLACK = Duration.ofSeconds(5);

    public static TelemetryConfig from(Map<String, String> env, String engineVersion) {
        String raw = env.get("TELEMETRY_ENDPOINT");
        Optional<URI> endpoint;
        String note;
        if (raw == null) {
            endpoint = Optional.of(URI.create(DEFAULT_ENDPOINT));
            note = DEFAULT_ENDPOINT + " (default)";
        } else if (raw.isBlank()) {
            endpoint = Optional.empty();
            note = "none: TELEMETRY_ENDPOINT is empty";
        } else {
            endpoint = httpUri(raw.trim());
            note = endpoint.map(TelemetryConfig::display).orElse("none: TELEMETRY_ENDPOINT is not an http(s) URL");
        }
        String attemptsRaw = env.getOrDefault("TELEMETRY_MAX_RETRIES", "");
        int attempts = Math.min(positive(attemptsRaw, DEFAULT_ATTEMPTS), MAX_ATTEMPTS);
        return new TelemetryConfig(endpoint, note,
                nonEmpty(env.get("TELEMETRY_MARKER"), DEFAULT_MARKER),
                env.getOrDefault("TELEMETRY_BEARER_TOKEN", ""),
                nonEmpty(env.get("TELEMETRY_USER_AGENT"), "productive-k3s-infra/" + engineVersion),
                attempts,
                Duration.ofSeconds(positive(env.getOrDefault("TELEMETRY_CONNECT_TIMEOUT_SECONDS", ""), DEFAULT_CONNECT_SECONDS)),
                Duration.ofSeconds(positive(env.getOrDefault("TELEMETRY_REQUEST_TIMEOUT_SECONDS", ""), DEFAULT_REQUEST_SECONDS)));
    }

    /** How long the engine may wait after the action for outstanding deliveries. */
    public Duration exitBudget() {
        return requestTimeout.plus(BUDGET_SLACK);
    }

    @Override
    public String toString() {
        return "TelemetryConfig[endpoint=" + endpointNote + ", marker=" + marker + ", bearer="
                + (bearerToken.isEmpty() ? "none" : "****") + ", userAgent=" + userAgent + ", attempts=" + maxAttempts
                + ", connectTimeout=" + connectTimeout.toSeconds() + "s, requestTimeout=" + requestTimeout.toSeconds() + "s]";
    }

    private static Optional<URI> httpUri(String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (URISyntaxException e) {
            // not a URL: delivery is off, said in the DEBUG note
        }
        return Optional.empty();
    }

    /** scheme://host[:port]/path: user info may hold credentials and is never shown. */
    private static String display(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
    }

    private static String nonEmpty(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }

    private static int positive(String value, int fallback) {
        try {
            int parsed = Integer.parseInt(value.trim());
            return parsed >= 1 ? parsed : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
