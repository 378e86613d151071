package io.productivek3s.infra.env;

/**
 * Bounds on what env files may produce, so a hostile file (values that expand each other exponentially, a huge
 * file, {@code /dev/zero} as an override) fails in milliseconds with one line instead of exhausting memory. The
 * value bound is the kernel's own limit for one environment string (MAX_ARG_STRLEN, 128 KiB): a longer value could
 * never reach a child anyway. The total stays well under the kernel's ARG_MAX for argv plus environment (2 MiB with
 * the default 8 MiB stack), leaving room for the caller's own environment.
 */
public final class EnvLimits {
    /** Largest env file read, in bytes; upstream profiles are a few KiB. */
    public static final int MAX_FILE_BYTES = 1 << 20;
    /** Longest value after expansion, in characters (the kernel's MAX_ARG_STRLEN is 131072 bytes incl. NAME=). */
    public static final int MAX_VALUE_CHARS = 128 * 1024;
    /** Sum of {@code NAME=value} over all file values, in characters. */
    public static final int MAX_TOTAL_CHARS = 1 << 20;

    private EnvLimits() {
    }
}
