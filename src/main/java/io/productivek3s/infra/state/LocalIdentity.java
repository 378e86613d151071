package io.productivek3s.infra.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * This process as a {@link LockHolder}: the user from {@code USER}/{@code LOGNAME} (else the JVM's), the host from
 * the kernel (no DNS lookup: it may hang on a machine without a resolver), the pid.
 */
public final class LocalIdentity {
    private LocalIdentity() {
    }

    public static LockHolder holder(Map<String, String> env, String command, Instant startedAt) {
        return new LockHolder(user(env), host(env), ProcessHandle.current().pid(), command, startedAt);
    }

    static String user(Map<String, String> env) {
        for (String key : new String[] {"USER", "LOGNAME"}) {
            String value = env.get(key);
            if (value != null && !value.isBlank()) {
                return clean(value);
            }
        }
        return clean(System.getProperty("user.name", "unknown"));
    }

    static String host(Map<String, String> env) {
        try {
            String kernel = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).trim();
            if (!kernel.isEmpty()) {
                return clean(kernel);
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: fall through
        }
        String value = env.get("HOSTNAME");
        return value == null || value.isBlank() ? "localhost" : clean(value);
    }

    /** Names end up in one-line messages and JSON: no control characters, bounded length. */
    static String clean(String value) {
        String s = value.replaceAll("\\p{Cntrl}", "?");
        return s.length() > 128 ? s.substring(0, 128) : s;
    }
}
