package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.util.BulkInputStream;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * A stream that fails at its end when what it passed on does not have the sha256 {@code expected}: the decorator
 * re-seals stored objects without the layer's checks in between, so it checks them itself (a plain object is only
 * as trustworthy as the backend).
 */
final class DigestCheckingStream extends BulkInputStream {
    private final InputStream in;
    private final MessageDigest digest = Digests.newDigest();
    private final String name;
    private final String expected;

    DigestCheckingStream(InputStream in, String name, String expected) {
        this.in = in;
        this.name = name;
        this.expected = expected;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n > 0) {
            digest.update(buffer, offset, n);
        } else if (n < 0) {
            String actual = HexFormat.of().formatHex(digest.digest());
            digest.reset();
            if (!actual.equals(expected)) {
                throw new IOException("stored content of profile state '" + name + "' does not match its digest "
                        + expected + " (it has " + actual + ")");
            }
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("a digest-checked stream is read, not skipped");
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
