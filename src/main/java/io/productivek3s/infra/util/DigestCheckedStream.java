package io.productivek3s.infra.util;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Passes a stream on while hashing it (sha256); at its end, hands the number of bytes and their digest to a
 * {@link Check} that refuses content which is not what a record says it is (docs/state.md "State layer and drivers",
 * verification on write and read). Skipping is refused: a skipped byte would go unhashed.
 */
public final class DigestCheckedStream extends BulkInputStream {
    /** Decides, once the stream ended, whether {@code bytes} bytes of digest {@code sha256} are acceptable. */
    @FunctionalInterface
    public interface Check {
        void verify(long bytes, String sha256) throws IOException;
    }

    private final InputStream in;
    private final Check check;
    private final MessageDigest md = Digests.newDigest();
    private long count;
    private boolean checked;

    public DigestCheckedStream(InputStream in, Check check) {
        this.in = in;
        this.check = check;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            md.update(b, off, n);
            count += n;
        } else if (n < 0 && !checked) {
            checked = true;
            check.verify(count, HexFormat.of().formatHex(md.digest()));
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
