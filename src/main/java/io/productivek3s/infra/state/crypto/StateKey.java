package io.productivek3s.infra.state.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One state key (docs/state.md "Encryption at rest"): 32 secret bytes, from a key file or derived from a
 * passphrase, and the three values derived from them with HKDF-Expand (RFC 5869; the master is already uniformly
 * random, so the extract step is skipped): the AES-256-GCM key that seals, the HMAC-SHA-256 key that addresses
 * objects, and the public key id. Deriving separate keys keeps the address key from ever being a cipher key.
 *
 * <p>Not a record on purpose: a record's {@code toString} would print the key. Nothing here ever returns or prints
 * the secret bytes; {@link #toString()} shows the key id only.
 */
public final class StateKey {
    /** Bytes of a state key (AES-256). */
    public static final int LENGTH = 32;
    /** Bytes of the key id stored in every sealed header (printed as 16 hex digits). */
    static final int ID_LENGTH = 8;

    private final SecretKeySpec cipherKey;
    /** The address key's HMAC, initialised once: {@code doFinal} leaves it ready for the next address. */
    private final Mac addresser;
    private final CipherPool ciphers = new CipherPool();
    private final byte[] id;

    private StateKey(byte[] master) {
        cipherKey = new SecretKeySpec(expand(master, "pk3s state v1 aes-256-gcm"), "AES");
        addresser = mac(new SecretKeySpec(expand(master, "pk3s state v1 object address"), "HmacSHA256"));
        id = Arrays.copyOf(expand(master, "pk3s state v1 key id"), ID_LENGTH);
    }

    /** The key whose master bytes are {@code master} (exactly {@value #LENGTH} bytes). */
    public static StateKey of(byte[] master) {
        if (master.length != LENGTH) {
            throw new IllegalArgumentException("a state key is " + LENGTH + " bytes");
        }
        return new StateKey(master);
    }

    /** The public fingerprint of this key: 16 lowercase hex digits, safe to print and to store. */
    public String id() {
        return HexFormat.of().formatHex(id);
    }

    byte[] idBytes() {
        return id.clone();
    }

    SecretKeySpec cipherKey() {
        return cipherKey;
    }

    /** The ciphers sealing and opening with this key, reused from item to item ({@link CipherPool}). */
    CipherPool ciphers() {
        return ciphers;
    }

    /**
     * The address under which an object of {@code cluster} with plaintext digest {@code sha256} is stored while
     * encrypted: HMAC-SHA-256 over the cluster name and the digest, as 64 hex digits. The same content in one
     * cluster gets the same address (unchanged files are not stored twice), the same content in two clusters gets
     * two, and without the key nobody can compute it, so an observer cannot confirm a guessed plaintext by hashing it.
     * One HMAC serves every call (looking one up and keying it cost more than the address itself, per object:
     * docs/performance.md "Encryption at rest"); {@code doFinal} resets it, and it is used by one caller at a time.
     */
    public String address(String cluster, String sha256) {
        byte[] name = cluster.getBytes(StandardCharsets.UTF_8);
        byte[] digest = sha256.getBytes(StandardCharsets.US_ASCII);
        byte[] mac;
        synchronized (addresser) {
            addresser.update((byte) name.length);
            addresser.update(name);
            addresser.update(digest);
            mac = addresser.doFinal();
        }
        return HexFormat.of().formatHex(mac);
    }

    @Override
    public String toString() {
        return "StateKey[" + id() + "]";
    }

    /** HKDF-Expand for one output block of 32 bytes: HMAC(master, info || 0x01). */
    private static byte[] expand(byte[] master, String info) {
        Mac mac = mac(new SecretKeySpec(master, "HmacSHA256"));
        mac.update(info.getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) 1);
        return mac.doFinal();
    }

    private static Mac mac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java runtime", e);
        }
    }
}
