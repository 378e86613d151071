package io.productivek3s.infra.pkg;

import java.util.Map;

/**
 * Upper bounds for reading a {@code profile.tgz} (docs/contract/package.md#safe-extraction).
 *
 * @param maxBytes   total uncompressed size of the tar stream, headers included
 * @param maxEntries number of archive members, and of distinct paths they create (directories implied by
 *                   member names included)
 */
public record ExtractionLimits(long maxBytes, long maxEntries) {
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    public static final long DEFAULT_MAX_ENTRIES = 50_000L;
    public static final String MAX_BYTES_VARIABLE = "PK3S_INFRA_MAX_PACKAGE_BYTES";
    public static final String MAX_ENTRIES_VARIABLE = "PK3S_INFRA_MAX_PACKAGE_ENTRIES";

    public ExtractionLimits {
        if (maxBytes <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("extraction limits must be positive");
        }
    }

    public static ExtractionLimits defaults() {
        return new ExtractionLimits(DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES);
    }

    /** Reads both variables; a missing, non-numeric or non-positive value falls back to its default. */
    public static ExtractionLimits fromEnv(Map<String, String> env) {
        return new ExtractionLimits(
                positiveOr(env.get(MAX_BYTES_VARIABLE), DEFAULT_MAX_BYTES),
                positiveOr(env.get(MAX_ENTRIES_VARIABLE), DEFAULT_MAX_ENTRIES));
    }

    private static long positiveOr(String raw, long fallback) {
        if (raw == null || !raw.trim().matches("[0-9]{1,18}")) {
            return fallback;
        }
        long value = Long.parseLong(raw.trim());
        return value > 0 ? value : fallback;
    }
}
