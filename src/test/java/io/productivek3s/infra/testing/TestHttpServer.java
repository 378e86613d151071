package io.productivek3s.infra.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on 127.0.0.1 (an ephemeral port) for download tests: static documents, error statuses,
 * slow bodies, bodies cut half-way, ETag revalidation, and a count of what was served per path.
 */
public final class TestHttpServer implements AutoCloseable {
    /** How one path answers. */
    public record Response(int status, byte[] body, String etag, long delayPerChunkMillis, int cutAfterBytes,
                           Map<String, String> headers) {
        public static Response ok(byte[] body) {
            return new Response(200, body, null, 0, -1, Map.of());
        }

        public static Response ok(String body) {
            return ok(body.getBytes(StandardCharsets.UTF_8));
        }

        public static Response status(int status) {
            return new Response(status, new byte[0], null, 0, -1, Map.of());
        }

        public Response withEtag(String value) {
            return new Response(status, body, value, delayPerChunkMillis, cutAfterBytes, headers);
        }

        /** Sends the body in 8 KiB chunks with a pause before each (concurrency and progress tests). */
        public Response slow(long millisPerChunk) {
            return new Response(status, body, etag, millisPerChunk, cutAfterBytes, headers);
        }

        /** Announces the full length but closes the connection after {@code bytes}. */
        public Response cutAfter(int bytes) {
            return new Response(status, body, etag, delayPerChunkMillis, bytes, headers);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Response> routes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> bodiesServed = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    public TestHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** {@code http://127.0.0.1:<port>} */
    public String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String url(String path) {
        return base() + path;
    }

    public TestHttpServer route(String path, Response response) {
        routes.put(path, response);
        return this;
    }

    public TestHttpServer remove(String path) {
        routes.remove(path);
        return this;
    }

    /** Number of 200 answers with a body sent for {@code path}. */
    public int bodiesServed(String path) {
        AtomicInteger count = bodiesServed.get(path);
        return count == null ? 0 : count.get();
    }

    /** Every request as {@code METHOD path [If-None-Match]}, in arrival order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** A loopback port where nothing listens (connection refused). */
    public static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String ifNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
        requests.add(exchange.getRequestMethod() + " " + path + (ifNoneMatch == null ? "" : " " + ifNoneMatch));
        Response response = routes.get(path);
        try (exchange) {
            if (response == null) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            response.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            if (response.etag() != null) {
                exchange.getResponseHeaders().add("ETag", response.etag());
                if (response.etag().equals(ifNoneMatch)) {
                    exchange.sendResponseHeaders(304, -1);
                    return;
                }
            }
            if (response.status() != 200) {
                exchange.sendResponseHeaders(response.status(), -1);
                return;
            }
            byte[] body = response.body();
            exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            bodiesServed.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            OutputStream out = exchange.getResponseBody();
            int limit = response.cutAfterBytes() >= 0 ? Math.min(response.cutAfterBytes(), body.length) : body.length;
            for (int offset = 0; offset < limit; offset += 8192) {
                if (response.delayPerChunkMillis() > 0) {
                    Thread.sleep(response.delayPerChunkMillis());
                }
                out.write(body, offset, Math.min(8192, limit - offset));
                out.flush();
            }
            if (limit < body.length) {
                // Drop the connection mid-body: the client must see a short transfer, not a complete file.
                throw new IOException("cut after " + limit + " bytes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
