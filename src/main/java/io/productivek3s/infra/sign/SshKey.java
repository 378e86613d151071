package io.productivek3s.infra.sign;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An OpenSSH public key as the JDK can verify with it: Ed25519, ECDSA on P-256/P-384/P-521, RSA. The wire blob is
 * kept: two keys are the same key exactly when their blobs are equal (how {@code allowed_signers} is matched), and
 * the fingerprint is the SHA-256 of the blob as {@code ssh-keygen -l} prints it (docs/signing.md "Formats").
 */
public final class SshKey {
    /** RSA moduli below this are refused, as OpenSSH does. */
    static final int MIN_RSA_BITS = 1024;
    private static final byte[] ED25519_X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private final String type;
    private final byte[] blob;
    private final PublicKey publicKey;
    private final int bits;

    private SshKey(String type, byte[] blob, PublicKey publicKey, int bits) {
        this.type = type;
        this.blob = blob;
        this.publicKey = publicKey;
        this.bits = bits;
    }

    /** Parses a key blob (the base64 part of an OpenSSH public key line, decoded). */
    public static SshKey parse(byte[] blob) {
        SshReader reader = new SshReader(blob);
        String type = reader.readText("key type");
        try {
            SshKey key = switch (type) {
                case "ssh-ed25519" -> ed25519(blob, reader);
                case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" -> ecdsa(type, blob, reader);
                case "ssh-rsa" -> rsa(blob, reader);
                default -> throw new SignatureFormatException("unsupported key type " + type
                        + " (supported: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)");
            };
            reader.requireEnd("the " + type + " key");
            return key;
        } catch (GeneralSecurityException e) {
            throw new SignatureFormatException("the " + type + " key is not usable: " + e.getMessage());
        }
    }

    /** Parses {@code <type> <base64>} as in an OpenSSH {@code .pub} file or {@code allowed_signers}. */
    public static SshKey parse(String type, String base64) {
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new SignatureFormatException("the " + type + " key is not valid base64");
        }
        SshKey key = parse(blob);
        if (!key.type.equals(type)) {
            throw new SignatureFormatException("the key is marked " + type + " but is a " + key.type + " key");
        }
        return key;
    }

    private static SshKey ed25519(byte[] blob, SshReader reader) throws GeneralSecurityException {
        byte[] point = reader.readString("the Ed25519 key");
        if (point.length != 32) {
            throw new SignatureFormatException("the Ed25519 key is " + point.length + " bytes, not 32");
        }
        byte[] encoded = Arrays.copyOf(ED25519_X509_PREFIX, ED25519_X509_PREFIX.length + 32);
        System.arraycopy(point, 0, encoded, ED25519_X509_PREFIX.length, 32);
        return new SshKey("ssh-ed25519", blob, KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded)), 256);
    }

    private static SshKey ecdsa(String type, byte[] blob, SshReader reader) throws GeneralSecurityException {
        String curve = reader.readText("the ECDSA curve");
        if (!type.endsWith("-" + curve)) {
            throw new SignatureFormatException("the " + type + " key names curve " + curve);
        }
        int bits = Integer.parseInt(curve.substring("nistp".length()));
        int size = (bits + 7) / 8;
        byte[] q = reader.readString("the ECDSA point");
        if (q.length != 1 + 2 * size || q[0] != 4) {
            throw new SignatureFormatException("the ECDSA point is not an uncompressed " + curve + " point");
        }
        ECPoint point = new ECPoint(new BigInteger(1, Arrays.copyOfRange(q, 1, 1 + size)),
                new BigInteger(1, Arrays.copyOfRange(q, 1 + size, q.length)));
        java.security.AlgorithmParameters parameters = java.security.AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp" + bits + "r1"));
        ECParameterSpec spec = parameters.getParameterSpec(ECParameterSpec.class);
        if (!onCurve(point, spec)) {
            throw new SignatureFormatException("the ECDSA point is not on curve " + curve);
        }
        return new SshKey(type, blob, KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec)), bits);
    }

    /** y^2 = x^3 + ax + b (mod p); the JDK does not check a public point it is given. */
    private static boolean onCurve(ECPoint point, ECParameterSpec spec) {
        BigInteger p = ((java.security.spec.ECFieldFp) spec.getCurve().getField()).getP();
        BigInteger x = point.getAffineX();
        BigInteger y = point.getAffineY();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger right = x.pow(3).add(spec.getCurve().getA().multiply(x)).add(spec.getCurve().getB()).mod(p);
        return y.pow(2).mod(p).equals(right);
    }

    private static SshKey rsa(byte[] blob, SshReader reader) throws GeneralSecurityException {
        BigInteger exponent = reader.readPositiveMpint("the RSA exponent");
        BigInteger modulus = reader.readPositiveMpint("the RSA modulus");
        if (modulus.bitLength() < MIN_RSA_BITS) {
            throw new SignatureFormatException("the RSA key has " + modulus.bitLength() + " bits; at least " + MIN_RSA_BITS + " are required");
        }
        if (exponent.signum() <= 0 || !exponent.testBit(0)) {
            throw new SignatureFormatException("the RSA exponent is invalid");
        }
        return new SshKey("ssh-rsa", blob, KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent)),
                modulus.bitLength());
    }

    /**
     * Whether {@code signature} (an SSH signature: algorithm name and blob) is this key's signature of {@code data}.
     * Algorithms that do not fit the key, and the SHA-1 {@code ssh-rsa} one, never verify.
     */
    boolean verifies(byte[] signature, byte[] data) {
        SshReader reader = new SshReader(signature);
        String algorithm = reader.readText("the signature algorithm");
        byte[] raw = reader.readString("the signature");
        reader.requireEnd("the signature");
        try {
            Signature verifier;
            byte[] expected;
            switch (type) {
                case "ssh-ed25519" -> {
                    require(algorithm.equals(type), algorithm);
                    verifier = Signature.getInstance("Ed25519");
                    expected = raw;
                }
                case "ssh-rsa" -> {
                    require(algorithm.equals("rsa-sha2-512") || algorithm.equals("rsa-sha2-256"), algorithm);
                    verifier = Signature.getInstance(algorithm.equals("rsa-sha2-512") ? "SHA512withRSA" : "SHA256withRSA");
                    int length = (bits + 7) / 8;
                    if (raw.length > length) {
                        return false;
                    }
                    // OpenSSH accepts a signature whose leading zero bytes were dropped; the JDK wants the full length.
                    expected = new byte[length];
                    System.arraycopy(raw, 0, expected, length - raw.length, raw.length);
                }
                default -> {
                    require(algorithm.equals(type), algorithm);
                    verifier = Signature.getInstance((bits == 256 ? "SHA256" : bits == 384 ? "SHA384" : "SHA512")
                            + "withECDSAinP1363Format");
                    expected = ecdsaSignature(raw, (bits + 7) / 8);
                    if (expected == null) {
                        return false;
                    }
                }
            }
            verifier.initVerify(publicKey);
            verifier.update(data);
            return verifier.verify(expected);
        } catch (GeneralSecurityException | RuntimeException e) {
            if (e instanceof SignatureFormatException format) {
                throw format;
            }
            return false;
        }
    }

    private void require(boolean fits, String algorithm) {
        if (!fits) {
            throw new SignatureFormatException("signature algorithm " + algorithm + " does not fit a " + type + " key"
                    + (algorithm.equals("ssh-rsa") ? " (SHA-1 RSA signatures are refused; sign with rsa-sha2-512)" : ""));
        }
    }

    /** {@code mpint r, mpint s} as the fixed-width {@code r || s} the JDK's P1363 format takes; null when too long. */
    private static byte[] ecdsaSignature(byte[] raw, int size) {
        SshReader reader = new SshReader(raw);
        BigInteger r = reader.readPositiveMpint("the ECDSA r");
        BigInteger s = reader.readPositiveMpint("the ECDSA s");
        reader.requireEnd("the ECDSA signature");
        byte[] out = new byte[2 * size];
        return put(r, out, 0, size) && put(s, out, size, size) ? out : null;
    }

    private static boolean put(BigInteger value, byte[] out, int offset, int size) {
        byte[] bytes = value.toByteArray();
        int start = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
        int length = bytes.length - start;
        if (length > size) {
            return false;
        }
        System.arraycopy(bytes, start, out, offset + size - length, length);
        return true;
    }

    public String type() {
        return type;
    }

    /** {@code ED25519}, {@code ECDSA}, {@code RSA}: the label {@code ssh-keygen -l} prints in parentheses. */
    public String label() {
        return type.equals("ssh-ed25519") ? "ED25519" : type.equals("ssh-rsa") ? "RSA" : "ECDSA";
    }

    public int bits() {
        return bits;
    }

    /** {@code SHA256:<base64 without padding>}, exactly as {@code ssh-keygen -l} prints it. */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Same key: same wire blob. */
    public boolean sameKey(SshKey other) {
        return Arrays.equals(blob, other.blob);
    }

    @Override
    public String toString() {
        return bits + " " + fingerprint() + " (" + label() + ")";
    }
}
