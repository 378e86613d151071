package io.productivek3s.infra.state.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import io.productivek3s.infra.util.BulkInputStream;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The sealed format of state at rest (docs/state.md "Encryption at rest", "Format"): AES-256-GCM from the JDK in
 * chunks, so a 150 MB provider binary is sealed and opened as a stream in constant memory (the JDK's GCM would
 * otherwise buffer a whole ciphertext before releasing any plaintext).
 *
 * <pre>
 * header  "PK3E" | format 1 | log2(chunk size) | key id (8 bytes) | nonce (12 random bytes)    26 bytes
 * chunk i ciphertext of min(chunk size, rest) plaintext bytes | GCM tag (16 bytes)
 * </pre>
 *
 * Written with 64 KiB chunks; read with any chunk size from 4 KiB to 1 MiB (the first items were written with 1 MiB).
 * Why 64 KiB (docs/performance.md "Encryption at rest"): the JDK's AES-GCM intrinsic only runs where the JIT has
 * compiled the code that calls it with C2, which takes thousands of calls; one call per 1 MiB chunk never got there
 * in 300 MB (~70 MB/s), one per 64 KiB does within the first tens of MB (1-2 GB/s after). The tag costs 0.02%.
 * Every chunk goes through one {@link Cipher} of its item into one reused buffer: no allocation per chunk; the
 * cipher and its buffers come from the key's {@link CipherPool} and serve the next item once this one is done.
 *
 * Chunk i uses the nonce with its last 8 bytes XOR i, and authenticates header | binding | i | final flag, so
 * chunks cannot be reordered, dropped, appended or cut off at a chunk boundary (the STREAM construction), and the
 * whole item cannot be moved to another object, record or cluster ({@link Binding}). The last chunk is the only one
 * marked final; an empty plaintext is one empty final chunk.
 */
public final class Sealed {
    static final byte[] MAGIC = {'P', 'K', '3', 'E'};
    static final int FORMAT = 1;
    /** log2 of the chunk size this version writes. */
    static final int CHUNK_LOG2 = 16;
    static final int CHUNK = 1 << CHUNK_LOG2;
    /** The chunk sizes a reader accepts (a header names its own; bounded, as it sizes a buffer before it is checked). */
    static final int MIN_CHUNK_LOG2 = 12;
    static final int MAX_CHUNK_LOG2 = 20;
    /** The first buffer of an item's chunk (grown as it needs, {@code Chunker#read}). */
    private static final int FIRST_BUFFER = 8192;
    static final int NONCE = 12;
    static final int TAG = 16;
    static final int HEADER = MAGIC.length + 2 + StateKey.ID_LENGTH + NONCE;

    private Sealed() {
    }

    /** The size of the sealed form of {@code plainSize} bytes. */
    public static long sealedSize(long plainSize) {
        long chunks = Math.max(1, (plainSize + CHUNK - 1) / CHUNK);
        return HEADER + plainSize + chunks * TAG;
    }

    /** Whether {@code bytes} start like a sealed item (the magic); anything else is plain state. */
    public static boolean isSealed(byte[] bytes) {
        return bytes.length >= MAGIC.length && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length);
    }

    /** The key id a sealed item names, or empty for plain or garbled bytes (for {@code doctor} and rekey). */
    public static java.util.Optional<String> keyId(byte[] prefix) {
        if (!isSealed(prefix) || prefix.length < MAGIC.length + 2 + StateKey.ID_LENGTH) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(HexFormat.of().formatHex(prefix, MAGIC.length + 2, MAGIC.length + 2 + StateKey.ID_LENGTH));
    }

    /** {@code plain} sealed under {@code key} for {@code binding}, as a stream of {@link #sealedSize} bytes. */
    public static InputStream seal(StateKey key, InputStream plain, Binding binding, SecureRandom random) {
        return seal(key, plain, binding, random, CHUNK_LOG2);
    }

    /** {@code plain} sealed in chunks of 2^{@code chunkLog2} bytes (tests: items as an earlier version wrote them). */
    static InputStream seal(StateKey key, InputStream plain, Binding binding, SecureRandom random, int chunkLog2) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        byte[] header = new byte[HEADER];
        System.arraycopy(MAGIC, 0, header, 0, MAGIC.length);
        header[MAGIC.length] = FORMAT;
        header[MAGIC.length + 1] = (byte) chunkLog2;
        System.arraycopy(key.idBytes(), 0, header, MAGIC.length + 2, StateKey.ID_LENGTH);
        System.arraycopy(nonce, 0, header, MAGIC.length + 2 + StateKey.ID_LENGTH, NONCE);
        return new SealingStream(new Chunker(key, header, binding, Cipher.ENCRYPT_MODE, 1 << chunkLog2), plain);
    }

    /** {@code plain} sealed, as bytes (records). */
    public static byte[] seal(StateKey key, byte[] plain, Binding binding, SecureRandom random) {
        return readAll(seal(key, new ByteArrayInputStream(plain), binding, random));
    }

    /**
     * The plaintext of the sealed stream {@code sealed}, opened with the key of {@code keys} its header names. Every
     * failure (no key, unknown key, tag, truncation, unknown format) is an exit-4 {@code EngineException} thrown by
     * {@code read}, before the chunk it concerns releases a byte.
     */
    public static InputStream open(KeyRing keys, InputStream sealed, Binding binding) {
        return new OpeningStream(keys, sealed, binding);
    }

    /** {@code sealed} opened, as bytes (records). */
    public static byte[] open(KeyRing keys, byte[] sealed, Binding binding) {
        return readAll(open(keys, new ByteArrayInputStream(sealed), binding));
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * AES-GCM over the chunks of one item: per-chunk nonce and associated data, one cipher and one output buffer,
     * borrowed from the key's {@link CipherPool} for the item's lifetime and given back by {@link #release}.
     */
    private static final class Chunker {
        private final CipherPool pool;
        private final StateKey key;
        private final byte[] nonce;
        private final byte[] chunkNonce = new byte[NONCE];
        private final byte[] prefix;
        private final byte[] aad;
        private final int chunk;
        private final int mode;
        /** The cipher and buffers of this item: the chunk read, and what the cipher made of it; null once released. */
        private CipherPool.Worker worker;

        Chunker(StateKey key, byte[] header, Binding binding, int mode, int chunk) {
            this.key = key;
            this.mode = mode;
            this.nonce = Arrays.copyOfRange(header, HEADER - NONCE, HEADER);
            byte[] bound = binding.associatedData();
            this.prefix = Arrays.copyOf(header, HEADER + bound.length + 9);
            System.arraycopy(bound, 0, prefix, HEADER, bound.length);
            this.aad = prefix.clone();
            this.chunk = chunk;
            this.pool = key.ciphers();
            this.worker = pool.take();
        }

        /** The buffer {@link #apply} wrote its result into. */
        byte[] output() {
            return worker.output;
        }

        /**
         * Gives the cipher and buffers back to the pool, once: only when nothing of the output is still to be read
         * (the item ended) or nobody will read it (the stream was closed), as the next item overwrites it.
         */
        void release() {
            if (worker != null) {
                pool.give(worker);
                worker = null;
            }
        }

        private CipherPool.Worker worker() throws IOException {
            if (worker == null) {
                throw new IOException("sealed stream closed");
            }
            return worker;
        }

        /**
         * Reads the next {@code max} bytes of {@code in} (fewer at its end) into the input buffer, returning how many.
         * The buffer starts small and doubles only while an item has more: 10,000 small objects must not each
         * need a whole chunk's buffer, and a big one reuses its buffer for every chunk (and the next item too).
         */
        int read(InputStream in, int max) throws IOException {
            CipherPool.Worker w = worker();
            int length = 0;
            while (length < max) {
                if (length == w.input.length) {
                    w.input = Arrays.copyOf(w.input, Math.min(max, Math.max(FIRST_BUFFER, 2 * w.input.length)));
                }
                int want = Math.min(max, w.input.length) - length;
                int n = in.readNBytes(w.input, length, want);
                length += n;
                if (n < want) {
                    return length; // the end of the item
                }
            }
            return length; // a buffer an earlier item grew may be bigger than this item's chunk
        }

        /**
         * The first {@code length} bytes of the input buffer through the cipher into the output buffer, returning
         * the output's length; an {@code AEADBadTagException} when they do not authenticate (then nothing of them is
         * released: the JDK zeroes the output and the caller throws). The cipher is initialised here for this chunk
         * alone, with its own nonce: whatever an earlier item or a failed chunk left in it is reset.
         */
        int apply(int length, long index, boolean last) throws IOException, AEADBadTagException {
            CipherPool.Worker w = worker();
            if (w.output.length < length + TAG) {
                w.output = new byte[Math.max(length + TAG, Math.min(chunk + TAG, 2 * w.output.length))];
            }
            System.arraycopy(nonce, 0, chunkNonce, 0, NONCE);
            for (int i = 0; i < 8; i++) {
                chunkNonce[NONCE - 1 - i] ^= (byte) (index >>> (8 * i));
                aad[aad.length - 2 - i] = (byte) (index >>> (8 * i));
            }
            aad[aad.length - 1] = (byte) (last ? 1 : 0);
            try {
                w.cipher.init(mode, key.cipherKey(), new GCMParameterSpec(TAG * 8, chunkNonce));
                w.cipher.updateAAD(aad);
                return w.cipher.doFinal(w.input, 0, length, w.output, 0);
            } catch (AEADBadTagException bad) {
                throw bad;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-256-GCM failed: " + e.getClass().getSimpleName(), e);
            }
        }
    }

    /** Plaintext in, header and sealed chunks out. */
    private static final class SealingStream extends ChunkStream {
        private final Chunker chunker;
        private final PushbackInputStream plain;
        private long index;
        private boolean done;

        SealingStream(Chunker chunker, InputStream plain) {
            this(chunker, new PushbackInputStream(plain, 1));
        }

        private SealingStream(Chunker chunker, PushbackInputStream plain) {
            super(plain);
            this.chunker = chunker;
            this.plain = plain;
            byte[] header = Arrays.copyOf(chunker.prefix, HEADER);
            setPending(header, HEADER);
        }

        @Override
        boolean fill() throws IOException {
            if (done) {
                chunker.release(); // every byte of the last chunk was read
                return false;
            }
            int length = chunker.read(plain, chunker.chunk);
            boolean last = length < chunker.chunk || atEnd(plain);
            try {
                int sealed = chunker.apply(length, index++, last); // before reading output: apply may grow it
                setPending(chunker.output(), sealed);
            } catch (AEADBadTagException impossible) {
                throw new IllegalStateException("sealing never checks a tag", impossible);
            }
            done = last;
            return true;
        }

        @Override
        void released() {
            chunker.release();
        }
    }

    /** Header and sealed chunks in, verified plaintext out. */
    private static final class OpeningStream extends ChunkStream {
        private final KeyRing keys;
        private final PushbackInputStream sealed;
        private final Binding binding;
        private Chunker chunker;
        private String keyId;
        private long index;
        private boolean done;

        OpeningStream(KeyRing keys, InputStream sealed, Binding binding) {
            this(keys, new PushbackInputStream(sealed, 1), binding);
        }

        private OpeningStream(KeyRing keys, PushbackInputStream sealed, Binding binding) {
            super(sealed);
            this.keys = keys;
            this.sealed = sealed;
            this.binding = binding;
        }

        @Override
        boolean fill() throws IOException {
            if (chunker == null) {
                chunker = header();
            }
            if (done) {
                chunker.release(); // every byte of the last chunk was read
                return false;
            }
            int length = chunker.read(sealed, chunker.chunk + TAG);
            boolean last = length < chunker.chunk + TAG || atEnd(sealed);
            if (length < TAG) {
                throw SealFailure.truncated(binding, keyId);
            }
            try {
                int opened = chunker.apply(length, index, last); // before reading output: apply may grow it
                setPending(chunker.output(), opened);
            } catch (AEADBadTagException bad) {
                throw last && authenticatesAsInner(length) ? SealFailure.truncated(binding, keyId)
                        : SealFailure.notAuthentic(binding, keyId);
            }
            index++;
            done = last;
            return true;
        }

        /** A last chunk that authenticates as a non-final one: the item was cut off at a chunk boundary. */
        private boolean authenticatesAsInner(int length) throws IOException {
            try {
                chunker.apply(length, index, false);
                return true;
            } catch (AEADBadTagException notThatEither) {
                return false;
            }
        }

        @Override
        void released() {
            if (chunker != null) {
                chunker.release();
            }
        }

        private Chunker header() throws IOException {
            byte[] header = sealed.readNBytes(HEADER);
            if (header.length <= MAGIC.length && Arrays.equals(header, 0, header.length, MAGIC, 0, header.length)) {
                throw SealFailure.truncated(binding, "unknown");
            }
            if (!isSealed(header)) {
                throw SealFailure.notSealed(binding);
            }
            int format = header[MAGIC.length] & 0xff;
            int log2 = header.length > MAGIC.length + 1 ? header[MAGIC.length + 1] : CHUNK_LOG2;
            if (format != FORMAT || log2 < MIN_CHUNK_LOG2 || log2 > MAX_CHUNK_LOG2) {
                throw SealFailure.unknownFormat(binding, format);
            }
            if (header.length < HEADER) {
                throw SealFailure.truncated(binding, keyId(header).orElse("unknown"));
            }
            keyId = keyId(header).orElseThrow();
            if (!keys.encrypts() && keys.oldIds().isEmpty()) {
                throw SealFailure.noKey(binding, keyId);
            }
            StateKey key = keys.find(keyId).orElseThrow(() -> SealFailure.unknownKey(binding, keyId, keys));
            return new Chunker(key, header, binding, Cipher.DECRYPT_MODE, 1 << log2);
        }
    }

    /** Whether {@code in} ends here; a byte read to find out is pushed back as the start of the next chunk. */
    private static boolean atEnd(PushbackInputStream in) throws IOException {
        int next = in.read();
        if (next < 0) {
            return true;
        }
        in.unread(next);
        return false;
    }

    /** An input stream that hands out one produced chunk at a time. */
    private abstract static class ChunkStream extends BulkInputStream {
        private final InputStream source;
        private byte[] pending = new byte[0];
        private int limit;
        private int position;

        ChunkStream(InputStream source) {
            this.source = source;
        }

        abstract boolean fill() throws IOException;

        /** The stream is closed: its cipher goes back to its pool (nothing of its output is read any more). */
        abstract void released();

        /** The first {@code length} bytes of {@code bytes} are served next (the array is reused after they are). */
        final void setPending(byte[] bytes, int length) {
            pending = bytes;
            limit = length;
            position = 0;
        }

        @Override
        public int read(byte[] target, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (position >= limit) {
                if (!fill()) {
                    return -1;
                }
            }
            int n = Math.min(length, limit - position);
            System.arraycopy(pending, position, target, offset, n);
            position += n;
            return n;
        }

        @Override
        public void close() throws IOException {
            limit = 0;
            position = 0;
            released();
            source.close();
        }
    }
}
