package io.productivek3s.infra.state.driver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The content of one object to store. The layer's sources check the content while it is read: a stream whose bytes
 * do not have the announced size and digest fails at its end, so a driver that stores only after reading to the end
 * never stores wrong content. A driver may instead use {@link #file()} (a private, immutable staged file with exactly
 * these bytes, already verified by the layer), e.g. to hard-link a big file rather than copy it; a decorator that
 * transforms the bytes (encryption) offers no file.
 */
public interface ObjectSource {
    /** A fresh stream over the content, checked as described above. */
    InputStream open() throws IOException;

    /** The staged file holding exactly these bytes, when the driver may use it directly. */
    default Optional<Path> file() {
        return Optional.empty();
    }
}
