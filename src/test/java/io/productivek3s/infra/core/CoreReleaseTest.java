package io.productivek3s.infra.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.catalog.ArtifactCache;
import io.productivek3s.infra.catalog.CacheDir;
import io.productivek3s.infra.catalog.Downloader;
import io.productivek3s.infra.catalog.Progress;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.sign.SignaturePolicy;
import io.productivek3s.infra.sign.SignatureVerifier;
import io.productivek3s.infra.testing.CoreReleaseFixture;
import io.productivek3s.infra.testing.TarBuilder;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.testing.TestHttpServer.Response;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Core bundle contract (docs/contract/core.md#core-bundle-contract) against GitHub-shaped release metadata on 127.0.0.1. */
class CoreReleaseTest {
    @TempDir
    Path home;

    private TestHttpServer server;

    @BeforeEach
    void start() throws Exception {
        server = new TestHttpServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private CoreRelease release(boolean offline) {
        CacheDir cacheDir = CacheDir.from(Map.of("HOME", home.toString()));
        ArtifactCache cache = new ArtifactCache(cacheDir, new Downloader("test", Progress.Factory.NONE), offline, m -> { }, Clock.systemUTC());
        return new CoreRelease(cacheDir, cache, URI.create(server.base()), CoreReleaseFixture.REPO, ExtractionLimits.defaults(),
                m -> { }, Clock.systemUTC(), new SignatureVerifier(SignaturePolicy.AUTO, Optional.empty(), Clock.systemUTC(),
                ZoneId.systemDefault()), m -> { });
    }

    private Path coreArea() {
        return home.resolve(".cache/pk3s/core");
    }

    @Test
    void fetchesVerifiesAndUnpacksOnceIntoAUsableCheckout() throws Exception {
        byte[] archive = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", null));
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", archive, null);
        CoreRelease.Fetched fetched = release(false).fetch("0.9.6");
        assertThat(fetched.alreadyCached()).isFalse();
        CoreBundle bundle = fetched.bundle();
        assertThat(bundle.path()).isEqualTo(coreArea().resolve("0.9.6/productive-k3s-core-0.9.6"));
        assertThat(CoreSettings.looksLikeCoreCheckout(bundle.path())).isTrue();
        assertThat(Files.isExecutable(bundle.path().resolve("scripts/apply.sh"))).isTrue();
        assertThat(bundle.sha256()).isEqualTo(CoreReleaseFixture.sha256(archive));
        assertThat(bundle.archive()).isEqualTo("productive-k3s-core-0.9.6.tar.gz");
        assertThat(bundle.bundleInfo().path("bundle_version").asText()).isEqualTo("0.9.6");
        assertThat(bundle.sourceUrl()).isEqualTo(server.url("/download/0.9.6/productive-k3s-core-0.9.6.tar.gz"));

        CoreRelease.Fetched again = release(false).fetch("0.9.6");
        assertThat(again.alreadyCached()).isTrue();
        assertThat(release(true).fetch("0.9.6").bundle().path()).isEqualTo(bundle.path());
        assertThat(release(true).cached("0.9.6")).hasValueSatisfying(b -> assertThat(b.sha256()).isEqualTo(bundle.sha256()));
        assertThat(server.bodiesServed("/download/0.9.6/productive-k3s-core-0.9.6.tar.gz")).isEqualTo(1);
        assertThat(stagingLeftovers()).isEmpty();
    }

    @Test
    void fallsBackToTheVTag() {
        byte[] archive = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.7", null));
        CoreReleaseFixture.serve(server, "v0.9.7", "0.9.7", archive, null);
        assertThat(release(false).fetch("0.9.7").bundle().version()).isEqualTo("0.9.7");
        assertThat(server.requests()).startsWith("GET /repos/" + CoreReleaseFixture.REPO + "/releases/tags/0.9.7",
                "GET /repos/" + CoreReleaseFixture.REPO + "/releases/tags/v0.9.7");
    }

    @Test
    void unknownReleasesAndMissingAssetsAreExit3() {
        assertThatThrownBy(() -> release(false).fetch("9.9.9"))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3))
                .hasMessage("productive-k3s-core release '9.9.9' not found in " + CoreReleaseFixture.REPO + " at " + server.base()
                        + "; check --version, PRODUCTIVE_K3S_RELEASE_REPO and PRODUCTIVE_K3S_RELEASE_API_URL");
        server.route("/repos/" + CoreReleaseFixture.REPO + "/releases/tags/0.9.6",
                Response.ok(CoreReleaseFixture.releaseJson(server, "0.9.6", List.of("productive-k3s-core-0.9.6.tar.gz"))));
        assertThatThrownBy(() -> release(false).fetch("0.9.6"))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3))
                .hasMessage("could not find asset 'productive-k3s-core-0.9.6.tar.gz.sha256' in release '0.9.6' from " + CoreReleaseFixture.REPO);
        assertThat(release(true).cached("0.9.6")).isEmpty();
    }

    @Test
    void aDigestMismatchKeepsNothing() throws Exception {
        byte[] archive = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", null));
        String wrong = "f".repeat(64);
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", archive, wrong);
        assertThatThrownBy(() -> release(false).fetch("0.9.6"))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4))
                .hasMessage("artifact checksum mismatch for productive-k3s-core-0.9.6.tar.gz: expected " + wrong + ", got "
                        + CoreReleaseFixture.sha256(archive));
        assertThat(coreArea().resolve("0.9.6")).doesNotExist();
        assertThat(stagingLeftovers()).isEmpty();
    }

    @Test
    void anIncompleteBundleIsRefusedNamingTheMissingFile() throws Exception {
        byte[] archive = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", "scripts/rollback.sh"));
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", archive, null);
        assertThatThrownBy(() -> release(false).fetch("0.9.6"))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4))
                .hasMessage("productive-k3s-core remote bundle is incomplete; missing scripts/rollback.sh in productive-k3s-core-0.9.6.tar.gz");
        assertThat(coreArea().resolve("0.9.6")).doesNotExist();
        assertThat(stagingLeftovers()).isEmpty();
    }

    @Test
    void unsafeOrOddlyShapedArchivesAreRefused() {
        byte[] evil = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", null).symlink("productive-k3s-core-0.9.6/x", "/etc"));
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", evil, null);
        assertThatThrownBy(() -> release(false).fetch("0.9.6"))
                .hasMessage("productive-k3s-core bundle contains an unsafe entry: productive-k3s-core-0.9.6/x");
        byte[] twoTops = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.8", null).file("stray.txt", "x"));
        CoreReleaseFixture.serve(server, "0.9.8", "0.9.8", twoTops, null);
        assertThatThrownBy(() -> release(false).fetch("0.9.8"))
                .hasMessage("productive-k3s-core bundle must contain one top-level directory: productive-k3s-core-0.9.8.tar.gz");
        byte[] wrongInfo = CoreReleaseFixture.bytes(new TarBuilder().dir("core/")
                .file("core/bundle-info.json", "{\"bundle_name\": \"productive-k3s-infra\"}")
                .file("core/productive-k3s-core.sh", "").file("core/scripts/productive-k3s-core.sh", "")
                .file("core/scripts/preflight-host.sh", "").file("core/scripts/apply.sh", "").file("core/scripts/backup.sh", "")
                .file("core/scripts/validate.sh", "").file("core/scripts/cleanup.sh", "").file("core/scripts/rollback.sh", "")
                .file("core/scripts/send-telemetry.sh", ""));
        CoreReleaseFixture.serve(server, "0.9.9", "0.9.9", wrongInfo, null);
        assertThatThrownBy(() -> release(false).fetch("0.9.9"))
                .hasMessage("productive-k3s-core bundle-info.json in productive-k3s-core-0.9.9.tar.gz does not describe "
                        + "productive-k3s-core (bundle_name 'productive-k3s-infra')");
    }

    @Test
    void offlineWithoutACopyIsExit3AndTouchesNoNetwork() {
        assertThatThrownBy(() -> release(true).fetch("0.9.6"))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3))
                .hasMessage("productive-k3s-core 0.9.6 is not in the cache and --offline forbids downloading it; "
                        + "run 'core fetch --version 0.9.6' once with network access");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void versionSelection() {
        Release unbound = Release.load(null, Map.of(), m -> { });
        assertThat(CoreRelease.selectVersion(unbound, null, Map.of())).isEqualTo("0.9.6");
        assertThat(CoreRelease.selectVersion(unbound, null, Map.of("PRODUCTIVE_K3S_VERSION", "v0.9.5"))).isEqualTo("0.9.5");
        assertThat(CoreRelease.selectVersion(unbound, "v1.0.0", Map.of("PRODUCTIVE_K3S_VERSION", "0.9.5"))).isEqualTo("1.0.0");
        assertThatThrownBy(() -> CoreRelease.selectVersion(unbound, "latest", Map.of())).hasMessage("invalid --version: latest");
        assertThatThrownBy(() -> CoreRelease.selectVersion(unbound, null, Map.of("PRODUCTIVE_K3S_VERSION", "main")))
                .hasMessage("invalid PRODUCTIVE_K3S_VERSION: main");

        Map<String, String> boundEnv = Map.of("PK3S_CORE_SEMVER", "0.9.6", "PK3S_INFRA_RELEASE_TAG", "0.9.65-0.9.6");
        Release bound = Release.load(null, boundEnv, m -> { });
        assertThat(CoreRelease.selectVersion(bound, null, boundEnv)).isEqualTo("0.9.6");
        assertThat(CoreRelease.selectVersion(bound, "v0.9.6", boundEnv)).isEqualTo("0.9.6");
        assertThatThrownBy(() -> CoreRelease.selectVersion(bound, "0.9.5", boundEnv))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4))
                .hasMessage("release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; refusing requested --version 0.9.5");
    }

    @Test
    void apiBaseMustBeHttp() {
        assertThat(CoreRelease.apiBase(Map.of())).isEqualTo(URI.create("https://api.github.com"));
        assertThat(CoreRelease.apiBase(Map.of("PRODUCTIVE_K3S_RELEASE_API_URL", "http://127.0.0.1:1/api/"))).isEqualTo(URI.create("http://127.0.0.1:1/api"));
        assertThatThrownBy(() -> CoreRelease.apiBase(Map.of("PRODUCTIVE_K3S_RELEASE_API_URL", "file:///x")))
                .hasMessage("PRODUCTIVE_K3S_RELEASE_API_URL must be an http(s) URL, got 'file:///x'");
    }

    private List<Path> stagingLeftovers() throws Exception {
        if (!Files.isDirectory(coreArea())) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(coreArea())) {
            return entries.filter(p -> p.getFileName().toString().startsWith(".")).toList();
        }
    }
}
