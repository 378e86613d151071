package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Printable;
import java.time.Instant;
import java.util.Objects;

/**
 * Who holds (or asks for) a profile's state lock: shown in every "locked" message, in {@code state unlock --force}
 * and recorded as the author of a revision ({@code user@host}). A holder may come from a shared database's lease row:
 * its strings are made {@link Printable} here.
 */
public record LockHolder(String user, String host, long pid, String command, Instant startedAt) {
    public LockHolder {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(startedAt, "startedAt");
        user = Printable.clean(user);
        host = Printable.clean(host);
        command = Printable.clean(command);
    }

    /** {@code user@host}, the author recorded with a revision. */
    public String who() {
        return user + "@" + host;
    }

    /** {@code user@host pid 123 (profile install) since 2026-11-28T10:00:00Z}, for messages. */
    public String describe() {
        return who() + " pid " + pid + " (" + command + ") since " + startedAt;
    }
}
