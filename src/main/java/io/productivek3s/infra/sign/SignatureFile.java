package io.productivek3s.infra.sign;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** A signature's bytes and where they came from, as shown in messages ({@code profile.tgz.sig}, a URL). */
public record SignatureFile(String shown, byte[] bytes) {
    /** The suffix of a signature published beside what it signs: {@code profile.tgz.sig}, {@code index.yaml.sig}. */
    public static final String SUFFIX = ".sig";

    /** Where a file's signature lives beside it. */
    public static Path beside(Path file) {
        return file.resolveSibling(file.getFileName() + SUFFIX);
    }

    /**
     * Reads a local signature file: a regular file (a FIFO would block, {@code /dev/zero} never ends), at most
     * {@link SshSignature#MAX_BYTES} plus one byte, so an oversized file is reported, not read whole.
     */
    public static SignatureFile read(Path file, String shown) {
        if (!Files.isRegularFile(file)) {
            throw Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                    ? EngineException.invalid("signature file is not a regular file: " + shown)
                    : EngineException.missing("signature file not found: " + shown);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return new SignatureFile(shown, in.readNBytes(SshSignature.MAX_BYTES + 1));
        } catch (IOException e) {
            throw EngineException.missing("could not read signature file " + shown + ": " + e.getMessage());
        }
    }
}
