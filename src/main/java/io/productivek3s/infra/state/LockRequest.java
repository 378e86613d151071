package io.productivek3s.infra.state;

import java.time.Duration;
import java.util.Objects;

/**
 * How to take a profile's state lock: on behalf of {@code holder}, waiting up to {@code timeout} for another holder
 * to let go ({@link Duration#ZERO}: fail at once, the default of contract §14.6).
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
}
