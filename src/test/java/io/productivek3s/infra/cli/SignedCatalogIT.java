package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.CatalogFixture;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.SshKeys;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.testing.TestHttpServer.Response;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Signed catalogs and downloads over loopback HTTP (docs/signing.md): a signed {@code index.yaml} vouches for its
 * digests, a changed digest is refused; an entry's package signature and a URL's {@code <url>.sig} come through the
 * download cache; and the policy matrix off/auto/require × unsigned/good/bad/untrusted.
 */
class SignedCatalogIT extends PackageTestBase {
    private static final String INDEX = CatalogFixture.INDEX;
    private static final String PACKAGE = CatalogFixture.packagePath("fixture-profile", "1.0.0");

    private TestHttpServer server;
    private CatalogFixture catalog;
    private SshKeys ssh;
    private SshKeys.Key publisher;
    private Path trust;
    private Path signing;
    private byte[] tgz;

    @BeforeEach
    void serve() throws Exception {
        server = new TestHttpServer();
        catalog = new CatalogFixture(server);
        ssh = new SshKeys(Files.createDirectories(home.resolve("keys")));
        publisher = ssh.generate("publisher", "ed25519", 0);
        trust = home.resolve("keys/allowed_signers");
        Files.writeString(trust, SshKeys.signer("publisher@example.com", "", publisher));
        signing = Files.createDirectories(home.resolve("signing"));
        tgz = Files.readAllBytes(pack());
        server.route(PACKAGE, Response.ok(tgz));
        engine.env("PK3S_CATALOG_URLS", server.url(INDEX)).env("PK3S_ALLOWED_SIGNERS", trust.toString())
                .env("TELEMETRY_ENABLED", "false");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String index(String sha256, String signature) {
        return CatalogFixture.index("signed-catalog", catalog.entry("fixture-profile-1", "fixture-profile", "1.0.0",
                sha256, signature == null ? "" : "      signature: " + signature + "\n"));
    }

    /** Signs {@code content} with the real ssh-keygen and returns the armored signature. */
    private byte[] sign(SshKeys.Key key, String namespace, byte[] content) throws IOException {
        Path file = signing.resolve("content-" + System.nanoTime());
        Files.write(file, content);
        return Files.readAllBytes(ssh.sign(key, namespace, file));
    }

    @Test
    void aSignedIndexVouchesForItsDigestsAndAChangedDigestIsRefused() throws Exception {
        String text = index(Digests.sha256(tgz), null);
        server.route(INDEX, Response.ok(text));
        server.route(INDEX + ".sig", Response.ok(sign(publisher, "pk3s-catalog", text.getBytes())));

        Engine.Result good = engine.run("profile", "verify", "--tgz", "fixture-profile");
        assertThat(good.exitCode()).as(good.toString()).isZero();
        assertThat(good.stdout()).contains("signature:  digest in " + server.url(INDEX) + ".sig",
                "signer:     publisher@example.com", "verdict:    good");
        assertThat(server.requests()).noneMatch(request -> request.contains(PACKAGE + ".sig"));

        // someone with access to the catalog host swaps the package and its digest, but cannot re-sign the index
        String changed = index("ab".repeat(32), null);
        server.route(INDEX, Response.ok(changed));
        Engine.Result refused = engine.run("profile", "validate", "--tgz", "fixture-profile");
        assertError(refused, 4, "signature check failed for catalog " + server.url(INDEX) + ": the signature by ED25519 key "
                + publisher.fingerprint() + " in " + server.url(INDEX) + ".sig does not match the file (it was changed, or "
                + "this is another file's signature)");
        assertNoTempLeft();
    }

    @Test
    void anEntrysPackageSignatureIsVerifiedThroughTheDownloadCache() throws Exception {
        server.route(INDEX, Response.ok(index(Digests.sha256(tgz), "fixture-profile-1.0.0.tgz.sig")));
        server.route(PACKAGE + ".sig", Response.ok(sign(publisher, "pk3s-profile", tgz)).withEtag("\"sig-1\""));

        for (int run = 0; run < 2; run++) {
            Engine.Result result = engine.run("profile", "verify", "--tgz", "fixture-profile");
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stdout()).contains("signature:  " + server.url(PACKAGE) + ".sig", "verdict:    good");
        }
        assertThat(server.bodiesServed(PACKAGE + ".sig")).isEqualTo(1);
        try (Stream<Path> cached = Files.walk(home.resolve(".cache/pk3s/artifacts"))) {
            assertThat(cached.map(path -> path.getFileName().toString())).contains("fixture-profile-1.0.0.tgz.sig");
        }
        Engine.Result offline = engine.run("profile", "verify", "--tgz", "fixture-profile", "--offline");
        assertThat(offline.exitCode()).as(offline.toString()).isZero();
        assertThat(offline.stdout()).contains("verdict:    good");

        SshKeys.Key mallory = ssh.generate("mallory", "ed25519", 0);
        server.route(PACKAGE + ".sig", Response.ok(sign(mallory, "pk3s-profile", tgz)));
        Engine.Result untrusted = engine.run("profile", "validate", "--tgz", "fixture-profile");
        assertError(untrusted, 4, "signature check failed for fixture-profile: signed by ED25519 key " + mallory.fingerprint()
                + ", which is not in the trust file " + trust);
    }

    /**
     * The policy matrix, for a URL whose {@code <url>.sig} is absent, good, bad (another file's) or by an untrusted
     * key: exit code and the one line that says why.
     */
    @ParameterizedTest(name = "{0} x {1} -> exit {2}")
    @CsvSource(delimiter = '|', textBlock = """
            off     | unsigned  | 0 |
            off     | good      | 0 |
            off     | bad       | 0 |
            off     | untrusted | 0 |
            auto    | unsigned  | 0 | INFO  URL is not signed; running it unverified
            auto    | good      | 0 | INFO  signature of URL verified: signed by publisher@example.com
            auto    | bad       | 4 | ERROR signature check failed for URL: the signature by ED25519
            auto    | untrusted | 4 | ERROR signature check failed for URL: signed by ECDSA key
            require | unsigned  | 4 | ERROR URL is not signed and PK3S_SIGNATURE_POLICY=require
            require | good      | 0 | INFO  signature of URL verified: signed by publisher@example.com
            require | bad       | 4 | ERROR signature check failed for URL: the signature by ED25519
            require | untrusted | 4 | ERROR signature check failed for URL: signed by ECDSA key
            """)
    void policyMatrix(String policy, String signature, int exit, String line) throws Exception {
        switch (signature) {
            case "good" -> server.route(PACKAGE + ".sig", Response.ok(sign(publisher, "pk3s-profile", tgz)));
            case "bad" -> server.route(PACKAGE + ".sig", Response.ok(sign(publisher, "pk3s-profile", "other".getBytes())));
            case "untrusted" -> server.route(PACKAGE + ".sig",
                    Response.ok(sign(ssh.generate("stranger", "ecdsa", 256), "pk3s-profile", tgz)));
            default -> { }
        }
        String url = server.url(PACKAGE);
        Engine.Result result = engine.env("PK3S_SIGNATURE_POLICY", policy).run("profile", "validate", "--tgz", url);
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(exit);
        String all = result.stdout() + result.stderr();
        if (line == null) {
            assertThat(all).doesNotContain("signature").doesNotContain("signed");
            assertThat(server.requests()).noneMatch(request -> request.contains(".sig"));
        } else {
            assertThat(all).contains("[pk3s-infra] " + line.replace("URL", url));
        }
        if (exit != 0) {
            assertThat(result.stderrLines()).hasSize(1);
            assertThat(result.stdout()).isEmpty();
        }
        assertNoTempLeft();
    }
}
