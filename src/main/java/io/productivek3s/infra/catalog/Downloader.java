package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;

/**
 * HTTP(S) GETs with {@link HttpClient}: redirects followed except from https to http, a bound on the time to the
 * first response and on a stalled body, a size limit, and every failure reported as one line naming the host,
 * what happened and what to try (exit 3; over-size exit 4).
 */
public final class Downloader {
    private final String userAgent;
    private final Progress.Factory progress;
    private final Timeouts timeouts;
    private HttpClient client;

    /** Validators of a cached copy for a conditional GET; both may be null. */
    public record Validators(String etag, String lastModified) {
        public static final Validators NONE = new Validators(null, null);
    }

    /** Outcome of {@link #download}: either not modified (304) or the body's digest, size and validators. */
    public record Transfer(boolean notModified, String sha256, long size, Validators validators) {
    }

    /** How long to wait for a connection, for the first response, and for a stalled body to move again. */
    record Timeouts(Duration connect, Duration response, Duration stall) {
        static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(60));
    }

    public Downloader(String userAgent, Progress.Factory progress) {
        this(userAgent, progress, Timeouts.DEFAULT);
    }

    Downloader(String userAgent, Progress.Factory progress, Timeouts timeouts) {
        this.userAgent = userAgent;
        this.progress = progress;
        this.timeouts = timeouts;
    }

    /**
     * A small document (checksum file, release metadata) read into memory.
     *
     * @return empty when {@code allowMissing} and the server answered 404 or 410
     */
    public Optional<byte[]> fetchSmall(URI uri, long maxBytes, boolean allowMissing, Map<String, String> headers) {
        HttpRequest.Builder request = request(uri, headers);
        HttpResponse<InputStream> response = send(uri, request.build());
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (allowMissing && (status == 404 || status == 410)) {
                return Optional.empty();
            }
            if (status != 200) {
                throw httpFailure(uri, status);
            }
            byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                throw tooLarge(uri, maxBytes);
            }
            return Optional.of(bytes);
        } catch (IOException e) {
            throw interrupted(uri, oneLine(e));
        }
    }

    /**
     * The digest a server publishes beside a file as {@code <url>.sha256} (sha256sum format), when it does: the
     * convention of versioned catalogs and release assets. A 404/410 means none; other failures stop the caller.
     */
    public Optional<String> publishedSha256(URI uri) {
        URI sidecar = sidecar(uri, ".sha256");
        return fetchSmall(sidecar, 64 * 1024, true, Map.of()).map(bytes -> Sha256Line.parseFile(bytes, shown(sidecar)));
    }

    /** The file a server publishes beside {@code uri}: its path plus {@code suffix}, the query kept (a signed URL). */
    public static URI sidecar(URI uri, String suffix) {
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath() + suffix + query);
    }

    /**
     * Streams the body of {@code uri} into {@code target} (which must not exist), hashing it on the way, and
     * forces it to disk. With validators, a 304 answer leaves {@code target} absent and reports not-modified.
     * On any failure a {@code target} this call created is deleted.
     */
    public Transfer download(URI uri, Validators validators, Path target, long maxBytes) {
        return download(uri, validators, target, maxBytes, false).orElseThrow();
    }

    /**
     * {@link #download}, but a 404 or 410 is an answer, not a failure: empty when {@code allowMissing} and the server
     * has no such file (an optional file such as a signature beside a package).
     */
    public Optional<Transfer> download(URI uri, Validators validators, Path target, long maxBytes, boolean allowMissing) {
        HttpRequest.Builder request = request(uri, Map.of());
        if (validators.etag() != null) {
            request.header("If-None-Match", validators.etag());
        }
        if (validators.lastModified() != null) {
            request.header("If-Modified-Since", validators.lastModified());
        }
        HttpResponse<InputStream> response = send(uri, request.build());
        if (allowMissing && (response.statusCode() == 404 || response.statusCode() == 410)) {
            closeQuietly(response.body());
            return Optional.empty();
        }
        return Optional.of(receive(uri, response, target, maxBytes));
    }

    private Transfer receive(URI uri, HttpResponse<InputStream> response, Path target, long maxBytes) {
        InputStream body = response.body();
        int status = response.statusCode();
        if (status == 304) {
            closeQuietly(body);
            return new Transfer(true, null, 0, Validators.NONE);
        }
        if (status != 200) {
            closeQuietly(body);
            throw httpFailure(uri, status);
        }
        long announced = response.headers().firstValueAsLong("content-length").orElse(-1);
        if (announced > maxBytes) {
            closeQuietly(body);
            throw tooLarge(uri, maxBytes);
        }
        Validators received = new Validators(response.headers().firstValue("etag").orElse(null),
                response.headers().firstValue("last-modified").orElse(null));
        MessageDigest digest = Digests.newDigest();
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "download-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(10, Math.min(1000, timeouts.stall().toMillis() / 4));
        // Closing the body unblocks a read that waits for bytes that never come.
        watchdog.scheduleAtFixedRate(() -> {
            if (System.nanoTime() - lastProgress.get() > timeouts.stall().toNanos()) {
                stalled.set(true);
                closeQuietly(body);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        FileChannel channel;
        try {
            channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (IOException e) {
            watchdog.shutdownNow();
            closeQuietly(body);
            throw new UncheckedIOException("could not create download file " + target, e);
        }
        Progress bar = progress.start(fileName(uri), announced);
        long size = 0;
        boolean complete = false;
        try (body; channel; OutputStream out = Channels.newOutputStream(channel)) {
            byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = body.read(buffer)) >= 0) {
                if (stalled.get()) {
                    break;
                }
                lastProgress.set(System.nanoTime());
                size += n;
                if (size > maxBytes) {
                    throw tooLarge(uri, maxBytes);
                }
                digest.update(buffer, 0, n);
                out.write(buffer, 0, n);
                bar.update(size);
            }
            if (stalled.get()) {
                throw failure(uri, "the transfer from " + hostPort(uri) + " stalled for " + timeouts.stall().toSeconds()
                        + " s after " + size + " bytes; try again");
            }
            if (announced >= 0 && size != announced) {
                throw failure(uri, "the transfer from " + hostPort(uri) + " ended after " + size + " of " + announced
                        + " bytes; try again");
            }
            channel.force(true);
            complete = true;
        } catch (IOException e) {
            if (stalled.get()) {
                throw failure(uri, "the transfer from " + hostPort(uri) + " stalled for " + timeouts.stall().toSeconds()
                        + " s after " + size + " bytes; try again");
            }
            throw interrupted(uri, size + " bytes received, " + oneLine(e));
        } finally {
            watchdog.shutdownNow();
            bar.finish();
            if (!complete) {
                deleteQuietly(target);
            }
        }
        return new Transfer(false, HexFormat.of().formatHex(digest.digest()), size, received);
    }

    private HttpRequest.Builder request(URI uri, Map<String, String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).GET().timeout(timeouts.response())
                .header("User-Agent", userAgent);
        headers.forEach(builder::header);
        return builder;
    }

    /** Built on first use: runs that read only local files or the cache never start the client's threads. */
    private HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .connectTimeout(timeouts.connect())
                    .build();
        }
        return client;
    }

    private HttpResponse<InputStream> send(URI uri, HttpRequest request) {
        try {
            return client().send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw failure(uri, "could not connect to " + hostPort(uri) + " within " + timeouts.connect().toSeconds()
                    + " s; check the network or proxy, or use --offline with a cached copy");
        } catch (HttpTimeoutException e) {
            throw failure(uri, hostPort(uri) + " did not answer within " + timeouts.response().toSeconds()
                    + " s; try again later, or use --offline with a cached copy");
        } catch (IOException e) {
            throw connectionFailure(uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.runtime("download of " + shown(uri) + " was interrupted");
        } catch (IllegalArgumentException e) {
            throw EngineException.invalid("not a downloadable URL: " + shown(uri));
        }
    }

    private static EngineException connectionFailure(URI uri, IOException e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return failure(uri, "unknown host " + uri.getHost() + "; check the URL and DNS, or use --offline with a cached copy");
            }
            if (cause instanceof SSLException) {
                return failure(uri, "TLS with " + hostPort(uri) + " failed (" + oneLine(cause)
                        + "); check the system trust store or the proxy");
            }
            if (cause instanceof ConnectException) {
                return failure(uri, "connection to " + hostPort(uri) + " refused or unreachable; check the URL, the network or "
                        + "proxy, or use --offline with a cached copy");
            }
        }
        return interrupted(uri, oneLine(e));
    }

    private static EngineException httpFailure(URI uri, int status) {
        String hint;
        if (status == 401 || status == 403) {
            hint = "access denied; check that the artifact is public or that you were granted access";
        } else if (status == 404 || status == 410) {
            hint = "check the URL, the catalog entry or PK3S_CATALOG_URLS";
        } else if (status == 429) {
            hint = "rate limited; try again later";
        } else if (status >= 500) {
            hint = "server error; try again later, or use --offline with a cached copy";
        } else {
            hint = "unexpected answer; check the URL";
        }
        return failure(uri, hostPort(uri) + " answered HTTP " + status + "; " + hint);
    }

    private static EngineException interrupted(URI uri, String detail) {
        return failure(uri, "the transfer from " + hostPort(uri) + " failed (" + detail + "); try again");
    }

    private static EngineException tooLarge(URI uri, long maxBytes) {
        return EngineException.invalid("could not download " + shown(uri) + ": larger than " + maxBytes
                + " bytes (raise PK3S_INFRA_MAX_PACKAGE_BYTES if this is expected)");
    }

    private static EngineException failure(URI uri, String detail) {
        return EngineException.missing("could not download " + shown(uri) + ": " + detail);
    }

    /** A URL as shown in messages: no user info, no query (either may carry credentials). */
    public static String shown(URI uri) {
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme() + "://" + hostPort(uri) + path;
    }

    private static String fileName(URI uri) {
        String path = uri.getPath() == null ? "" : uri.getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.isEmpty() ? hostPort(uri) : name;
    }

    static String hostPort(URI uri) {
        return uri.getPort() < 0 ? String.valueOf(uri.getHost()) : uri.getHost() + ":" + uri.getPort();
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage();
        return (message == null || message.isBlank() ? e.getClass().getSimpleName() : message).replaceAll("\\s+", " ").trim();
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // the stream is being abandoned
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: the caller's cleanup removes the whole temp area too
        }
    }
}
