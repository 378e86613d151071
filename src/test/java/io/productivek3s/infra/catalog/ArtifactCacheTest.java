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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The content cache against a real HTTP server on 127.0.0.1. */
class ArtifactCacheTest {
    @TempDir
    Path home;

    private TestHttpServer server;
    private final byte[] body = "profile archive bytes".getBytes();
    private final String digest = Digests.sha256(body);

    @BeforeEach
    void start() throws Exception {
        server = new TestHttpServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ArtifactCache cache(boolean offline) {
        return new ArtifactCache(CacheDir.from(Map.of("HOME", home.toString())),
                new Downloader("test", Progress.Factory.NONE), offline, message -> { }, Clock.systemUTC());
    }

    private ArtifactCache.Request request(String path, String sha256) {
        return new ArtifactCache.Request(URI.create(server.url(path)), Optional.ofNullable(sha256), "demo", 1 << 20);
    }

    private Path artifacts() {
        return home.resolve(".cache/pk3s/artifacts");
    }

    @Test
    void downloadsOnceWhenTheDigestIsKnownAndReusesTheVerifiedCopy() throws Exception {
        server.route("/demo-1.0.0.tgz", Response.ok(body));
        ArtifactCache.Cached first = cache(false).fetch(request("/demo-1.0.0.tgz", digest));
        assertThat(first.downloaded()).isTrue();
        assertThat(first.verified()).isTrue();
        assertThat(first.file().getFileName()).hasToString("demo-1.0.0.tgz");
        assertThat(first.file()).hasBinaryContent(body);
        assertThat(first.file().getParent().getParent()).isEqualTo(artifacts());
        assertThat(Files.getPosixFilePermissions(artifacts())).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(first.file().getParent())).isEqualTo(PosixFilePermissions.fromString("rwx------"));

        ArtifactCache.Cached second = cache(false).fetch(request("/demo-1.0.0.tgz", digest));
        assertThat(second.downloaded()).isFalse();
        assertThat(second.file()).isEqualTo(first.file());
        assertThat(server.bodiesServed("/demo-1.0.0.tgz")).isEqualTo(1);
        assertThat(cache(true).fetch(request("/demo-1.0.0.tgz", digest)).file()).isEqualTo(first.file());
    }

    @Test
    void aMismatchIsExit4NamingBothDigestsAndNothingIsKept() throws Exception {
        server.route("/demo.tgz", Response.ok(body));
        String expected = "0".repeat(64);
        assertThatThrownBy(() -> cache(false).fetch(request("/demo.tgz", expected)))
                .isInstanceOf(EngineException.class)
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4))
                .hasMessage("artifact checksum mismatch for demo: expected " + expected + ", got " + digest);
        assertThat(nonLockFiles()).isEmpty();
        assertThatThrownBy(() -> cache(true).fetch(request("/demo.tgz", expected))).hasMessageStartingWith("demo is not in the cache");
    }

    @Test
    void withoutADigestTheCopyIsRevalidatedWithItsEtag() {
        server.route("/plain.tgz", Response.ok(body).withEtag("\"e1\""));
        assertThat(cache(false).fetch(request("/plain.tgz", null)).verified()).isFalse();
        ArtifactCache.Cached again = cache(false).fetch(request("/plain.tgz", null));
        assertThat(again.downloaded()).isFalse();
        assertThat(again.sha256()).isEqualTo(digest);
        assertThat(server.requests()).containsExactly("GET /plain.tgz", "GET /plain.tgz \"e1\"");
        assertThat(server.bodiesServed("/plain.tgz")).isEqualTo(1);

        byte[] changed = "new bytes".getBytes();
        server.route("/plain.tgz", Response.ok(changed).withEtag("\"e2\""));
        assertThat(cache(false).fetch(request("/plain.tgz", null)).file()).hasBinaryContent(changed);
    }

    @Test
    void offlineUsesOnlyTheCache() {
        assertThatThrownBy(() -> cache(true).fetch(request("/never.tgz", digest)))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3))
                .hasMessage("demo is not in the cache and --offline forbids downloading " + server.url("/never.tgz")
                        + "; run the command once without --offline");
        assertThat(server.requests()).isEmpty();
        server.route("/plain.tgz", Response.ok(body));
        cache(false).fetch(request("/plain.tgz", null));
        assertThat(cache(true).fetch(request("/plain.tgz", null)).downloaded()).isFalse();
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void aDamagedCopyIsNeverUsed() throws Exception {
        server.route("/demo.tgz", Response.ok(body));
        Path file = cache(false).fetch(request("/demo.tgz", digest)).file();
        Files.writeString(file, "tampered");
        assertThatThrownBy(() -> cache(true).fetch(request("/demo.tgz", digest))).hasMessageStartingWith("demo is not in the cache");
        ArtifactCache.Cached repaired = cache(false).fetch(request("/demo.tgz", digest));
        assertThat(repaired.downloaded()).isTrue();
        assertThat(repaired.file()).hasBinaryContent(body);
    }

    @Test
    void aChangedCatalogDigestFetchesTheNewArtifact() {
        server.route("/demo.tgz", Response.ok(body));
        cache(false).fetch(request("/demo.tgz", digest));
        byte[] rebuilt = "rebuilt".getBytes();
        server.route("/demo.tgz", Response.ok(rebuilt));
        assertThatThrownBy(() -> cache(true).fetch(request("/demo.tgz", Digests.sha256(rebuilt))))
                .hasMessage("artifact checksum mismatch for demo: expected " + Digests.sha256(rebuilt) + ", got " + digest);
        assertThat(cache(false).fetch(request("/demo.tgz", Digests.sha256(rebuilt))).file()).hasBinaryContent(rebuilt);
    }

    @Test
    void interruptedDownloadsLeaveNoPartAndStaleOnesAreCleared() throws Exception {
        byte[] big = new byte[100_000];
        server.route("/cut.tgz", Response.ok(big).cutAfter(50_000));
        assertThatThrownBy(() -> cache(false).fetch(request("/cut.tgz", null))).hasMessageContaining("try again");
        assertThat(nonLockFiles()).isEmpty();

        String key = Digests.sha256(server.url("/cut.tgz").getBytes());
        Path stale = Files.writeString(artifacts().resolve("." + key + "-dead.part"), "half");
        server.route("/cut.tgz", Response.ok(big));
        cache(false).fetch(request("/cut.tgz", null));
        assertThat(stale).doesNotExist();
    }

    @Test
    void aSharedCacheDirectoryIsRefused() throws Exception {
        Path area = Files.createDirectories(artifacts());
        Files.setPosixFilePermissions(area, PosixFilePermissions.fromString("rwxrwxrwx"));
        server.route("/demo.tgz", Response.ok(body));
        assertThatThrownBy(() -> cache(false).fetch(request("/demo.tgz", digest)))
                .hasMessage("unsafe cache directory (not a private directory of the current user): " + area);
    }

    @Test
    void cacheRootFollowsXdgThenHome() {
        assertThat(CacheDir.from(Map.of("XDG_CACHE_HOME", "/x/cache", "HOME", "/h")).root()).isEqualTo(Path.of("/x/cache/pk3s"));
        assertThat(CacheDir.from(Map.of("XDG_CACHE_HOME", "relative", "HOME", "/h")).root()).isEqualTo(Path.of("/h/.cache/pk3s"));
        assertThat(ArtifactCache.fileName(URI.create("https://h/a/b/profile%20x.tgz?x=1"))).isEqualTo("profile_x.tgz");
        assertThat(ArtifactCache.fileName(URI.create("https://h/"))).isEqualTo("artifact");
        assertThat(ArtifactCache.fileName(URI.create("https://h/.hidden"))).isEqualTo("artifact.hidden");
    }

    private java.util.List<Path> nonLockFiles() throws Exception {
        try (Stream<Path> files = Files.walk(artifacts())) {
            return files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".lock")).toList();
        }
    }
}
