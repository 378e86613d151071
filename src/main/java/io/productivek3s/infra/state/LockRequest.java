package io.productivek3s.infra.state;

import java.time.Duration;
import java.util.Objects;

/**
 * How to take a profile's state lock: on behalf of {@code holder}, waiting up to {@code timeout} for another holder
 * to let go ({@link Duration#ZERO}: fail at once, the default of docs/contract/state-files.md#locking).
 */
public record LockRequest(LockHolder holder, Duration timeout) {
    public LockRequest {
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative lock timeout");
        }
    }

    public static LockRequest now(LockHolder holder) {
        return new LockRequest(holder, Duration.ZERO);
    }

    /**
     * The line every backend prints once when it has to wait: {@code waiting up to 60 s for the lock on profile
     * state for 'x' held by …} (milliseconds below a second, so a short wait never reads "up to 0 s").
     */
    public String waitingLine(String name, String heldBy) {
        String limit = timeout.compareTo(Duration.ofSeconds(1)) < 0 ? timeout.toMillis() + " ms" : timeout.toSeconds() + " s";
        return "waiting up to " + limit + " for the lock on profile state for '" + name + "' held by " + heldBy;
    }
}
