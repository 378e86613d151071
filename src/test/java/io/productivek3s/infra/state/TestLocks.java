package io.productivek3s.infra.state;

import java.time.Instant;

/** Lock requests for store tests: this process, failing at once when the lock is held. */
final class TestLocks {
    static final LockRequest NOW = LockRequest.now(new LockHolder("tester", "testhost", ProcessHandle.current().pid(),
            "profile install", Instant.parse("2026-01-01T00:00:00Z")));

    private TestLocks() {
    }
}
