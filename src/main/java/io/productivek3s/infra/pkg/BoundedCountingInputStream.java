package io.productivek3s.infra.pkg;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the decompressed tar bytes and stops reading once a limit is crossed, so that neither a
 * decompression bomb nor an oversized metadata header (PAX records are buffered in memory by the tar reader)
 * is ever fully read. The reason is kept in {@link #exceeded()} because the tar layer may rewrap the exception.
 */
final class BoundedCountingInputStream extends FilterInputStream {
    static final class LimitExceededException extends IOException {
        LimitExceededException(String detail) {
            super(detail);
        }
    }

    private final long maxBytes;
    private final long maxHeaderBytes;
    private long count;
    private long headerStart = -1;
    private String exceeded;

    BoundedCountingInputStream(InputStream in, long maxBytes, long maxHeaderBytes) {
        super(in);
        this.maxBytes = maxBytes;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /** Starts bounding the bytes consumed for the next member header (PAX, GNU long names). */
    void beginHeader() {
        headerStart = count;
    }

    void endHeader() {
        headerStart = -1;
    }

    long count() {
        return count;
    }

    /** The limit detail once a limit was crossed, else null. */
    String exceeded() {
        return exceeded;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) {
            add(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0) {
            add(n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        // Route skips through read so that skipped bytes are counted too.
        byte[] scratch = new byte[(int) Math.min(8192, Math.max(n, 1))];
        long skipped = 0;
        while (skipped < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void add(int n) throws LimitExceededException {
        count += n;
        if (count > maxBytes) {
            throw fail("more than " + maxBytes + " bytes");
        }
        if (headerStart >= 0 && count - headerStart > maxHeaderBytes) {
            throw fail("a member header larger than " + maxHeaderBytes + " bytes");
        }
    }

    private LimitExceededException fail(String detail) {
        if (exceeded == null) {
            exceeded = detail;
        }
        return new LimitExceededException(exceeded);
    }
}
