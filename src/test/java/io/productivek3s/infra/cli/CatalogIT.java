package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.CatalogFixture;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.Repo;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.testing.TestHttpServer.Response;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Catalog references, URLs and the download cache through the real launcher (docs/catalogs.md), against a real HTTP
 * server on 127.0.0.1 that serves a catalog and profile artifacts.
 */
class CatalogIT extends PackageTestBase {
    private static final String CATALOG_PATH = CatalogFixture.INDEX;
    /** Every public entry's install block. */
    private static final String INSTALL = """
                install:
                  requiresLocalOverrides: true
                  inputs:
                    - name: ONPREM_SERVER_IP
                      required: true
                      sensitive: false
                      source: local-override
                      description: "server"
            """;
    private static final String V1_MANIFEST_ENGINE = "type: ansible";

    private TestHttpServer server;
    private CatalogFixture catalogs;
    private byte[] v1;
    private byte[] v2;

    @BeforeEach
    void serve() throws Exception {
        server = new TestHttpServer();
        catalogs = new CatalogFixture(server);
        v1 = Files.readAllBytes(pack());
        fixture.manifest(io.productivek3s.infra.testing.ProfileFixture.DEFAULT_MANIFEST
                .replace("version: 1.0.0", "version: 2.0.0").replace(V1_MANIFEST_ENGINE, "type: shell"));
        v2 = Files.readAllBytes(fixture.tgz(home.resolve("work/fixture-2.tgz")));
        server.route("/infra/fixture-profile-1.0.0.tgz", Response.ok(v1));
        server.route("/infra/fixture-profile-2.0.0.tgz", Response.ok(v2));
        catalog(entry("fixture-profile-1", "fixture-profile", "1.0.0", Digests.sha256(v1))
                + entry("fixture-profile-2", "fixture-profile", "2.0.0", Digests.sha256(v2)) + PROTECTED);
        engine.env("PK3S_CATALOG_URLS", server.url(CATALOG_PATH));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private static final String PROTECTED = """
              - id: edge-arm-pro
                name: Edge ARM Pro
                kind: profile
                visibility: protected
                category: edge
                description: Commercial ARM edge profile.
                version: 0.1.0
                artifact:
                  type: tgz
                  url: null
                commercial:
                  label: Request access
                  url: https://productive-k3s.io/contact/
            """;

    private String entry(String id, String name, String version, String sha256) {
        return catalogs.entry(id, name, version, sha256, INSTALL);
    }

    private void catalog(String entries) {
        catalogs.serve("productive-k3s-catalog", entries);
    }

    private List<Path> cachedArtifacts() throws Exception {
        Path artifacts = home.resolve(".cache/pk3s/artifacts");
        if (!Files.isDirectory(artifacts)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(artifacts)) {
            return files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".tgz")
                    || p.getFileName().toString().endsWith(".part")).toList();
        }
    }

    @Test
    void validateByNameAndByNameAtVersion() throws Exception {
        Engine.Result latest = engine.run("profile", "validate", "--tgz", "fixture-profile");
        assertThat(latest.exitCode()).as(latest.toString()).isZero();
        assertThat(latest.stdoutLines()).containsExactly(
                "[pk3s-infra] INFO  Profile package: fixture-profile",
                "[pk3s-infra] INFO  Scenario: onprem-basic",
                "[pk3s-infra] INFO  Engine: ansible",
                "[pk3s-infra] INFO  Install script: scripts/install.sh",
                "[pk3s-infra] OK    Profile package validation passed");
        assertThat(latest.stderr()).isEmpty();

        Engine.Result pinned = engine.run("profile", "validate", "--tgz", "fixture-profile@2.0.0");
        assertThat(pinned.exitCode()).as(pinned.toString()).isZero();
        assertThat(pinned.stdout()).contains("INFO  Engine: shell");

        Engine.Result byId = engine.run("profile", "validate", "--tgz", "fixture-profile-2");
        assertThat(byId.stdout()).contains("INFO  Engine: shell");
        assertThat(server.bodiesServed("/infra/fixture-profile-2.0.0.tgz")).isEqualTo(1);
        assertNoTempLeft();
    }

    @Test
    void installFromTheCatalogRunsThePackagedInstaller() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("profile", "install", "--tgz", "fixture-profile@1.0.0", "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("fixture installer ran");
        assertThat(records.resolve("installer.env")).exists();
        assertNoTempLeft();
    }

    @Test
    void unknownNamesAndVersionsAreExit3() {
        assertError(engine.run("profile", "validate", "--tgz", "nope"), 3, "catalog has no profile 'nope'");
        Engine.Result version = engine.run("profile", "install", "--tgz", "fixture-profile@3.0.0");
        assertError(version, 3, "catalog has no profile 'fixture-profile' at version '3.0.0'; it has 1.0.0, 2.0.0");
        assertThat(version.stderrLines()).hasSize(1);
        assertError(engine.run("profile", "validate", "--tgz", "./nope.tgz"), 3, "tgz package not found: ./nope.tgz");
        assertThat(server.requests()).doesNotContain("GET /infra/nope.tgz");
    }

    @Test
    void aChecksumMismatchIsExit4NamingBothDigestsAndCachesNothing() throws Exception {
        String wrong = "0".repeat(64);
        catalog(entry("fixture-profile-1", "fixture-profile", "1.0.0", wrong));
        Engine.Result result = engine.run("profile", "validate", "--tgz", "fixture-profile");
        assertError(result, 4, "artifact checksum mismatch for fixture-profile: expected " + wrong + ", got " + Digests.sha256(v1));
        assertThat(result.stderrLines()).hasSize(1);
        assertThat(cachedArtifacts()).isEmpty();
        assertNoTempLeft();
    }

    @Test
    void networkFailuresAreOneLineExit3() throws Exception {
        server.remove("/infra/fixture-profile-1.0.0.tgz");
        Engine.Result notFound = engine.run("profile", "validate", "--tgz", "fixture-profile@1.0.0");
        assertError(notFound, 3, "could not download " + server.url("/infra/fixture-profile-1.0.0.tgz") + ": "
                + server.base().substring("http://".length()) + " answered HTTP 404; check the URL, the catalog entry or PK3S_CATALOG_URLS");
        assertThat(notFound.stderrLines()).hasSize(1);

        int port = TestHttpServer.closedPort();
        Engine.Result refused = engine.env("PK3S_CATALOG_URLS", "http://127.0.0.1:" + port + "/index.yaml")
                .run("profile", "validate", "--tgz", "fixture-profile");
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.stderrLines()).hasSize(1);
        assertThat(refused.stderr()).contains("connection to 127.0.0.1:" + port + " refused or unreachable;",
                "use --offline with a cached copy");
    }

    @Test
    void aTransferCutHalfWayIsNeverUsed() throws Exception {
        server.route("/infra/fixture-profile-1.0.0.tgz", Response.ok(v1).cutAfter(v1.length / 2));
        Engine.Result cut = engine.run("profile", "validate", "--tgz", "fixture-profile@1.0.0");
        assertThat(cut.exitCode()).as(cut.toString()).isEqualTo(3);
        assertThat(cut.stderr()).contains("could not download " + server.url("/infra/fixture-profile-1.0.0.tgz"), "try again");
        assertThat(cachedArtifacts()).isEmpty();
        assertError(engine.run("profile", "validate", "--offline", "--tgz", "fixture-profile@1.0.0"), 3,
                "fixture-profile is not in the cache and --offline forbids downloading "
                        + server.url("/infra/fixture-profile-1.0.0.tgz") + "; run the command once without --offline");

        server.route("/infra/fixture-profile-1.0.0.tgz", Response.ok(v1));
        assertThat(engine.run("profile", "validate", "--tgz", "fixture-profile@1.0.0").exitCode()).isZero();
        assertNoTempLeft();
    }

    @Test
    void twoRunsAtOnceDownloadTheArtifactOnce() throws Exception {
        byte[] padding = new byte[400_000];
        new Random(1).nextBytes(padding);
        fixture.file("scenarios/edge/onprem-basic/blob.bin", new String(padding, java.nio.charset.StandardCharsets.ISO_8859_1), false);
        byte[] big = Files.readAllBytes(fixture.tgz(home.resolve("work/big.tgz")));
        // About 3 s on the wire, so the second run reaches the entry's lock while the first is still downloading.
        server.route("/infra/fixture-profile-9.0.0.tgz", Response.ok(big).slow(60));
        catalog(entry("big", "fixture-profile", "9.0.0", Digests.sha256(big)));

        CompletableFuture<Engine.Result> first = CompletableFuture.supplyAsync(
                () -> engine.run("--debug", "profile", "validate", "--tgz", "fixture-profile"));
        CompletableFuture<Engine.Result> second = CompletableFuture.supplyAsync(
                () -> engine.run("--debug", "profile", "validate", "--tgz", "fixture-profile"));
        List<Engine.Result> results = List.of(first.get(), second.get());
        for (Engine.Result result : results) {
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stdout()).contains("OK    Profile package validation passed");
        }
        assertThat(results).filteredOn(r -> r.stderr().contains("waiting for another engine run that holds")).hasSize(1);
        assertThat(server.bodiesServed("/infra/fixture-profile-9.0.0.tgz")).isEqualTo(1);
        assertThat(cachedArtifacts()).hasSize(1);
    }

    @Test
    void offlineUsesOnlyTheCache() throws Exception {
        assertThat(engine.run("profile", "validate", "--tgz", "fixture-profile@1.0.0").exitCode()).isZero();
        server.close();
        Engine.Result offline = engine.run("--offline", "profile", "validate", "--tgz", "fixture-profile@1.0.0");
        assertThat(offline.exitCode()).as(offline.toString()).isZero();
        Engine.Result list = engine.run("catalog", "list", "--offline");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdout()).contains("fixture-profile");
        Engine.Result uncached = engine.run("--offline", "profile", "validate", "--tgz", "fixture-profile@2.0.0");
        assertThat(uncached.exitCode()).isEqualTo(3);
        assertThat(uncached.stderr()).contains("fixture-profile is not in the cache and --offline forbids downloading");
    }

    @Test
    void plainUrlsAreDownloadedIntoTheCacheAndRevalidated() throws Exception {
        server.route("/direct/fixture.tgz", Response.ok(v1).withEtag("\"one\""));
        String url = server.url("/direct/fixture.tgz");
        Engine.Result first = engine.run("profile", "validate", "--tgz", url);
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(engine.run("profile", "validate", "--tgz", url).exitCode()).isZero();
        assertThat(server.bodiesServed("/direct/fixture.tgz")).isEqualTo(1);
        assertThat(server.requests()).contains("GET /direct/fixture.tgz \"one\"");
        assertThat(server.requests()).contains("GET /direct/fixture.tgz.sha256");
        assertError(engine.run("profile", "validate", "--tgz", "ftp://127.0.0.1/x.tgz"), 2,
                "unsupported URL scheme in --tgz: ftp (use http, https or file, or a catalog name)");
    }

    @Test
    void urlDigestsArePinnedWithAFragmentOrPublishedBesideTheFile() throws Exception {
        server.route("/pinned/fixture.tgz", Response.ok(v1));
        String wrong = "1".repeat(64);
        assertError(engine.run("profile", "validate", "--tgz", server.url("/pinned/fixture.tgz") + "#sha256=" + wrong), 4,
                "artifact checksum mismatch for " + server.url("/pinned/fixture.tgz") + ": expected " + wrong + ", got " + Digests.sha256(v1));
        Engine.Result pinned = engine.run("profile", "validate", "--tgz", server.url("/pinned/fixture.tgz") + "#sha256=" + Digests.sha256(v1));
        assertThat(pinned.exitCode()).as(pinned.toString()).isZero();
        assertThat(server.requests()).doesNotContain("GET /pinned/fixture.tgz.sha256");

        server.route("/published/fixture.tgz", Response.ok(v1));
        server.route("/published/fixture.tgz.sha256", Response.ok(wrong + "  fixture.tgz\n"));
        assertError(engine.run("profile", "validate", "--tgz", server.url("/published/fixture.tgz")), 4,
                "artifact checksum mismatch for " + server.url("/published/fixture.tgz") + ": expected " + wrong + ", got " + Digests.sha256(v1));
        server.route("/published/fixture.tgz.sha256", Response.ok(Digests.sha256(v1) + "  fixture.tgz\n"));
        assertThat(engine.run("profile", "validate", "--tgz", server.url("/published/fixture.tgz")).exitCode()).isZero();
        assertThat(cachedArtifacts()).hasSize(2);
    }

    @Test
    void commercialEntriesPointToTheirContact() {
        Engine.Result install = engine.run("profile", "install", "--tgz", "edge-arm-pro");
        assertError(install, 4, "catalog profile 'edge-arm-pro' does not expose a downloadable tgz URL (protected entry); "
                + "Request access at https://productive-k3s.io/contact/");
        Engine.Result show = engine.run("catalog", "show", "Edge ARM Pro");
        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.stdout()).contains("Artifact: none (no public download)\n", "Access: Request access at https://productive-k3s.io/contact/\n");
        assertThat(engine.run("catalog", "list").stdout()).contains("protected: Request access at https://productive-k3s.io/contact/");
    }

    @Test
    void catalogListAndShowInTextAndJson() throws Exception {
        Engine.Result list = engine.run("catalog", "list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdoutLines()).containsExactly(
                "Catalog: " + server.url(CATALOG_PATH) + " (productive-k3s-catalog 0.9.65, generated 2026-10-02T17:44:40+02:00)",
                "NAME             VERSION  CATEGORY  NOTES",
                "fixture-profile  1.0.0    edge      needs-env",
                "fixture-profile  2.0.0    edge      needs-env",
                "Edge ARM Pro     0.1.0    edge      protected: Request access at https://productive-k3s.io/contact/");

        JsonNode json = Json.parse(engine.run("catalog", "list", "--json").stdout());
        assertThat(json.path("catalog").path("version").asText()).isEqualTo("0.9.65");
        // the text keeps the catalog's own spelling; the document has the one timestamp format (docs/cli.md)
        assertThat(json.path("catalog").path("generatedAt").asText()).isEqualTo("2026-10-02T15:44:40.000Z");
        assertThat(json.path("profiles")).hasSize(3);
        assertThat(json.path("profiles").get(0).path("artifact").path("sha256").asText()).isEqualTo(Digests.sha256(v1));
        assertThat(json.path("profiles").get(2).path("artifact").path("url").isNull()).isTrue();

        Engine.Result show = engine.run("catalog", "show", "fixture-profile@2.0.0");
        assertThat(show.stdout()).startsWith("Profile: fixture-profile\nID: fixture-profile-2\nVersion: 2.0.0\n")
                .contains("SHA-256: " + Digests.sha256(v2), "Requires local overrides: yes (pass --env-file)",
                        "  ONPREM_SERVER_IP  required  local-override  server");
        JsonNode shown = Json.parse(engine.run("catalog", "show", "fixture-profile", "--json").stdout());
        assertThat(shown.path("entry").path("id").asText()).isEqualTo("fixture-profile-1");
        assertThat(shown.path("entry").path("install").path("inputs").get(0).path("source").asText()).isEqualTo("local-override");

        assertError(engine.run("catalog", "show"), 3, "the 'catalog show' command requires a profile name (NAME or NAME@VERSION)");
        assertError(engine.run("catalog", "show", "nope"), 3, "catalog has no profile 'nope'");
        assertError(engine.run("catalog", "remove"), 2, "unsupported catalog command: remove");
        assertError(engine.run("catalog"), 2, "unsupported catalog command: ");
    }

    @Test
    void theFirstSourceThatLoadsWins() throws Exception {
        int port = TestHttpServer.closedPort();
        Path local = Files.writeString(home.resolve("work/local-index.yaml"), CatalogFixture.index("productive-k3s-catalog",
                entry("local", "local-profile", "1.0.0", null)).replace("version: 0.9.65", "version: 1.0.0"));
        Engine.Result result = engine.env("PK3S_CATALOG_URLS", "http://127.0.0.1:" + port + "/index.yaml, local-index.yaml,"
                + server.url(CATALOG_PATH)).run("catalog", "list");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("Catalog: local-index.yaml (productive-k3s-catalog 1.0.0", "local-profile")
                .doesNotContain("fixture-profile");
        assertThat(local).exists();
        Engine.Result none = engine.env("PK3S_CATALOG_URLS", "http://127.0.0.1:" + port + "/a.yaml,missing.yaml").run("catalog", "list");
        assertThat(none.exitCode()).isEqualTo(3);
        assertThat(none.stderrLines()).singleElement().asString()
                .startsWith("[pk3s-infra] ERROR no catalog could be loaded from PK3S_CATALOG_URLS (2 sources); first error: could not download");
    }

    @Test
    void theRealCatalogsParseAndList() throws Exception {
        Path catalogs = Repo.fixture("productive-k3s-catalogs");
        Engine.Result versioned = engine.env("PK3S_CATALOG_URLS", catalogs.resolve("catalogs/0.9.65/index.yaml").toString()).run("catalog", "list");
        assertThat(versioned.exitCode()).as(versioned.toString()).isZero();
        assertThat(versioned.stdoutLines().get(0)).endsWith("(productive-k3s-catalog 0.9.65, generated 2026-10-02T15:44:40Z, checksum verified)");
        assertThat(versioned.stdout()).contains("gcp-basic", "hetzner-basic", "on-prem-basic", "multipass-single-node");
        for (String file : new String[] {"catalogs/index.yaml", "history/index.7b4d314.yaml", "history/index.f1bd5d5.yaml"}) {
            Engine.Result list = engine.env("PK3S_CATALOG_URLS", "file://" + catalogs.resolve(file)).run("catalog", "list", "--json");
            assertThat(list.exitCode()).as(file + "\n" + list).isZero();
            assertThat(Json.parse(list.stdout()).path("profiles").size()).as(file).isPositive();
        }
        Engine.Result composite = engine.env("PK3S_CATALOG_URLS", catalogs.resolve("history/index.f1bd5d5.yaml").toString())
                .run("catalog", "show", "on-prem-basic@0.9.62-0.9.4");
        assertThat(composite.stdout()).contains("Version: 0.9.62-0.9.4");
    }

    @Test
    void aServedVersionedCatalogIsVerifiedAgainstItsSha256() throws Exception {
        Path catalogs = Repo.fixture("productive-k3s-catalogs/catalogs/0.9.65");
        byte[] index = Files.readAllBytes(catalogs.resolve("index.yaml"));
        byte[] sidecar = Files.readAllBytes(catalogs.resolve("index.yaml.sha256"));
        server.route("/catalogs/0.9.65/index.yaml", Response.ok(index));
        server.route("/catalogs/0.9.65/index.yaml.sha256", Response.ok(sidecar));
        engine.env("PK3S_CATALOG_URLS", server.url("/catalogs/0.9.65/index.yaml"));
        Engine.Result verified = engine.run("catalog", "show", "on-prem-basic");
        assertThat(verified.exitCode()).as(verified.toString()).isZero();
        assertThat(verified.stdout()).contains("checksum verified");

        String published = new String(sidecar).split("\\s+")[0];
        byte[] tamperedIndex = new String(index).replace("gcp-basic", "gcp-evil").getBytes();
        server.route("/catalogs/0.9.65/index.yaml", Response.ok(tamperedIndex));
        Engine.Result cached = engine.run("catalog", "list");
        assertThat(cached.stdout()).as("the verified copy is reused; the changed one is never fetched").contains("gcp-basic")
                .doesNotContain("gcp-evil");
        assertThat(server.bodiesServed("/catalogs/0.9.65/index.yaml")).isEqualTo(1);

        Engine fresh = engine.env("XDG_CACHE_HOME", home.resolve("fresh-cache").toString());
        Engine.Result tampered = fresh.run("catalog", "list");
        assertError(tampered, 4, "artifact checksum mismatch for " + server.url("/catalogs/0.9.65/index.yaml") + ": expected "
                + published + ", got " + Digests.sha256(tamperedIndex));
        assertThat(tampered.stdout()).isEmpty();
        Engine.Result offline = fresh.run("catalog", "list", "--offline");
        assertThat(offline.exitCode()).as("a catalog that failed verification is not cached").isEqualTo(3);
    }

    @Test
    void catalogAndPackCommandsHonourTheReleaseBinding() throws Exception {
        Path root = Files.createDirectories(home.resolve("bound/scripts")).getParent();
        Files.writeString(root.resolve("scripts/release.env"), "PK3S_INFRA_RELEASE_TAG=0.9.65-0.9.6\nPK3S_CORE_SEMVER=0.9.6\n"
                + "PK3S_INFRA_RUNTIME_SURFACE=package-only\n");
        Engine bound = engine.env("PRODUCTIVE_K3S_INFRA_REPO_DIR", root.toString()).env("PRODUCTIVE_K3S_VERSION", "0.9.5");
        for (String[] args : List.of(new String[] {"catalog", "list"}, new String[] {"catalog", "show", "fixture-profile"},
                new String[] {"profile", "validate", "--tgz", "fixture-profile"},
                new String[] {"profile", "pack", "--source", fixture.dir().toString(), "--output", "packed.tgz"})) {
            assertError(bound.run(args), 4, "release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; refusing requested PRODUCTIVE_K3S_VERSION=0.9.5");
        }
        Engine.Result ok = bound.env("PRODUCTIVE_K3S_VERSION", null).run("catalog", "list");
        assertThat(ok.exitCode()).as("catalog commands exist on the package-only surface: " + ok).isZero();
        assertThat(server.requests()).noneMatch(request -> request.contains(".tgz"));
    }

    @Test
    void helpListsTheArtifactCommands() {
        assertThat(engine.run("help").stdout()).contains("\nArtifact commands:\n", "  catalog list [--json]\n",
                "  catalog show <name>[@<version>] [--json]\n", "  core fetch [--version <v>] [--json]\n",
                "  core info [--version <v>] [--json]\n", "  --offline   use only the download cache\n");
    }
}
