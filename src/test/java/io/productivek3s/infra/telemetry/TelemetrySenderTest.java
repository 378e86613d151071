package io.productivek3s.infra.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.TelemetryServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TelemetrySenderTest {
    private final ExecutorService executor = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    @Test
    void postsTheBodyWithContractHeaders() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.ACCEPT)) {
            DeliveryOutcome outcome = sender(server.url(), "tok-abcdef", 3, Duration.ofSeconds(5)).send("{\"a\":\"é\"}", new CountDownLatch(1), n -> { });
            assertThat(outcome).isEqualTo(DeliveryOutcome.delivered(1, 202));
            TelemetryServer.Request request = server.requests().get(0);
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.path()).isEqualTo("/telemetry");
            assertThat(request.body()).isEqualTo("{\"a\":\"é\"}");
            assertThat(request.header("content-type")).isEqualTo("application/json");
            assertThat(request.header("x-productive-k3s-telemetry")).isEqualTo("marker-1");
            assertThat(request.header("authorization")).isEqualTo("Bearer tok-abcdef");
            assertThat(request.header("user-agent")).isEqualTo("productive-k3s-infra/test");
        }
    }

    @Test
    void noAuthorizationHeaderWithoutAToken() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.ACCEPT)) {
            assertThat(sender(server.url(), "", 1, Duration.ofSeconds(5)).send("{}", new CountDownLatch(1), n -> { }).delivered()).isTrue();
            assertThat(server.requests().get(0).headers()).doesNotContainKey("authorization");
        }
    }

    @Test
    void serverErrorsAreRetriedWithBackoffUpToTheAttemptLimit() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.FAIL_500)) {
            List<Integer> attempts = new ArrayList<>();
            long start = System.nanoTime();
            DeliveryOutcome outcome = sender(server.url(), "", 3, Duration.ofSeconds(5)).send("{}", new CountDownLatch(1), attempts::add);
            long elapsedMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertThat(outcome).isEqualTo(new DeliveryOutcome(false, 3, DeliveryOutcome.HTTP_ERROR, 500));
            assertThat(attempts).containsExactly(1, 2, 3);
            assertThat(server.requests()).hasSize(3);
            assertThat(elapsedMs).as("0.5 s + 1 s of backoff").isBetween(1400L, 5000L);
        }
    }

    @Test
    void redirectsAreNotFollowedAndCountAsDelivered() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.REDIRECT)) {
            assertThat(sender(server.url(), "", 3, Duration.ofSeconds(5)).send("{}", new CountDownLatch(1), n -> { }))
                    .isEqualTo(DeliveryOutcome.delivered(1, 302));
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void refusedConnectionsAreCurlExit7() throws Exception {
        DeliveryOutcome outcome = sender(TelemetryServer.refusingUrl(), "", 2, Duration.ofSeconds(5)).send("{}", new CountDownLatch(1), n -> { });
        assertThat(outcome).isEqualTo(new DeliveryOutcome(false, 2, DeliveryOutcome.CONNECT, 0));
    }

    @Test
    void aHangingEndpointTimesOutPerAttempt() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.HANG)) {
            long start = System.nanoTime();
            DeliveryOutcome outcome = sender(server.url(), "", 1, Duration.ofMillis(300)).send("{}", new CountDownLatch(1), n -> { });
            assertThat(outcome).isEqualTo(new DeliveryOutcome(false, 1, DeliveryOutcome.TIMEOUT, 0));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void aReleasedStopLatchEndsTheRetriesAtTheNextPause() throws Exception {
        try (TelemetryServer server = new TelemetryServer(TelemetryServer.Mode.FAIL_500)) {
            CountDownLatch stop = new CountDownLatch(1);
            DeliveryOutcome outcome = sender(server.url(), "", 10, Duration.ofSeconds(5)).send("{}", stop, n -> stop.countDown());
            assertThat(outcome.attempts()).isEqualTo(1);
            assertThat(outcome.delivered()).isFalse();
        }
    }

    @Test
    void backoffDoublesFromHalfASecondAndIsCappedAtFive() {
        assertThat(TelemetrySender.backoff(1)).isEqualTo(Duration.ofMillis(500));
        assertThat(TelemetrySender.backoff(2)).isEqualTo(Duration.ofSeconds(1));
        assertThat(TelemetrySender.backoff(3)).isEqualTo(Duration.ofSeconds(2));
        assertThat(TelemetrySender.backoff(4)).isEqualTo(Duration.ofSeconds(4));
        assertThat(TelemetrySender.backoff(5)).isEqualTo(Duration.ofSeconds(5));
        assertThat(TelemetrySender.backoff(9)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void failuresMapToCurlExitCodes() {
        assertThat(TelemetrySender.curlExit(new HttpConnectTimeoutException("t"))).isEqualTo(28);
        assertThat(TelemetrySender.curlExit(new HttpTimeoutException("t"))).isEqualTo(28);
        assertThat(TelemetrySender.curlExit(new ConnectException("c"))).isEqualTo(7);
        assertThat(TelemetrySender.curlExit(new IOException(new UnknownHostException("h")))).isEqualTo(6);
        ConnectException unresolved = new ConnectException();
        unresolved.initCause(new java.nio.channels.UnresolvedAddressException());
        assertThat(TelemetrySender.curlExit(unresolved)).isEqualTo(6);
        assertThat(TelemetrySender.curlExit(new SSLHandshakeException("tls"))).isEqualTo(35);
        assertThat(TelemetrySender.curlExit(new IOException("other"))).isEqualTo(1);
    }

    private TelemetrySender sender(String url, String token, int attempts, Duration requestTimeout) {
        TelemetryConfig config = new TelemetryConfig(Optional.of(URI.create(url)), url, "marker-1", token, "productive-k3s-infra/test",
                attempts, Duration.ofSeconds(2), requestTimeout);
        return new TelemetrySender(config, executor);
    }
}
