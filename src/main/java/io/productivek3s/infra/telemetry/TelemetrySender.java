package io.productivek3s.infra.telemetry;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import javax.net.ssl.SSLException;

/**
 * POSTs event bodies (docs/telemetry.md#delivery): marker, optional bearer and user-agent headers, no redirects, connect and
 * request timeouts, {@code maxAttempts} total attempts with 0.5 s, 1 s, 2 s … (≤ 5 s) between them. Blocking; callers
 * run it on background threads and can stop it early through a latch.
 */
public final class TelemetrySender {
    static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final TelemetryConfig config;
    private final URI endpoint;
    private final Executor executor;
    private HttpClient client;

    /** @param executor runs the HTTP client's work; daemon threads, so a hung request never holds the JVM open */
    public TelemetrySender(TelemetryConfig config, Executor executor) {
        this.config = config;
        this.endpoint = config.endpoint().orElseThrow(() -> new IllegalArgumentException("no telemetry endpoint"));
        this.executor = executor;
    }

    /**
     * Built on first use, on a background thread: creating an HTTP client (TLS context included) takes a few hundred
     * milliseconds of a cold JVM, which must not delay the command itself.
     */
    private synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(config.connectTimeout())
                    .executor(executor)
                    .build();
        }
        return client;
    }

    /**
     * Delivers {@code body}, retrying with backoff. Stops before the next attempt once {@code stop} is released.
     *
     * @param attemptStarted told the number of each attempt as it starts (the outbox records attempts made)
     */
    public DeliveryOutcome send(String body, CountDownLatch stop, IntConsumer attemptStarted) {
        int curlExit = DeliveryOutcome.OTHER;
        int status = 0;
        int attempt = 0;
        while (attempt < config.maxAttempts() && stop.getCount() > 0) {
            if (attempt > 0 && await(stop, backoff(attempt))) {
                break;
            }
            attempt++;
            attemptStarted.accept(attempt);
            try {
                HttpResponse<Void> response = client().send(request(body), HttpResponse.BodyHandlers.discarding());
                status = response.statusCode();
                if (status < 400) {
                    return DeliveryOutcome.delivered(attempt, status);
                }
                curlExit = DeliveryOutcome.HTTP_ERROR;
            } catch (IOException e) {
                status = 0;
                curlExit = curlExit(e);
            } catch (IllegalArgumentException e) {
                // a header value the HTTP client refuses (e.g. a marker with a newline): retrying cannot help
                return new DeliveryOutcome(false, attempt, DeliveryOutcome.OTHER, 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new DeliveryOutcome(false, attempt, curlExit, status);
    }

    /** Pause before attempt {@code made + 1}: 0.5 s doubled per attempt made so far, capped at 5 s. */
    static Duration backoff(int made) {
        long millis = FIRST_BACKOFF.toMillis() << Math.min(made - 1, 10);
        return Duration.ofMillis(Math.min(millis, MAX_BACKOFF.toMillis()));
    }

    private HttpRequest request(String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(config.requestTimeout())
                .header("Content-Type", "application/json")
                .header("X-Productive-K3S-Telemetry", config.marker())
                .header("User-Agent", config.userAgent())
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (!config.bearerToken().isEmpty()) {
            builder.header("Authorization", "Bearer " + config.bearerToken());
        }
        return builder.build();
    }

    /** True when stopped while waiting. */
    private static boolean await(CountDownLatch stop, Duration pause) {
        try {
            return stop.await(pause.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** curl's exit code for the same failure, so outbox records read like the bash engine's. */
    static int curlExit(IOException e) {
        if (e instanceof HttpConnectTimeoutException || e instanceof HttpTimeoutException) {
            return DeliveryOutcome.TIMEOUT;
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                return DeliveryOutcome.RESOLVE;
            }
            if (cause instanceof SSLException) {
                return DeliveryOutcome.TLS;
            }
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException) {
                return DeliveryOutcome.CONNECT;
            }
        }
        return DeliveryOutcome.OTHER;
    }
}
