package io.productivek3s.infra.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.testing.TestHttpServer.Response;
import io.productivek3s.infra.util.Digests;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads against a real HTTP server on 127.0.0.1. */
class DownloaderTest {
    @TempDir
    Path tmp;

    private TestHttpServer server;
    private final Downloader downloader = new Downloader("test", Progress.Factory.NONE);
    private final byte[] payload = new byte[200_000];

    @BeforeEach
    void start() throws Exception {
        new Random(7).nextBytes(payload);
        server = new TestHttpServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private URI uri(String path) {
        return URI.create(server.url(path));
    }

    @Test
    void downloadsHashesAndKeepsValidators() {
        server.route("/a.tgz", Response.ok(payload).withEtag("\"v1\""));
        Path target = tmp.resolve("a.part");
        Downloader.Transfer transfer = downloader.download(uri("/a.tgz"), Downloader.Validators.NONE, target, 1 << 20);
        assertThat(transfer.notModified()).isFalse();
        assertThat(transfer.sha256()).isEqualTo(Digests.sha256(payload));
        assertThat(transfer.size()).isEqualTo(payload.length);
        assertThat(transfer.validators().etag()).isEqualTo("\"v1\"");
        assertThat(target).hasBinaryContent(payload);

        Path again = tmp.resolve("b.part");
        assertThat(downloader.download(uri("/a.tgz"), new Downloader.Validators("\"v1\"", null), again, 1 << 20).notModified()).isTrue();
        assertThat(again).doesNotExist();
    }

    @Test
    void httpErrorsNameHostStatusAndWhatToTry() {
        Path target = tmp.resolve("x.part");
        assertThatThrownBy(() -> downloader.download(uri("/missing.tgz"), Downloader.Validators.NONE, target, 1 << 20))
                .isInstanceOf(EngineException.class)
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3))
                .hasMessage("could not download " + server.url("/missing.tgz") + ": 127.0.0.1:" + uri("/").getPort()
                        + " answered HTTP 404; check the URL, the catalog entry or PK3S_CATALOG_URLS");
        server.route("/boom", Response.status(503));
        assertThatThrownBy(() -> downloader.download(uri("/boom"), Downloader.Validators.NONE, target, 1 << 20))
                .hasMessageContaining("answered HTTP 503; server error; try again later");
        assertThat(target).doesNotExist();
    }

    @Test
    void connectionRefusedIsOneLineExit3() throws Exception {
        int port = TestHttpServer.closedPort();
        URI closed = URI.create("http://127.0.0.1:" + port + "/a.tgz");
        assertThatThrownBy(() -> downloader.download(closed, Downloader.Validators.NONE, tmp.resolve("x"), 100))
                .isInstanceOf(EngineException.class)
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3))
                .hasMessage("could not download http://127.0.0.1:" + port + "/a.tgz: connection to 127.0.0.1:" + port
                        + " refused or unreachable; check the URL, the network or proxy, or use --offline with a cached copy");
    }

    @Test
    void aTransferCutHalfWayFailsAndLeavesNoFile() {
        server.route("/cut.tgz", Response.ok(payload).cutAfter(payload.length / 2));
        Path target = tmp.resolve("cut.part");
        assertThatThrownBy(() -> downloader.download(uri("/cut.tgz"), Downloader.Validators.NONE, target, 1 << 20))
                .isInstanceOf(EngineException.class)
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3))
                .hasMessageStartingWith("could not download " + server.url("/cut.tgz") + ": the transfer from 127.0.0.1:")
                .hasMessageEndingWith("; try again");
        assertThat(target).doesNotExist();
    }

    @Test
    void aStalledTransferIsAbandoned() {
        Downloader impatient = new Downloader("test", Progress.Factory.NONE,
                new Downloader.Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(300)));
        server.route("/slow.tgz", Response.ok(payload).slow(2_000));
        Path target = tmp.resolve("slow.part");
        assertThatThrownBy(() -> impatient.download(uri("/slow.tgz"), Downloader.Validators.NONE, target, 1 << 20))
                .hasMessageContaining("stalled for 0 s after");
        assertThat(target).doesNotExist();
    }

    @Test
    void oversizedDownloadsAreRefusedWithExit4() {
        server.route("/big.tgz", Response.ok(payload));
        Path target = tmp.resolve("big.part");
        assertThatThrownBy(() -> downloader.download(uri("/big.tgz"), Downloader.Validators.NONE, target, 1000))
                .isInstanceOf(EngineException.class)
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4))
                .hasMessageContaining("larger than 1000 bytes");
        assertThat(target).doesNotExist();
    }

    @Test
    void smallDocumentsMayBeAbsent() {
        server.route("/sum", Response.ok("abc"));
        assertThat(downloader.fetchSmall(uri("/sum"), 10, true, Map.of())).hasValueSatisfying(b -> assertThat(b).hasSize(3));
        assertThat(downloader.fetchSmall(uri("/nope"), 10, true, Map.of())).isEmpty();
        assertThatThrownBy(() -> downloader.fetchSmall(uri("/nope"), 10, false, Map.of())).hasMessageContaining("HTTP 404");
        assertThatThrownBy(() -> downloader.fetchSmall(uri("/sum"), 2, false, Map.of())).hasMessageContaining("larger than 2 bytes");
    }

    @Test
    void shownUrlsCarryNoCredentials() {
        assertThat(Downloader.shown(URI.create("https://user:secret@example.test:8443/x/a.tgz?token=abc")))
                .isEqualTo("https://example.test:8443/x/a.tgz");
    }

    @Test
    void neverWritesOverAnExistingFile() throws Exception {
        server.route("/a.tgz", Response.ok(payload));
        Path existing = Files.writeString(tmp.resolve("exists"), "keep");
        assertThatThrownBy(() -> downloader.download(uri("/a.tgz"), Downloader.Validators.NONE, existing, 1 << 20))
                .isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(existing).hasContent("keep");
    }
}
