package io.productivek3s.infra.sign;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the SSH wire format (RFC 4251 section 5: {@code uint32}, {@code string}, {@code mpint}) from untrusted bytes.
 * Every length is checked against what is left before anything is copied, so a hostile length is one
 * {@link SignatureFormatException}, never an allocation of gigabytes or an index error (docs/signing.md "Formats").
 */
final class SshReader {
    private final byte[] data;
    private int position;

    SshReader(byte[] data) {
        this.data = data;
    }

    int readUint32() {
        require(4, "a length");
        int value = ((data[position] & 0xff) << 24) | ((data[position + 1] & 0xff) << 16)
                | ((data[position + 2] & 0xff) << 8) | (data[position + 3] & 0xff);
        position += 4;
        return value;
    }

    int readByte() {
        require(1, "a byte");
        return data[position++] & 0xff;
    }

    byte[] readBytes(int length, String what) {
        require(length, what);
        byte[] bytes = Arrays.copyOfRange(data, position, position + length);
        position += length;
        return bytes;
    }

    byte[] readString(String what) {
        int length = readUint32();
        if (length < 0) {
            throw new SignatureFormatException(what + " has an impossible length");
        }
        return readBytes(length, what);
    }

    /** A {@code string} that must be printable ASCII (names, namespaces, algorithms). */
    String readText(String what) {
        byte[] bytes = readString(what);
        for (byte b : bytes) {
            if (b < 0x20 || b > 0x7e) {
                throw new SignatureFormatException(what + " is not printable text");
            }
        }
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    /** A non-negative {@code mpint} (RSA exponent and modulus, ECDSA r and s). */
    BigInteger readPositiveMpint(String what) {
        byte[] bytes = readString(what);
        if (bytes.length == 0) {
            return BigInteger.ZERO;
        }
        if ((bytes[0] & 0x80) != 0) {
            throw new SignatureFormatException(what + " is negative");
        }
        return new BigInteger(1, bytes);
    }

    boolean atEnd() {
        return position == data.length;
    }

    void requireEnd(String what) {
        if (!atEnd()) {
            throw new SignatureFormatException(what + " has " + (data.length - position) + " unexpected trailing bytes");
        }
    }

    private void require(int length, String what) {
        if (length < 0 || length > data.length - position) {
            throw new SignatureFormatException(what + " is truncated");
        }
    }
}
