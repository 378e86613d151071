package io.productivek3s.infra.util;

import java.io.IOException;
import java.io.InputStream;

/**
 * An {@link InputStream} whose every read goes through its bulk {@link #read(byte[], int, int)}: streams that hash,
 * count or check the bytes they serve do it in one place, and a caller reading byte by byte cannot bypass it.
 */
public abstract class BulkInputStream extends InputStream {
    @Override
    public final int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public abstract int read(byte[] buffer, int offset, int length) throws IOException;
}
