package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reads a key or passphrase file named by a variable (docs/state.md "Encryption at rest", "Keys"). Like ssh with a
 * private key, a file that group or others may read or write is refused: a key others can read protects nothing,
 * and one others can write could be swapped for theirs, sealing the next revision to them. Messages name the
 * variable and the path, never the content (a decoder's message could quote a character of the key, so none is
 * passed on).
 */
final class KeyFile {
    /** Bigger than any key or sane passphrase; a bigger file is a mistake (a wrong path), not a key. */
    static final int MAX_BYTES = 4096;
    /** The shortest passphrase accepted: PBKDF2 slows guessing down, it cannot make a short passphrase strong. */
    static final int MIN_PASSPHRASE = 12;
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private KeyFile() {
    }

    /** The 32 key bytes of the base64 key file {@code file} ({@code variable} names it in messages). */
    static byte[] key(String variable, Path file) {
        String text = new String(read(variable, file), StandardCharsets.US_ASCII).strip();
        byte[] key = null;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException notBase64) {
            // reported below, without the decoder's message (it quotes the offending character)
        }
        if (key == null || key.length != StateKey.LENGTH) {
            throw EngineException.invalid(variable + " " + file + " is not a state key: a key file holds "
                    + StateKey.LENGTH + " random bytes in base64 (44 characters), as 'state keygen' writes");
        }
        return key;
    }

    /** The passphrase in {@code file}: its text without trailing line breaks, at least {@value #MIN_PASSPHRASE} characters. */
    static char[] passphrase(String variable, Path file) {
        String text = new String(read(variable, file), StandardCharsets.UTF_8).replaceAll("[\r\n]+$", "");
        if (text.codePointCount(0, text.length()) < MIN_PASSPHRASE) {
            throw EngineException.invalid(variable + " " + file + " holds a passphrase shorter than " + MIN_PASSPHRASE
                    + " characters: use a longer one, or a key file ('state keygen', PK3S_STATE_ENCRYPTION_KEY_FILE)");
        }
        return text.toCharArray();
    }

    private static byte[] read(String variable, Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                throw EngineException.invalid(variable + " names no regular file: " + file);
            }
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
                throw EngineException.invalid(variable + " " + file + " is accessible by group or others (mode "
                        + PosixFilePermissions.toString(mode) + "): a state key must be private; run: chmod 600 " + file);
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] content = in.readNBytes(MAX_BYTES + 1);
                if (content.length > MAX_BYTES) {
                    throw EngineException.invalid(variable + " " + file + " is larger than " + MAX_BYTES
                            + " bytes: not a key or passphrase file");
                }
                return content;
            }
        } catch (NoSuchFileException gone) {
            throw EngineException.invalid(variable + " names no regular file: " + file);
        } catch (IOException e) {
            throw EngineException.invalid("cannot read " + variable + " " + file + ": " + e.getClass().getSimpleName());
        } catch (UnsupportedOperationException notPosix) {
            throw EngineException.invalid(variable + " " + file + " is on a filesystem without POSIX modes: its "
                    + "privacy cannot be checked; keep it on a local filesystem with mode 0600");
        }
    }
}
