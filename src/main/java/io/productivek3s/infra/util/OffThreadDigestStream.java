package io.productivek3s.infra.util;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads a stream and hashes every byte read on a second thread, so that hashing a big package overlaps with what
 * consumes it (inflating) instead of adding to it. Memory is bounded: {@value #BUFFERS} chunks exist, ever; the
 * reader waits for a free one when the hasher falls behind. One hasher takes chunks in read order, so the digest is
 * exactly the one of the bytes read, as with {@link java.security.DigestInputStream}.
 *
 * <p>A chunk goes back to the free pool only after it was hashed, and the reader refills only a chunk it has fully
 * served, so no chunk is written while it is still being read.
 */
public final class OffThreadDigestStream extends BulkInputStream {
    static final int BUFFERS = 4;

    private record Chunk(byte[] bytes, int length) {
    }

    private static final Chunk END = new Chunk(new byte[0], -1);

    private final InputStream in;
    private final MessageDigest digest;
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    /** Never more than BUFFERS chunks plus the end marker: put() never waits. */
    private final BlockingQueue<Chunk> pending = new ArrayBlockingQueue<>(BUFFERS + 1);
    private final Thread hasher;
    private byte[] current;
    private int position;
    private int limit;
    private boolean ended;

    /** Starts the hasher thread; {@code digest} must not be used by anyone else until {@link #digest()} returns. */
    public OffThreadDigestStream(InputStream in, MessageDigest digest, int chunkBytes) {
        this.in = in;
        this.digest = digest;
        for (int i = 0; i < BUFFERS; i++) {
            free.add(new byte[chunkBytes]);
        }
        this.hasher = new Thread(this::hashChunks, "package-digest");
        hasher.setDaemon(true);   // never keeps the JVM alive, whatever the reader does
        hasher.start();
    }

    private void hashChunks() {
        try {
            while (true) {
                Chunk chunk = pending.take();
                if (chunk == END) {
                    return;
                }
                digest.update(chunk.bytes(), 0, chunk.length());
                free.add(chunk.bytes());
            }
        } catch (InterruptedException e) {
            // the reader gave up (close before the end): the digest is abandoned
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (position == limit && !fill()) {
            return -1;
        }
        int n = Math.min(length, limit - position);
        System.arraycopy(current, position, buffer, offset, n);
        position += n;
        return n;
    }

    /** Reads the next chunk and hands it to the hasher; false at the end of the stream. */
    private boolean fill() throws IOException {
        if (ended) {
            return false;
        }
        byte[] next;
        try {
            next = free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
        int n = in.readNBytes(next, 0, next.length);
        if (n == 0) {
            ended = true;
            pending.add(END);
            return false;
        }
        pending.add(new Chunk(next, n));
        current = next;
        position = 0;
        limit = n;
        return true;
    }

    /** The digest of every byte of the stream; reads (and hashes) whatever the caller left unread first. */
    public byte[] digest() throws IOException {
        byte[] scratch = new byte[8192];
        while (read(scratch, 0, scratch.length) >= 0) {
            // drain
        }
        try {
            hasher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        }
        return digest.digest();
    }

    /** Closes the underlying stream and stops the hasher if the end was never reached. */
    @Override
    public void close() throws IOException {
        if (!ended) {
            hasher.interrupt();
        }
        in.close();
    }

    /** For tests: whether the hasher thread has ended. */
    boolean hasherDone() throws InterruptedException {
        hasher.join(10_000);
        return !hasher.isAlive();
    }
}
