package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Digests as published: {@code sha256sum} output files and catalog {@code sha256} fields (lowercase hex). */
public final class Sha256Line {
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private Sha256Line() {
    }

    /**
     * The digest of a {@code sha256sum}-format file: only the first field counts (its path field may name another
     * directory, e.g. {@code dist/...}, docs/contract/core.md#core-bundle-contract).
     */
    public static String parseFile(byte[] content, String source) {
        String text = new String(content, StandardCharsets.UTF_8).strip();
        String first = text.isEmpty() ? "" : text.split("\\s+", 2)[0];
        return digest(first).orElseThrow(() -> EngineException.invalid("checksum file " + source
                + " does not start with a sha256 digest"));
    }

    /** A 64-digit hex digest, lowercased; empty for anything else. */
    public static Optional<String> digest(String value) {
        return value != null && HEX.matcher(value).matches() ? Optional.of(value.toLowerCase(Locale.ROOT)) : Optional.empty();
    }

    /** The docs/contract/output.md#contract-validation-binding-exit-4 mismatch error (exit 4). */
    public static EngineException mismatch(String name, String expected, String actual) {
        return EngineException.invalid("artifact checksum mismatch for " + name + ": expected " + expected + ", got " + actual);
    }
}
