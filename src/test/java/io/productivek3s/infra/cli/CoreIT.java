package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.CoreReleaseFixture;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.SshKeys;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.testing.TestHttpServer.Response;
import io.productivek3s.infra.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code core fetch|info} and Core settings through the real launcher, against GitHub-shaped release metadata and
 * assets on 127.0.0.1 (docs/contract/core.md#effective-core-settings, docs/contract/core.md#core-bundle-contract).
 */
class CoreIT extends PackageTestBase {
    private static final String FROM_PROCESS = " (PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO from process environment)";
    private TestHttpServer server;
    private byte[] archive;
    private Path bundleDir;

    @BeforeEach
    void serve() throws Exception {
        server = new TestHttpServer();
        archive = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", null));
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", archive, null);
        engine.env("PRODUCTIVE_K3S_RELEASE_API_URL", server.base());
        bundleDir = home.resolve(".cache/pk3s/core/0.9.6/productive-k3s-core-0.9.6");
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void fetchThenInfoDescribeTheCachedBundle() throws Exception {
        Engine.Result fetch = engine.run("core", "fetch");
        assertThat(fetch.exitCode()).as(fetch.toString()).isZero();
        assertThat(fetch.stdoutLines()).containsExactly(
                "[pk3s-infra] OK    Productive K3S Core 0.9.6 fetched and verified: " + bundleDir,
                "[pk3s-infra] INFO  sha256: " + CoreReleaseFixture.sha256(archive),
                "[pk3s-infra] INFO  Air-gapped use: PRODUCTIVE_K3S_SOURCE=local PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO=" + bundleDir);
        assertThat(bundleDir.resolve("scripts/apply.sh")).exists();

        Engine.Result again = engine.run("core", "fetch", "--version", "v0.9.6");
        assertThat(again.stdout()).contains("Productive K3S Core 0.9.6 is already cached: " + bundleDir);
        assertThat(server.bodiesServed("/download/0.9.6/" + CoreReleaseFixture.archiveName("0.9.6"))).isEqualTo(1);

        Engine.Result info = engine.run("core", "info");
        assertThat(info.exitCode()).as(info.toString()).isZero();
        assertThat(info.stdoutLines()).contains("Productive K3S Core 0.9.6", "Path: " + bundleDir,
                "Archive: productive-k3s-core-0.9.6.tar.gz", "SHA-256: " + CoreReleaseFixture.sha256(archive),
                "Bundle: productive-k3s-core 0.9.6 (entrypoint productive-k3s-core.sh)");
        JsonNode json = Json.parse(engine.run("core", "info", "--json", "--version", "0.9.6").stdout());
        assertThat(json.path("path").asText()).isEqualTo(bundleDir.toString());
        assertThat(json.path("sha256").asText()).isEqualTo(CoreReleaseFixture.sha256(archive));
        assertThat(json.path("bundle_info").path("bundle_type").asText()).isEqualTo("productive-k3s-core");

        assertError(engine.run("core", "info", "--version", "0.9.7"), 3,
                "productive-k3s-core 0.9.7 is not cached; run 'core fetch --version 0.9.7'");
        assertError(engine.run("core", "upgrade"), 2, "unsupported core command: upgrade");
        assertError(engine.run("core", "fetch", "--version"), 2, "--version requires a value");
    }

    @Test
    void releaseProblemsAreOneLine() throws Exception {
        assertError(engine.run("core", "fetch", "--version", "1.2.3"), 3, "productive-k3s-core release '1.2.3' not found in "
                + CoreReleaseFixture.REPO + " at " + server.base() + "; check --version, PRODUCTIVE_K3S_RELEASE_REPO and PRODUCTIVE_K3S_RELEASE_API_URL");
        server.route("/repos/" + CoreReleaseFixture.REPO + "/releases/tags/0.9.6",
                Response.ok(CoreReleaseFixture.releaseJson(server, "0.9.6", List.of("productive-k3s-core-0.9.6.tar.gz.sha256"))));
        assertError(engine.run("core", "fetch"), 3,
                "could not find asset 'productive-k3s-core-0.9.6.tar.gz' in release '0.9.6' from " + CoreReleaseFixture.REPO);

        byte[] incomplete = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", "scripts/apply.sh"));
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", incomplete, null);
        assertError(engine.run("core", "fetch"), 4,
                "productive-k3s-core remote bundle is incomplete; missing scripts/apply.sh in productive-k3s-core-0.9.6.tar.gz");

        String wrong = "e".repeat(64);
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", archive, wrong);
        assertError(engine.run("core", "fetch"), 4, "artifact checksum mismatch for productive-k3s-core-0.9.6.tar.gz: expected "
                + wrong + ", got " + CoreReleaseFixture.sha256(archive));
        assertThat(home.resolve(".cache/pk3s/core/0.9.6")).doesNotExist();

        int port = TestHttpServer.closedPort();
        Engine.Result refused = engine.env("PRODUCTIVE_K3S_RELEASE_API_URL", "http://127.0.0.1:" + port).run("core", "fetch");
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.stderrLines()).singleElement().asString().contains("connection to 127.0.0.1:" + port + " refused");
        assertError(engine.env("PRODUCTIVE_K3S_RELEASE_API_URL", "http://127.0.0.1:" + port).run("core", "fetch", "--offline"), 3,
                "productive-k3s-core 0.9.6 is not in the cache and --offline forbids downloading it; "
                        + "run 'core fetch --version 0.9.6' once with network access");
        assertError(engine.env("PRODUCTIVE_K3S_SOURCE", "git").run("core", "fetch"), 4,
                "PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got 'git'");
    }

    /**
     * docs/signing.md "Core release bundles": a release that signs its checksum file with the real ssh-keygen is
     * verified against the trust file before the archive is downloaded; a tampered checksum, an untrusted key and a
     * signature for another namespace are exit 4 with one line, and nothing is downloaded or unpacked.
     */
    @Test
    void aSignedChecksumFileIsVerifiedBeforeTheArchiveIsTrusted() throws Exception {
        SshKeys ssh = new SshKeys(Files.createDirectories(home.resolve("keys")));
        SshKeys.Key publisher = ssh.generate("publisher", "ed25519", 0);
        SshKeys.Key mallory = ssh.generate("mallory", "ed25519", 0);
        Path trust = home.resolve("keys/allowed_signers");
        Files.writeString(trust, SshKeys.signer("release@example.com", "namespaces=\"pk3s-core\"", publisher));
        engine.env("PK3S_ALLOWED_SIGNERS", trust.toString());
        String name = CoreReleaseFixture.archiveName("0.9.6");
        String archivePath = "/download/0.9.6/" + name;
        String checksumFile = CoreReleaseFixture.checksumFile("0.9.6", CoreReleaseFixture.sha256(archive));
        Path coreDir = home.resolve(".cache/pk3s/core/0.9.6");

        // An attacker who replaced the archive and its checksum cannot make the publisher's signature fit.
        byte[] evil = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", null).file("productive-k3s-core-0.9.6/x", "x\n", 0644));
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", evil, null);
        CoreReleaseFixture.serveSignature(server, "0.9.6", "0.9.6", sign(ssh, publisher, "pk3s-core", checksumFile));
        Engine.Result tampered = engine.run("core", "fetch");
        assertThat(tampered.exitCode()).as(tampered.toString()).isEqualTo(4);
        assertThat(tampered.stderrLines()).singleElement().asString()
                .startsWith("[pk3s-infra] ERROR signature check failed for " + name + ".sha256: the signature by ED25519 key "
                        + publisher.fingerprint())
                .contains("does not match the file");
        assertThat(server.bodiesServed(archivePath)).isZero();
        assertThat(coreDir).doesNotExist();

        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", archive, null);
        CoreReleaseFixture.serveSignature(server, "0.9.6", "0.9.6", sign(ssh, mallory, "pk3s-core", checksumFile));
        Engine.Result untrusted = engine.run("core", "fetch");
        assertThat(untrusted.exitCode()).as(untrusted.toString()).isEqualTo(4);
        assertThat(untrusted.stderrLines()).containsExactly("[pk3s-infra] ERROR signature check failed for " + name
                + ".sha256: signed by ED25519 key " + mallory.fingerprint() + ", which is not in the trust file " + trust);
        assertThat(server.bodiesServed(archivePath)).isZero();
        assertThat(coreDir).doesNotExist();

        CoreReleaseFixture.serveSignature(server, "0.9.6", "0.9.6", sign(ssh, publisher, "pk3s-profile", checksumFile));
        Engine.Result wrongNamespace = engine.run("core", "fetch");
        assertThat(wrongNamespace.exitCode()).as(wrongNamespace.toString()).isEqualTo(4);
        assertThat(wrongNamespace.stderrLines()).singleElement().asString().endsWith("for namespace 'pk3s-profile', not 'pk3s-core'");
        assertThat(coreDir).doesNotExist();

        CoreReleaseFixture.serveSignature(server, "0.9.6", "0.9.6", sign(ssh, publisher, "pk3s-core", checksumFile));
        Engine.Result good = engine.run("core", "fetch");
        assertThat(good.exitCode()).as(good.toString()).isZero();
        assertThat(good.stdout() + good.stderr()).contains("signature of " + name + ".sha256 verified: signed by release@example.com ("
                + "ED25519 " + publisher.fingerprint() + ", namespace pk3s-core, " + server.url(archivePath + ".sha256.sig") + ")");
        assertThat(bundleDir.resolve("scripts/apply.sh")).exists();
        assertThat(server.bodiesServed(archivePath)).isEqualTo(1);
    }

    /** An unsigned release keeps working under auto (one INFO line with a trust file) and is refused under require. */
    @Test
    void anUnsignedReleaseFollowsThePolicy() throws Exception {
        Path trust = Files.writeString(home.resolve("allowed_signers"), "");
        String name = CoreReleaseFixture.archiveName("0.9.6");
        Engine.Result required = engine.env("PK3S_ALLOWED_SIGNERS", trust.toString()).env("PK3S_SIGNATURE_POLICY", "require")
                .run("core", "fetch");
        assertError(required, 4, name + ".sha256 is not signed and PK3S_SIGNATURE_POLICY=require: no signature at asset '"
                + name + ".sha256.sig' in release '0.9.6' from " + CoreReleaseFixture.REPO);
        assertThat(server.bodiesServed("/download/0.9.6/" + name)).isZero();
        Engine.Result auto = engine.env("PK3S_SIGNATURE_POLICY", "auto").run("core", "fetch");
        assertThat(auto.exitCode()).as(auto.toString()).isZero();
        assertThat(auto.stdout() + auto.stderr()).contains(name + ".sha256 is not signed; running it unverified (no signature at asset '"
                + name + ".sha256.sig' in release '0.9.6' from " + CoreReleaseFixture.REPO + ")");
    }

    private byte[] sign(SshKeys ssh, SshKeys.Key key, String namespace, String content) throws Exception {
        Path file = Files.writeString(Files.createTempFile(home, "checksum-", ".sha256"), content);
        return Files.readAllBytes(ssh.sign(key, namespace, file));
    }

    @Test
    void aBoundReleaseFetchesItsCoreAndRefusesAnother() throws Exception {
        Path root = Files.createDirectories(home.resolve("bound/scripts")).getParent();
        Files.writeString(root.resolve("scripts/release.env"), "PK3S_INFRA_RELEASE_TAG=0.9.65-0.9.6\nPK3S_CORE_SEMVER=0.9.6\n"
                + "PK3S_INFRA_RUNTIME_SURFACE=package-only\n");
        Engine bound = engine.env("PRODUCTIVE_K3S_INFRA_REPO_DIR", root.toString()).env("PRODUCTIVE_K3S_VERSION", null);
        assertError(bound.run("core", "fetch", "--version", "0.9.5"), 4,
                "release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; refusing requested --version 0.9.5");
        assertError(bound.env("PRODUCTIVE_K3S_VERSION", "0.9.5").run("core", "info"), 4,
                "release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; refusing requested PRODUCTIVE_K3S_VERSION=0.9.5");
        Engine.Result fetched = bound.env("PRODUCTIVE_K3S_VERSION", null).run("core", "fetch");
        assertThat(fetched.exitCode()).as(fetched.toString()).isZero();
        assertThat(fetched.stdout()).contains("Productive K3S Core 0.9.6 fetched and verified");
        assertThat(server.requests()).noneMatch(request -> request.contains("0.9.5"));
    }

    @Test
    void anAirGappedHostRunsAgainstTheFetchedBundle() throws Exception {
        assertThat(engine.run("core", "fetch").exitCode()).isZero();
        server.close();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPRODUCTIVE_K3S_SOURCE=local\n");
        Engine.Result install = engine.env("PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO", bundleDir.toString())
                .run("--offline", "profile", "install", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(install.exitCode()).as(install.toString()).isZero();
        Map<String, String> env = recordedEnv("installer.env");
        assertThat(env).containsEntry("PRODUCTIVE_K3S_SOURCE", "local").containsEntry("PRODUCTIVE_K3S_REPO", bundleDir.toString());
    }

    @Test
    void aLocalSourceNeedsSomethingThatLooksLikeCore() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPRODUCTIVE_K3S_SOURCE=local\n");
        Path notCore = Files.createDirectories(home.resolve("not-core"));
        engine.env("PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO", notCore.toString());
        Engine.Result install = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", "site.env");
        assertError(install, 4, "productive-k3s-core checkout not usable for PRODUCTIVE_K3S_SOURCE=local: " + notCore + FROM_PROCESS);
        assertThat(install.stderrLines()).hasSize(1);
        assertThat(records.resolve("installer.env")).doesNotExist();
        Engine.Result missing = engine.env("PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO", home.resolve("absent").toString())
                .run("profile", "apply", "--tgz", pack().toString(), "--env-file", "site.env");
        assertError(missing, 4, "productive-k3s-core checkout not usable for PRODUCTIVE_K3S_SOURCE=local: " + home.resolve("absent") + FROM_PROCESS);

        engine.env("PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO", notCore.toString());
        Engine.Result dryRun = engine.run("profile", "install", "--dry-run", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
        assertThat(dryRun.stdout()).contains("WARN  productive-k3s-core checkout not usable for PRODUCTIVE_K3S_SOURCE=local: " + notCore);
        Engine.Result status = engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", "site.env");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("WARN  productive-k3s-core checkout not usable");
        assertNoTempLeft();
    }

    /**
     * The bash engine sourced the merged env file before reading PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO, so a Core
     * checkout named in --env-file reaches every child as PRODUCTIVE_K3S_REPO and wins over the process environment;
     * a checkout that is not usable is named as the user gave it, never as the run's temp dir.
     */
    @Test
    void aCoreCheckoutNamedInTheEnvFileReachesTheScenario() throws Exception {
        Path checkout = Files.createDirectories(home.resolve("core-checkout/scripts"));
        Files.writeString(checkout.resolveSibling("productive-k3s-core.sh"), "#!/usr/bin/env bash\n");
        Files.writeString(checkout.resolve("apply.sh"), "#!/usr/bin/env bash\n");
        Path core = checkout.getParent();
        Path elsewhere = Files.createDirectories(home.resolve("process-core"));
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPRODUCTIVE_K3S_SOURCE=local\nPK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO=" + core + "\n");
        engine.env("PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO", elsewhere.toString());
        Path tgz = pack();
        Engine.Result install = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(recordedEnv("installer.env")).containsEntry("PRODUCTIVE_K3S_REPO", core.toString());

        Engine.Result status = engine.run("profile", "status", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).doesNotContain("checkout not usable");
        assertThat(tools.calls("make")).last().satisfies(call ->
                assertThat(call.env()).containsEntry("PRODUCTIVE_K3S_REPO", core.toString()));

        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPRODUCTIVE_K3S_SOURCE=local\nPK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO=../not-core\n");
        Engine.Result bad = engine.run("profile", "apply", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(4);
        assertThat(bad.stderr()).contains("checkout not usable for PRODUCTIVE_K3S_SOURCE=local: ../not-core (")
                .contains("PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO from override site.env:3)")
                .doesNotContain("pk3s-infra-");
        engine.env("PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO", null);
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nPRODUCTIVE_K3S_SOURCE=local\n");
        Engine.Result unset = engine.run("profile", "apply", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertError(unset, 4, "productive-k3s-core checkout not usable for PRODUCTIVE_K3S_SOURCE=local: the package itself "
                + "(PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO is not set in the env files or the environment)");
        assertNoTempLeft();
    }

    @Test
    void invalidSettingsFromTheProcessAreRejectedBeforeAnythingRuns() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        fixture.env(io.productivek3s.infra.testing.ProfileFixture.DEFAULT_ENV.replace("PRODUCTIVE_K3S_SOURCE=remote\n", ""));
        Path tgz = pack();
        assertError(engine.env("PRODUCTIVE_K3S_SOURCE", "bundle").run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env"),
                4, "PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got 'bundle'");
        assertError(engine.env("PRODUCTIVE_K3S_SOURCE", null).env("PRODUCTIVE_K3S_VERSION", "0.9").run("profile", "plan", "--tgz",
                tgz.toString(), "--env-file", "site.env"), 4, "invalid PRODUCTIVE_K3S_VERSION: 0.9");
        assertError(engine.env("PRODUCTIVE_K3S_VERSION", null).env("PRODUCTIVE_K3S_SOURCE_DEFAULT", "svn").run("profile", "status",
                "--tgz", tgz.toString(), "--env-file", "site.env"), 4, "PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got 'svn'");
        assertThat(records.resolve("installer.env")).doesNotExist();
        assertThat(tools.calls("make")).isEmpty();
        assertNoTempLeft();
    }

    @Test
    void twoFetchesAtOnceDownloadAndUnpackOnce() throws Exception {
        byte[] padding = new byte[300_000];
        new Random(3).nextBytes(padding);
        byte[] big = CoreReleaseFixture.bytes(CoreReleaseFixture.bundle("0.9.6", null)
                .file("productive-k3s-core-0.9.6/blob.bin", new String(padding, StandardCharsets.ISO_8859_1)));
        CoreReleaseFixture.serve(server, "0.9.6", "0.9.6", big, null);
        server.route("/download/0.9.6/" + CoreReleaseFixture.archiveName("0.9.6"), Response.ok(big).slow(60));
        CompletableFuture<Engine.Result> first = CompletableFuture.supplyAsync(() -> engine.run("core", "fetch"));
        CompletableFuture<Engine.Result> second = CompletableFuture.supplyAsync(() -> engine.run("core", "fetch"));
        List<Engine.Result> results = List.of(first.get(), second.get());
        for (Engine.Result result : results) {
            assertThat(result.exitCode()).as(result.toString()).isZero();
        }
        assertThat(results).filteredOn(r -> r.stdout().contains("is already cached")).hasSize(1);
        assertThat(server.bodiesServed("/download/0.9.6/" + CoreReleaseFixture.archiveName("0.9.6"))).isEqualTo(1);
        try (var entries = Files.list(home.resolve(".cache/pk3s/core"))) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList()).containsExactlyInAnyOrder("0.9.6", "0.9.6.lock");
        }
    }
}
