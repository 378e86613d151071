package io.productivek3s.infra.sign;

/** Untrusted signature, key or trust-file bytes that do not parse; the message is one line naming what is wrong. */
public final class SignatureFormatException extends RuntimeException {
    public SignatureFormatException(String message) {
        super(message);
    }
}
