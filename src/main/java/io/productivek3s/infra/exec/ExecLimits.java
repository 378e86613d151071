package io.productivek3s.infra.exec;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The kernel's limits for starting a child (execve): one argument or {@code NAME=value} string may be at most
 * MAX_ARG_STRLEN (131072 bytes with its NUL), and all strings plus one pointer each must fit in ARG_MAX, which
 * Linux derives from the stack limit (a quarter of it, at least 128 KiB, at most 6 MiB). Checked before anything
 * runs, so an oversized environment is named as such instead of surfacing as a failed exec.
 */
public final class ExecLimits {
    public static final int MAX_ARG_STRLEN = 32 * 4096;
    private static final long ARG_MIN = 128 * 1024;
    private static final long DEFAULT_ARG_MAX = 2L * 1024 * 1024;
    private static final long STACK_CAP = 6L * 1024 * 1024;

    private final long argMax;

    public ExecLimits(long argMax) {
        this.argMax = argMax;
    }

    /** Limits of this process (children inherit its stack limit); 2 MiB when {@code /proc} cannot tell. */
    public static ExecLimits current() {
        return new ExecLimits(argMaxFrom(Path.of("/proc/self/limits")));
    }

    public long argMax() {
        return argMax;
    }

    /**
     * @param reserve bytes kept free for what is added later (telemetry variables, argv), 0 for the exact check
     * @throws EngineException exit 4 naming the limit and the variable
     */
    public void check(List<String> argv, Map<String, String> env, long reserve) {
        long total = reserve;
        for (String arg : argv) {
            total += bytes(arg) + 1 + 8;
        }
        for (Map.Entry<String, String> entry : env.entrySet()) {
            long length = bytes(entry.getKey()) + 1 + bytes(entry.getValue()) + 1;
            if (length > MAX_ARG_STRLEN) {
                throw EngineException.invalid("environment variable " + entry.getKey() + " is " + length
                        + " bytes; the kernel limits one environment string to " + MAX_ARG_STRLEN + " bytes (MAX_ARG_STRLEN)");
            }
            total += length + 8;
        }
        if (total > argMax) {
            throw EngineException.invalid("the child environment and arguments need " + total
                    + " bytes; the kernel allows " + argMax + " bytes (ARG_MAX, a quarter of the stack limit)");
        }
    }

    static long argMaxFrom(Path limits) {
        try {
            for (String line : Files.readAllLines(limits)) {
                if (line.startsWith("Max stack size")) {
                    String soft = line.substring("Max stack size".length()).trim().split("\\s+")[0];
                    long stack = soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                    return Math.max(ARG_MIN, Math.min(stack / 4, STACK_CAP));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected format: the common default
        }
        return DEFAULT_ARG_MAX;
    }

    private static long bytes(String s) {
        // ASCII fast path: most of an environment is ASCII
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return s.getBytes(StandardCharsets.UTF_8).length;
            }
        }
        return s.length();
    }
}
