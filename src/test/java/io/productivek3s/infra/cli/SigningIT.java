package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.SshKeys;
import io.productivek3s.infra.testing.TelemetryServer;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Signed packages through the real launcher and the real OpenSSH client (docs/signing.md): what {@code ssh-keygen -Y
 * sign} signs the engine verifies, what the engine signs {@code ssh-keygen -Y verify} accepts, and every refused
 * signature is exit 4 with one line before any side effect: no lock, no telemetry event, no temp dir, no state.
 */
class SigningIT extends PackageTestBase {
    private SshKeys ssh;
    private SshKeys.Key alice;
    private Path trust;
    private Path tgz;
    private TelemetryServer telemetry;

    @BeforeEach
    void keys() throws IOException {
        ssh = new SshKeys(Files.createDirectories(home.resolve("keys")));
        alice = ssh.generate("alice", "ed25519", 0);
        trust = home.resolve("keys/allowed_signers");
        Files.writeString(trust, SshKeys.signer("alice@example.com", "", alice));
        tgz = pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        telemetry = new TelemetryServer(TelemetryServer.Mode.ACCEPT);
        engine.env("PK3S_ALLOWED_SIGNERS", trust.toString()).env("TELEMETRY_ENABLED", "true")
                .env("TELEMETRY_ENDPOINT", telemetry.url());
    }

    @AfterEach
    void stopTelemetry() {
        telemetry.close();
    }

    @ParameterizedTest
    @CsvSource({"ed25519,0,ED25519", "ecdsa,256,ECDSA", "ecdsa,384,ECDSA", "rsa,3072,RSA"})
    void whatSshKeygenSignsTheEngineVerifiesAndRuns(String type, int bits, String label) throws Exception {
        SshKeys.Key key = ssh.generate("publisher-" + type + bits, type, bits);
        Files.writeString(trust, SshKeys.signer("publisher@example.com", "namespaces=\"pk3s-profile\"", key));
        ssh.sign(key, "pk3s-profile", tgz);

        Engine.Result verify = engine.run("profile", "verify", "--tgz", "fixture.tgz");
        assertThat(verify.exitCode()).as(verify.toString()).isZero();
        assertThat(verify.stdoutLines()).containsExactly(
                "package:    fixture.tgz",
                "signature:  fixture.tgz.sig",
                "signer:     publisher@example.com",
                "key:        " + key.fingerprint() + " (" + label + ", " + (bits == 0 ? 256 : bits) + " bits)",
                "namespace:  pk3s-profile",
                "verdict:    good",
                "policy:     auto: accepted");

        Engine.Result install = engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.stdout()).contains("[pk3s-infra] INFO  signature of fixture.tgz verified: signed by "
                + "publisher@example.com (" + label + " " + key.fingerprint() + ", namespace pk3s-profile, fixture.tgz.sig)");
    }

    @Test
    void theEnginesSignatureIsAcceptedBySshKeygen() throws Exception {
        Path source = home.resolve("src/fixture");
        Engine.Result packed = engine.run("profile", "pack", "--source", source.toString(), "--output", "signed.tgz",
                "--sign-key", alice.privateKey().toString());
        assertThat(packed.exitCode()).as(packed.toString()).isZero();
        Path signed = home.resolve("work/signed.tgz");
        assertThat(packed.stdout()).contains("[pk3s-infra] OK    Signature written to: signed.tgz.sig (256 "
                + alice.fingerprint() + " (ED25519))");
        assertThat(ssh.verify(trust, "alice@example.com", "pk3s-profile", Path.of(signed + ".sig"), signed)).isTrue();
        assertThat(ssh.verify(trust, "alice@example.com", "git", Path.of(signed + ".sig"), signed)).isFalse();

        Engine.Result missingKey = engine.run("profile", "pack", "--source", source.toString(), "--output", "other.tgz",
                "--sign-key", "absent-key");
        assertError(missingKey, 3, "signing key not found: absent-key");
        assertThat(home.resolve("work/other.tgz")).doesNotExist();
    }

    @Test
    void aTamperedPackageIsRefusedBeforeAnySideEffect() throws Exception {
        ssh.sign(alice, "pk3s-profile", tgz);
        byte[] bytes = Files.readAllBytes(tgz);
        bytes[bytes.length / 2] ^= 1;
        Files.write(tgz, bytes);
        assertRefused("the signature by ED25519 key " + alice.fingerprint() + " in fixture.tgz.sig does not match the file "
                + "(it was changed, or this is another file's signature)");
    }

    @Test
    void anotherFilesSignatureIsRefused() throws Exception {
        Path other = home.resolve("work/other.bin");
        Files.writeString(other, "something else");
        Files.move(ssh.sign(alice, "pk3s-profile", other), Path.of(tgz + ".sig"));
        assertRefused("the signature by ED25519 key " + alice.fingerprint() + " in fixture.tgz.sig does not match the file "
                + "(it was changed, or this is another file's signature)");
    }

    @Test
    void aSignatureForAnotherNamespaceIsRefused() throws Exception {
        ssh.sign(alice, "git", tgz);
        assertRefused("signed by ED25519 key " + alice.fingerprint() + " for namespace 'git', not 'pk3s-profile'");
    }

    @Test
    void aKeyOutsideTheTrustFileIsRefused() throws Exception {
        SshKeys.Key mallory = ssh.generate("mallory", "ed25519", 0);
        ssh.sign(mallory, "pk3s-profile", tgz);
        assertRefused("signed by ED25519 key " + mallory.fingerprint() + ", which is not in the trust file " + trust);
    }

    @Test
    void aSignerOutsideValidBeforeIsRefused() throws Exception {
        Files.writeString(trust, SshKeys.signer("alice@example.com", "valid-before=\"20200101Z\"", alice));
        ssh.sign(alice, "pk3s-profile", tgz);
        assertRefused("signer alice@example.com (" + alice.fingerprint() + ") was valid only before 2020-01-01T00:00:00Z ("
                + trust + " line 1)");
    }

    @Test
    void aMalformedSignatureFileIsRefused() throws Exception {
        Files.writeString(Path.of(tgz + ".sig"), "-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQAAAP////8=\n-----END SSH SIGNATURE-----\n");
        assertRefused("signature file fixture.tgz.sig is malformed: it the public key is truncated");
    }

    @Test
    void aCertAuthorityLineIsRefusedNotIgnored() throws Exception {
        Files.writeString(trust, "# ops\n*@example.com cert-authority " + alice.publicKey() + "\n");
        ssh.sign(alice, "pk3s-profile", tgz);
        Engine.Result result = engine.run("profile", "validate", "--tgz", "fixture.tgz");
        assertError(result, 4, "trust file cannot be used: " + trust + " line 2: cert-authority is not supported (trust the "
                + "signer's own key instead of a certificate authority)");
    }

    @Test
    void anExplicitSignatureWinsAndVerifyShowsARefusal() throws Exception {
        Path elsewhere = home.resolve("work/elsewhere");
        Files.createDirectories(elsewhere);
        Path copy = elsewhere.resolve("fixture.tgz");
        Files.copy(tgz, copy);
        Files.move(ssh.sign(alice, "pk3s-profile", copy), home.resolve("work/detached.sig"));
        Files.writeString(Path.of(tgz + ".sig"), "garbage");

        Engine.Result good = engine.run("profile", "verify", "--tgz", "fixture.tgz", "--signature", "detached.sig", "--json");
        assertThat(good.exitCode()).as(good.toString()).isZero();
        JsonNode document = Json.parse(good.stdout());
        assertThat(document.get("ok").asBoolean()).isTrue();
        JsonNode signature = document.get("signature");
        assertThat(signature.get("status").asText()).isEqualTo("good");
        assertThat(signature.get("signer").asText()).isEqualTo("alice@example.com");
        assertThat(signature.get("fingerprint").asText()).isEqualTo(alice.fingerprint());
        assertThat(signature.get("source").asText()).isEqualTo("detached.sig");
        assertThat(good.stdout()).doesNotContain(alice.publicKey().split(" ")[1]);

        Engine.Result bad = engine.run("profile", "verify", "--tgz", "fixture.tgz");
        assertThat(bad.exitCode()).isEqualTo(4);
        assertThat(bad.stdoutLines()).contains("policy:     auto: refused");
        assertThat(bad.stderrLines()).containsExactly("[pk3s-infra] ERROR signature check failed for fixture.tgz: "
                + "signature file fixture.tgz.sig is malformed: it does not start with -----BEGIN SSH SIGNATURE-----");
    }

    @Test
    void theSignatureBlockOfValidateAndShow() throws Exception {
        ssh.sign(alice, "pk3s-profile", tgz);
        for (List<String> command : List.of(List.of("profile", "validate"), List.of("profile", "show"))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("--tgz", "fixture.tgz", "--json"));
            Engine.Result result = engine.run(args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.toString()).isZero();
            JsonNode signature = Json.parse(result.stdout()).get("signature");
            assertThat(signature.get("status").asText()).as(command.toString()).isEqualTo("good");
            assertThat(signature.get("policy").asText()).isEqualTo("auto");
            assertThat(signature.get("key_type").asText()).isEqualTo("ED25519");
        }
    }

    @Test
    void anExportCarriesTheSignatureAndItsInstallerVerifiesItBeforeItRuns() throws Exception {
        ssh.sign(alice, "pk3s-profile", tgz);
        Engine.Result exported = engine.run("profile", "export", "--tgz", "fixture.tgz", "--output", "bundle");
        assertThat(exported.exitCode()).as(exported.toString()).isZero();
        Path bundle = home.resolve("work/bundle");
        assertThat(bundle.resolve("profile.tgz.sig")).hasSameBinaryContentAs(Path.of(tgz + ".sig"));

        Engine installer = new Engine(bundle.resolve("install.sh"), home).cwd(home.resolve("work"))
                .prependPath(tools.bin()).env("PK3S_PROFILE_STATE_DIR", stateDir.toString())
                .env("FIXTURE_RECORD_DIR", records.toString()).env("PK3S_ALLOWED_SIGNERS", trust.toString())
                .env("TELEMETRY_ENABLED", "false");
        Engine.Result installed = installer.run("--env-file", home.resolve("work/site.env").toString());
        assertThat(installed.exitCode()).as(installed.toString()).isZero();
        assertThat(installed.stdout()).contains("INFO  signature of " + bundle.resolve("profile.tgz") + " verified: signed by "
                + "alice@example.com");

        // the bundle's package changed on the way: the installer refuses before anything runs
        byte[] bytes = Files.readAllBytes(bundle.resolve("profile.tgz"));
        bytes[bytes.length - 1] ^= 1;
        Files.write(bundle.resolve("profile.tgz"), bytes);
        Engine.Result refused = installer.run("--env-file", home.resolve("work/site.env").toString());
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(4);
        assertThat(refused.stderr()).contains("ERROR signature check failed for " + bundle.resolve("profile.tgz"));
    }

    @Test
    void aRecordedPackageIsCheckedLikeALocalOne() throws Exception {
        ssh.sign(alice, "pk3s-profile", tgz);
        Engine.Result installed = engine.env("TELEMETRY_ENABLED", "false")
                .run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(installed.exitCode()).as(installed.toString()).isZero();

        SshKeys.Key mallory = ssh.generate("mallory", "ed25519", 0);
        ssh.sign(mallory, "pk3s-profile", tgz);
        Engine.Result status = engine.run("profile", "status", "--name", "fixture-profile", "--env-file", "site.env");
        assertThat(status.exitCode()).as(status.toString()).isEqualTo(4);
        assertThat(status.stderr()).contains("ERROR signature check failed for fixture.tgz: signed by ED25519 key "
                + mallory.fingerprint() + ", which is not in the trust file " + trust);
    }

    @Test
    void doctorReportsTheTrustFileAndThePolicy() {
        Engine.Result result = engine.run("doctor");
        assertThat(result.stdout()).as(result.toString()).contains("OK    Trust file: " + trust
                + " (PK3S_ALLOWED_SIGNERS) (1 key(s): alice@example.com; PK3S_SIGNATURE_POLICY=auto)");
        Engine.Result none = engine.unset("PK3S_ALLOWED_SIGNERS").env("PK3S_SIGNATURE_POLICY", "require").run("doctor");
        assertThat(none.stdout() + none.stderr()).as(none.toString()).contains("WARN  No trust file at " + home
                + "/.config/pk3s/allowed_signers: PK3S_SIGNATURE_POLICY=require refuses every package");
        assertError(engine.env("PK3S_SIGNATURE_POLICY", "strict").run("profile", "validate", "--tgz", "fixture.tgz"), 4,
                "PK3S_SIGNATURE_POLICY=strict is not one of off, auto, require");
    }

    /** Exit 4 and one ERROR line, for install; nothing locked, sent, extracted or persisted. */
    private void assertRefused(String reason) throws IOException {
        Engine.Result result = engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.stderrLines()).as(result.toString())
                .containsExactly("[pk3s-infra] ERROR signature check failed for fixture.tgz: " + reason);
        assertThat(result.stdout()).isEmpty();
        assertThat(telemetry.requests()).isEmpty();
        assertThat(home.resolve(".cache/pk3s/telemetry-outbox")).doesNotExist();
        assertNoTempLeft();
        assertThat(records.toFile().list()).isEmpty();
        if (Files.exists(stateDir)) {
            try (Stream<Path> left = Files.walk(stateDir)) {
                assertThat(left.filter(path -> !path.equals(stateDir)).toList()).isEmpty();
            }
        }
    }
}
