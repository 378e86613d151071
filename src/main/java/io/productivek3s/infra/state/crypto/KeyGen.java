package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * {@code state keygen} (docs/state.md "Encryption at rest", "Keys"): 32 bytes from {@link SecureRandom}, written in
 * base64 to a new file created with mode 0600. An existing file is never replaced: state sealed with the key it holds
 * would be lost with it.
 */
public final class KeyGen {
    private KeyGen() {
    }

    /**
     * A new key as its base64 line, for {@code state keygen} without {@code --output} (stdout, like {@code wg genkey}):
     * the caller writes it where it belongs. {@code toString} shows the id only.
     */
    public static NewKey generate(SecureRandom random) {
        byte[] master = new byte[StateKey.LENGTH];
        random.nextBytes(master);
        try {
            return new NewKey(Base64.getEncoder().encodeToString(master), StateKey.of(master).id());
        } finally {
            Arrays.fill(master, (byte) 0);
        }
    }

    /** A generated key: its base64 text (secret) and its id (public); its {@code toString} shows only the id. */
    public record NewKey(String base64, String id) {
        @Override
        public String toString() {
            return "NewKey[" + id + "]";
        }
    }

    /** A new key written to {@code file} (created, 0600; exit 4 if it exists); returns the key's id. */
    public static String write(Path file, SecureRandom random) {
        byte[] master = new byte[StateKey.LENGTH];
        random.nextBytes(master);
        byte[] text = (Base64.getEncoder().encodeToString(master) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path created = null;
        try {
            created = Files.createFile(file, PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
            try (OutputStream out = Files.newOutputStream(created, StandardOpenOption.WRITE)) {
                out.write(text);
            }
        } catch (FileAlreadyExistsException exists) {
            throw EngineException.invalid("refusing to overwrite " + file + ": a state key file is never replaced "
                    + "(state sealed with its key would be lost); choose another --output");
        } catch (NoSuchFileException noParent) {
            throw EngineException.missing("cannot write the state key to " + file + ": its directory does not exist");
        } catch (IOException e) {
            if (created != null) {
                Files2.deleteQuietly(created); // a half-written key would block the next keygen and is no key
            }
            throw EngineException.runtime("cannot write the state key to " + file + ": " + e.getClass().getSimpleName());
        } finally {
            Arrays.fill(text, (byte) 0);
        }
        try {
            return StateKey.of(master).id();
        } finally {
            Arrays.fill(master, (byte) 0);
        }
    }
}
