package io.productivek3s.infra.state;

import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.util.BulkInputStream;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
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
        return new Checking(Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS));
    }

    @Override
    public Optional<Path> file() {
        return Optional.of(path);
    }

    private final class Checking extends BulkInputStream {
        private final InputStream in;
        private final MessageDigest md = Digests.newDigest();
        private long read;
        private boolean checked;

        Checking(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                md.update(b, off, n);
                read += n;
            } else if (n < 0 && !checked) {
                checked = true;
                if (read != size || !HexFormat.of().formatHex(md.digest()).equals(sha256)) {
                    throw new IOException(path + " changed while it was being stored");
                }
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            throw new IOException("a verified source is read, not skipped");
        }

        @Override
        public int available() throws IOException {
            return in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
