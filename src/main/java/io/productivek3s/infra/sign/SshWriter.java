package io.productivek3s.infra.sign;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the SSH wire format; used to rebuild the exact bytes an SSHSIG signature covers. */
final class SshWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    SshWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    SshWriter string(byte[] bytes) {
        int length = bytes.length;
        out.write(length >>> 24);
        out.write(length >>> 16);
        out.write(length >>> 8);
        out.write(length);
        out.writeBytes(bytes);
        return this;
    }

    SshWriter string(String text) {
        return string(text.getBytes(StandardCharsets.UTF_8));
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
