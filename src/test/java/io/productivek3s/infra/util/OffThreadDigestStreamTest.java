package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Hashing on a second thread gives exactly the digest of the bytes read, whatever the chunking, and never hangs. */
class OffThreadDigestStreamTest {
    private static final int CHUNK = 16;

    private static byte[] bytes(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    private static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, CHUNK * OffThreadDigestStream.BUFFERS,
            CHUNK * OffThreadDigestStream.BUFFERS * 7 + 5, 100_003})
    void digestAndBytesAreThoseOfTheStream(int size) throws IOException {
        byte[] data = bytes(size);
        byte[] seen;
        byte[] digest;
        try (OffThreadDigestStream in = new OffThreadDigestStream(new ByteArrayInputStream(data), Digests.newDigest(),
                CHUNK)) {
            // odd read sizes cross chunk borders
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[CHUNK * 3 - 1];
            int n;
            while ((n = in.read(buffer, 0, buffer.length)) >= 0) {
                out.write(buffer, 0, n);
            }
            seen = out.toByteArray();
            digest = in.digest();
        }
        assertThat(seen).isEqualTo(data);
        assertThat(hex(digest)).isEqualTo(Digests.sha256(data));
    }

    @Test
    void digestCoversWhatTheReaderLeftUnread() throws IOException {
        byte[] data = bytes(CHUNK * 10 + 3);
        try (OffThreadDigestStream in = new OffThreadDigestStream(new ByteArrayInputStream(data), Digests.newDigest(),
                CHUNK)) {
            assertThat(in.read()).isEqualTo(data[0] & 0xff);
            assertThat(hex(in.digest())).isEqualTo(Digests.sha256(data));
        }
    }

    @Test
    void closingBeforeTheEndStopsTheHasher() throws IOException, InterruptedException {
        OffThreadDigestStream in = new OffThreadDigestStream(new ByteArrayInputStream(bytes(CHUNK * 100)),
                Digests.newDigest(), CHUNK);
        in.read(new byte[CHUNK * 2]);
        in.close();
        assertThat(in.hasherDone()).isTrue();
    }

    @Test
    void aSlowHasherHoldsTheReaderBackInsteadOfBuffering() throws IOException, InterruptedException {
        // The source counts what was read from it: with the hasher blocked, at most BUFFERS chunks can be taken.
        int[] taken = new int[1];
        InputStream source = new InputStream() {
            @Override
            public int read() {
                taken[0]++;
                return 7;
            }
        };
        java.security.MessageDigest blocked = new java.security.MessageDigest("blocked") {
            @Override
            protected void engineUpdate(byte input) {
            }

            @Override
            protected void engineUpdate(byte[] input, int offset, int len) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            protected byte[] engineDigest() {
                return new byte[0];
            }

            @Override
            protected void engineReset() {
            }
        };
        OffThreadDigestStream in = new OffThreadDigestStream(source, blocked, CHUNK);
        Thread reader = new Thread(() -> {
            try {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // interrupted below
            }
        });
        reader.setDaemon(true);
        reader.start();
        reader.join(300);
        assertThat(reader.isAlive()).isTrue();
        assertThat(taken[0]).isEqualTo(CHUNK * OffThreadDigestStream.BUFFERS);
        reader.interrupt();
        reader.join(10_000);
        in.close();
        assertThat(in.hasherDone()).isTrue();
    }
}
