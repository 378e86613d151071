package io.productivek3s.infra.state;

import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.util.DigestCheckedStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A staged file handed to a driver as object {@code sha256}: its stream checks, when it reaches its end, that the
 * bytes read have the size and digest the manifest recorded, and fails otherwise, so a file changed between the scan
 * and the upload is never stored under the old digest (docs/state.md "State layer and drivers", verification on
 * write).
 */
record VerifiedSource(Path path, String sha256, long size) implements ObjectSource {
    @Override
    public InputStream open() throws IOException {
        return new DigestCheckedStream(Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS), (bytes, digest) -> {
            if (bytes != size || !digest.equals(sha256)) {
                throw new IOException(path + " changed while it was being stored");
            }
        });
    }

    @Override
    public Optional<Path> file() {
        return Optional.of(path);
    }
}
