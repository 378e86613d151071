package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.state.driver.Settings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A state key from a passphrase (docs/state.md "Encryption at rest", "Passphrase"): PBKDF2-HMAC-SHA256 with a random
 * salt that the backend stores once in its settings ({@value #SETTING}), so every workstation with the same
 * passphrase derives the same key from the same backend. Derived once per process (the store is opened once); the
 * cost (about half a second) is the point: it is what a guess costs too.
 *
 * <p>The stored parameters are read from a database anyone with write access could change, so they are bounded: at
 * least {@value #ITERATIONS} iterations (an attacker cannot weaken new keys) and at most {@value #MAX_ITERATIONS}
 * (nor make every run hang). A changed salt derives another key, whose id then matches no sealed item: exit 4.
 */
final class PassphraseKdf {
    static final String SETTING = "encryption.passphrase-kdf";
    static final String ALGORITHM = "pbkdf2-hmac-sha256";
    static final int ITERATIONS = 600_000;
    static final int MAX_ITERATIONS = 10_000_000;
    static final int SALT_BYTES = 16;

    private PassphraseKdf() {
    }

    /** The key {@code passphrase} derives under the parameters {@code settings} holds (created on first use). */
    static StateKey derive(char[] passphrase, Settings settings, SecureRandom random) throws IOException {
        Parameters parameters = parameters(settings, random);
        try {
            SecretKeyFactory factory = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
            PBEKeySpec spec = new PBEKeySpec(passphrase, parameters.salt(), parameters.iterations(), StateKey.LENGTH * 8);
            try {
                byte[] master = factory.generateSecret(spec).getEncoded();
                try {
                    return StateKey.of(master);
                } finally {
                    Arrays.fill(master, (byte) 0);
                }
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is required by every Java runtime", e);
        } finally {
            Arrays.fill(passphrase, '\0');
        }
    }

    /** The stored parameters, or new random ones stored first (the first writer wins, everyone reads them back). */
    static Parameters parameters(Settings settings, SecureRandom random) throws IOException {
        Optional<byte[]> stored = settings.setting(SETTING);
        if (stored.isPresent()) {
            return Parameters.parse(stored.get());
        }
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        return Parameters.parse(settings.putSettingIfAbsent(SETTING, new Parameters(ITERATIONS, salt).toJson()));
    }

    /** PBKDF2's parameters as stored: {@code {"kdf": "pbkdf2-hmac-sha256", "iterations": n, "salt": "<base64>"}}. */
    record Parameters(int iterations, byte[] salt) {
        byte[] toJson() {
            ObjectNode node = Json.object();
            node.put("kdf", ALGORITHM);
            node.put("iterations", iterations);
            node.put("salt", Base64.getEncoder().encodeToString(salt));
            return Json.compact(node).getBytes(StandardCharsets.UTF_8);
        }

        static Parameters parse(byte[] bytes) {
            try {
                JsonNode node = Json.parse(new String(bytes, StandardCharsets.UTF_8));
                int iterations = node.path("iterations").asInt(-1);
                byte[] salt = Base64.getDecoder().decode(node.path("salt").asText(""));
                if (node.path("kdf").asText("").equals(ALGORITHM) && node.path("iterations").isInt()
                        && iterations >= ITERATIONS && iterations <= MAX_ITERATIONS && salt.length >= SALT_BYTES
                        && salt.length <= 64) {
                    return new Parameters(iterations, salt);
                }
            } catch (IOException | IllegalArgumentException malformed) {
                // reported below
            }
            throw EngineException.invalid("the state backend's passphrase settings (" + SETTING + ") are not "
                    + ALGORITHM + " with " + ITERATIONS + " to " + MAX_ITERATIONS + " iterations and a salt of "
                    + SALT_BYTES + " to 64 bytes; they were changed behind the engine: restore them from a backup");
        }
    }
}
