package io.productivek3s.infra.sign;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * An OpenSSH file signature ({@code ssh-keygen -Y sign}): the armored {@code SSHSIG} blob with the signer's public
 * key, the namespace, the hash algorithm and the signature over {@code "SSHSIG" || namespace || reserved || hash ||
 * H(file)} (OpenSSH's PROTOCOL.sshsig; docs/signing.md "Formats"). Parsing trusts nothing in the file.
 */
public record SshSignature(SshKey key, String namespace, byte[] reserved, String hashAlgorithm, byte[] signature) {
    /** Far above any real signature (an RSA-16384 one is about 3 KiB armored), far below anything harmful. */
    public static final int MAX_BYTES = 64 * 1024;
    private static final String BEGIN = "-----BEGIN SSH SIGNATURE-----";
    private static final String END = "-----END SSH SIGNATURE-----";
    private static final byte[] MAGIC = "SSHSIG".getBytes(StandardCharsets.US_ASCII);

    /** Parses an armored signature file's bytes. */
    public static SshSignature parseArmored(byte[] file) {
        if (file.length > MAX_BYTES) {
            throw new SignatureFormatException("larger than " + MAX_BYTES + " bytes");
        }
        String text = new String(file, StandardCharsets.US_ASCII).strip();
        if (!text.startsWith(BEGIN)) {
            throw new SignatureFormatException("does not start with " + BEGIN);
        }
        int end = text.indexOf(END);
        if (end < 0 || !text.substring(end + END.length()).isBlank()) {
            throw new SignatureFormatException("does not end with " + END);
        }
        String body = text.substring(BEGIN.length(), end).replaceAll("\\s+", "");
        try {
            return parse(Base64.getDecoder().decode(body));
        } catch (IllegalArgumentException e) {
            throw new SignatureFormatException("is not valid base64");
        }
    }

    /** Parses the binary {@code SSHSIG} blob. */
    public static SshSignature parse(byte[] blob) {
        SshReader reader = new SshReader(blob);
        if (!java.util.Arrays.equals(reader.readBytes(MAGIC.length, "the SSHSIG magic"), MAGIC)) {
            throw new SignatureFormatException("is not an SSHSIG signature");
        }
        int version = reader.readUint32();
        if (version != 1) {
            throw new SignatureFormatException("has SSHSIG version " + Integer.toUnsignedString(version) + " (only 1 is known)");
        }
        SshKey key = SshKey.parse(reader.readString("the public key"));
        String namespace = reader.readText("the namespace");
        byte[] reserved = reader.readString("the reserved field");
        String hash = reader.readText("the hash algorithm");
        if (!hash.equals("sha512") && !hash.equals("sha256")) {
            throw new SignatureFormatException("uses hash algorithm " + hash + " (sha512 or sha256 expected)");
        }
        byte[] signature = reader.readString("the signature");
        reader.requireEnd("the SSHSIG blob");
        return new SshSignature(key, namespace, reserved, hash, signature);
    }

    /** Whether the signature covers {@code message} (read once, streamed) under this signature's own namespace. */
    public boolean verifies(InputStream message) throws IOException {
        MessageDigest digest = digest();
        byte[] buffer = new byte[64 * 1024];
        for (int read; (read = message.read(buffer)) > 0; ) {
            digest.update(buffer, 0, read);
        }
        byte[] signed = new SshWriter().raw(MAGIC).string(namespace).string(reserved).string(hashAlgorithm)
                .string(digest.digest()).bytes();
        return key.verifies(signature, signed);
    }

    private MessageDigest digest() {
        try {
            return MessageDigest.getInstance(hashAlgorithm.equals("sha512") ? "SHA-512" : "SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + hashAlgorithm, e);
        }
    }
}
