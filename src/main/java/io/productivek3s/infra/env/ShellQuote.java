package io.productivek3s.infra.env;

/** Quoting for values written into generated bash files. */
public final class ShellQuote {
    private ShellQuote() {
    }

    /** Single-quoted bash word with the exact value: {@code it's} becomes {@code 'it'\''s'}. */
    public static String single(String value) {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
