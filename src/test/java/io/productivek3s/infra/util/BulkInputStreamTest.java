package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** A byte-by-byte reader goes through the bulk read, sees bytes as 0..255 and the end as -1. */
class BulkInputStreamTest {
    /** Serves {@code data} one bulk call at a time and counts the calls. */
    private static final class Counting extends BulkInputStream {
        private final byte[] data;
        private int position;
        private int bulkCalls;

        Counting(byte[] data) {
            this.data = data;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            bulkCalls++;
            if (position == data.length) {
                return -1;
            }
            int n = Math.min(length, data.length - position);
            System.arraycopy(data, position, buffer, offset, n);
            position += n;
            return n;
        }
    }

    @Test
    void singleByteReadsGoThroughTheBulkReadAndKeepHighBytesPositive() throws IOException {
        Counting stream = new Counting(new byte[] {0, 0x7f, (byte) 0x80, (byte) 0xff});

        assertThat(new int[] {stream.read(), stream.read(), stream.read(), stream.read(), stream.read()})
                .containsExactly(0, 0x7f, 0x80, 0xff, -1);
        assertThat(stream.bulkCalls).isEqualTo(5);
    }
}
