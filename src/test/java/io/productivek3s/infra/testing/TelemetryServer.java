package io.productivek3s.infra.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A telemetry receiver on 127.0.0.1 for tests: records every request (headers in lower case, body) and answers
 * with a configurable status, or hangs without answering until closed. Nothing ever leaves the machine.
 */
public final class TelemetryServer implements AutoCloseable {
    /** How the server answers. */
    public enum Mode { ACCEPT, FAIL_500, HANG, REDIRECT }

    /** One received request. */
    public record Request(String method, String path, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "telemetry-server");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Mode mode;

    public TelemetryServer(Mode mode) throws IOException {
        this.mode = mode;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    /** {@code http://127.0.0.1:<port>/telemetry}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/telemetry";
    }

    /** Every request so far, in arrival order (also those still hanging). */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** A loopback URL where nothing listens: connections are refused. */
    public static String refusingUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort() + "/telemetry";
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), headers,
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            switch (mode) {
                case HANG -> {
                    try {
                        closed.await(5, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                case FAIL_500 -> exchange.sendResponseHeaders(500, -1);
                case REDIRECT -> {
                    exchange.getResponseHeaders().add("Location", "http://127.0.0.1:1/elsewhere");
                    exchange.sendResponseHeaders(302, -1);
                }
                default -> exchange.sendResponseHeaders(202, -1);
            }
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
