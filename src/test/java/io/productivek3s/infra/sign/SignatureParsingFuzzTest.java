package io.productivek3s.infra.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.Base64;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Untrusted signature files and trust files: whatever the bytes, parsing ends in a value or one
 * {@link SignatureFormatException} with a one-line message, never another exception (index, allocation, number).
 */
class SignatureParsingFuzzTest {
    /** A real Ed25519 SSHSIG made by ssh-keygen -Y sign -n pk3s-profile (over the bytes "hello\n"). */
    private static final String REAL = """
            -----BEGIN SSH SIGNATURE-----
            U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgglXtpf1mMyRlboAGvvCOAxsUbl
            gh9kI4uWsSJksi5i4AAAAMcGszcy1wcm9maWxlAAAAAAAAAAZzaGE1MTIAAABTAAAAC3Nz
            aC1lZDI1NTE5AAAAQPLvaeBiq8/mVLHBV/mFtalo765JaTl7rp48VLcydqH1ce26ng4Uo+
            9tgRyKuh2wWuJHVGmagYwVX4OyMaX8dw4=
            -----END SSH SIGNATURE-----
            """;

    @Test
    void theRealSignatureParses() {
        SshSignature signature = SshSignature.parseArmored(REAL.getBytes(StandardCharsets.US_ASCII));
        assertThat(signature.namespace()).isEqualTo("pk3s-profile");
        assertThat(signature.hashAlgorithm()).isEqualTo("sha512");
        assertThat(signature.key().label()).isEqualTo("ED25519");
        assertThat(verifies(signature, "hello\n")).isTrue();
        assertThat(verifies(signature, "hello")).isFalse();
    }

    private static boolean verifies(SshSignature signature, String message) {
        try {
            return signature.verifies(new java.io.ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Property(tries = 2000)
    void flippedBytesOfARealBlobFailCleanly(@ForAll @IntRange(min = 0, max = 10_000) int seed,
            @ForAll @IntRange(min = 1, max = 8) int flips) {
        byte[] blob = blob();
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < flips; i++) {
            blob[random.nextInt(blob.length)] = (byte) random.nextInt(256);
        }
        parseQuietly(blob);
    }

    @Property(tries = 1000)
    void truncatedBlobsFailCleanly(@ForAll @IntRange(min = 0, max = 200) int length) {
        byte[] blob = blob();
        byte[] cut = java.util.Arrays.copyOf(blob, Math.min(length, blob.length - 1));
        assertThatThrownBy(() -> SshSignature.parse(cut)).isInstanceOf(SignatureFormatException.class);
    }

    @Property(tries = 1000)
    void arbitraryBytesFailCleanly(@ForAll("bytes") byte[] bytes) {
        try {
            SshSignature.parseArmored(bytes);
        } catch (SignatureFormatException e) {
            assertThat(e.getMessage()).doesNotContain("\n");
        }
        parseQuietly(bytes);
    }

    @Property(tries = 1000)
    void arbitraryTrustFilesFailCleanly(@ForAll("lines") String text) {
        try {
            AllowedSigners.parse(text.getBytes(StandardCharsets.UTF_8), "allowed_signers", ZoneOffset.UTC);
        } catch (SignatureFormatException e) {
            assertThat(e.getMessage()).startsWith("allowed_signers line ").doesNotContain("\n");
        }
    }

    @Test
    void hugeLengthsAreRefusedWithoutAllocating() {
        byte[] blob = "SSHSIG\0\0\0\1\u007f\u00ff\u00ff\u00ff".getBytes(StandardCharsets.ISO_8859_1);
        assertThatThrownBy(() -> SshSignature.parse(blob)).isInstanceOf(SignatureFormatException.class)
                .hasMessage("the public key is truncated");
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(400);
    }

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> words = Arbitraries.of("alice", "*@example.com", "\"a b\"", "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256",
                "AAAAC3NzaC1lZDI1NTE5AAAAIAfMtpRNPu2bS7ZUS6uh603jvK4dzgB8A2Ij4a8AYb1E", "AAAA", "namespaces=\"pk3s-*\"",
                "valid-before=\"20260101\"", "valid-after=\"2026\"", "cert-authority", "#", "\"", ",", "=", "sk-ssh-ed25519@openssh.com");
        return words.list().ofMaxSize(6).map(list -> String.join(" ", list)).list().ofMaxSize(4)
                .map(list -> String.join("\n", list));
    }

    private static byte[] blob() {
        String body = REAL.replace("-----BEGIN SSH SIGNATURE-----", "").replace("-----END SSH SIGNATURE-----", "").replaceAll("\\s", "");
        return Base64.getDecoder().decode(body);
    }

    private static void parseQuietly(byte[] blob) {
        try {
            SshSignature.parse(blob);
        } catch (SignatureFormatException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
        }
    }
}
