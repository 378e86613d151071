package io.productivek3s.infra.sign;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.productivek3s.infra.testing.SshKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The verifier against signatures made by the real {@code ssh-keygen -Y sign}, for every key type the engine takes. */
class SignatureVerifierTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    @TempDir
    Path dir;
    private SshKeys ssh;
    private Path file;

    @BeforeEach
    void setUp() throws IOException {
        ssh = new SshKeys(dir);
        file = dir.resolve("profile.tgz");
        Files.write(file, "package bytes".getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @CsvSource({"ed25519,0,ED25519", "ecdsa,256,ECDSA", "ecdsa,384,ECDSA", "ecdsa,521,ECDSA", "rsa,2048,RSA"})
    void verifiesWhatSshKeygenSigned(String type, int bits, String label) throws IOException {
        SshKeys.Key key = ssh.generate("alice", type, bits);
        Path signature = ssh.sign(key, "pk3s-profile", file);

        Verdict verdict = verify(SshKeys.signer("alice@example.com", "", key), signature, SignaturePolicy.AUTO, NOW);

        assertEquals(Verdict.Status.GOOD, verdict.status(), verdict.detail());
        assertEquals(Optional.of("alice@example.com"), verdict.signer());
        assertEquals(key.fingerprint(), verdict.key().orElseThrow().fingerprint());
        assertEquals(label, verdict.key().orElseThrow().label());
    }

    @Test
    void aChangedFileIsBad() throws IOException {
        SshKeys.Key key = ssh.generate("alice", "ed25519", 0);
        Path signature = ssh.sign(key, "pk3s-profile", file);
        Files.write(file, "package bytes!".getBytes(StandardCharsets.UTF_8));

        Verdict verdict = verify(SshKeys.signer("alice", "", key), signature, SignaturePolicy.AUTO, NOW);

        assertEquals(Verdict.Status.BAD, verdict.status());
        assertTrue(verdict.detail().contains("does not match the file"), verdict.detail());
    }

    @Test
    void anotherNamespaceIsRefused() throws IOException {
        SshKeys.Key key = ssh.generate("alice", "ed25519", 0);
        Path signature = ssh.sign(key, "git", file);

        Verdict verdict = verify(SshKeys.signer("alice", "", key), signature, SignaturePolicy.AUTO, NOW);

        assertEquals(Verdict.Status.WRONG_NAMESPACE, verdict.status());
        assertTrue(verdict.detail().contains("'git', not 'pk3s-profile'"), verdict.detail());
    }

    @Test
    void aKeyOutsideTheTrustFileIsUntrusted() throws IOException {
        SshKeys.Key alice = ssh.generate("alice", "ed25519", 0);
        SshKeys.Key mallory = ssh.generate("mallory", "ecdsa", 256);
        Path signature = ssh.sign(mallory, "pk3s-profile", file);

        Verdict verdict = verify(SshKeys.signer("alice", "", alice), signature, SignaturePolicy.AUTO, NOW);

        assertEquals(Verdict.Status.UNTRUSTED, verdict.status());
        assertTrue(verdict.detail().contains(mallory.fingerprint()), verdict.detail());
    }

    @Test
    void namespacesAndValidityOfTheEntryAreHonoured() throws IOException {
        SshKeys.Key key = ssh.generate("alice", "ed25519", 0);
        Path signature = ssh.sign(key, "pk3s-profile", file);

        assertEquals(Verdict.Status.UNTRUSTED, verify(SshKeys.signer("alice", "namespaces=\"git,file\"", key), signature,
                SignaturePolicy.AUTO, NOW).status());
        assertEquals(Verdict.Status.GOOD, verify(SshKeys.signer("alice", "namespaces=\"git,pk3s-*\"", key), signature,
                SignaturePolicy.AUTO, NOW).status());
        Verdict expired = verify(SshKeys.signer("alice", "valid-before=\"20260101Z\"", key), signature, SignaturePolicy.AUTO, NOW);
        assertEquals(Verdict.Status.EXPIRED, expired.status());
        assertTrue(expired.detail().contains("was valid only before 2026-01-01T00:00:00Z"), expired.detail());
        assertEquals(Verdict.Status.EXPIRED, verify(SshKeys.signer("alice", "valid-after=\"20270101\"", key), signature,
                SignaturePolicy.AUTO, NOW).status());
        assertEquals(Verdict.Status.GOOD, verify(SshKeys.signer("alice", "valid-after=\"20260101\",valid-before=\"202701011200Z\"",
                key), signature, SignaturePolicy.AUTO, NOW).status());
    }

    @Test
    void withoutATrustFileAnIntactSignatureIsUncheckedAndATamperedOneStillBad() throws IOException {
        SshKeys.Key key = ssh.generate("alice", "ed25519", 0);
        Path signature = ssh.sign(key, "pk3s-profile", file);
        SignatureVerifier verifier = new SignatureVerifier(SignaturePolicy.AUTO,
                Optional.of(new TrustFile(dir.resolve("absent"), false)), Clock.fixed(NOW, ZoneOffset.UTC), ZoneOffset.UTC);

        assertEquals(Verdict.Status.UNCHECKED, verifier.verify(subject(signature), "pk3s-profile").status());
        Files.write(file, "other".getBytes(StandardCharsets.UTF_8));
        assertEquals(Verdict.Status.BAD, verifier.verify(subject(signature), "pk3s-profile").status());
    }

    @Test
    void offReadsNothingAndUnsignedSaysWhereItLooked() throws IOException {
        SshKeys.Key key = ssh.generate("alice", "ed25519", 0);
        Verdict off = verify(SshKeys.signer("alice", "", key), dir.resolve("none.sig"), SignaturePolicy.OFF, NOW);
        assertEquals(Verdict.Status.OFF, off.status());

        Verdict unsigned = verify(SshKeys.signer("alice", "", key), dir.resolve("none.sig"), SignaturePolicy.AUTO, NOW);
        assertEquals(Verdict.Status.UNSIGNED, unsigned.status());
        assertEquals("no signature at profile.tgz.sig", unsigned.detail());
    }

    private Verdict verify(String trustLines, Path signature, SignaturePolicy policy, Instant now) throws IOException {
        Path trust = dir.resolve("allowed_signers");
        Files.writeString(trust, "# operators\n\n" + trustLines);
        SignatureVerifier verifier = new SignatureVerifier(policy, Optional.of(new TrustFile(trust, true)),
                Clock.fixed(now, ZoneOffset.UTC), ZoneOffset.UTC);
        return verifier.verify(subject(signature), "pk3s-profile");
    }

    private SignatureVerifier.Subject subject(Path signature) {
        Optional<SignatureFile> found = Files.isRegularFile(signature)
                ? Optional.of(SignatureFile.read(signature, signature.getFileName().toString())) : Optional.empty();
        return new SignatureVerifier.Subject("profile.tgz", SignatureVerifier.Content.of(file), found, "profile.tgz.sig");
    }
}
