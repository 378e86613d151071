package io.productivek3s.infra.state.driver;

import io.productivek3s.infra.state.LockHolder;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The per-name locks of a backend (docs/state.md "State layer and drivers"). The layer waits, announces the wait,
 * renews and fences; a locker only tries once, renews, releases, tells who holds a name and breaks a lock. Local:
 * OS locks on {@code <name>.lock} with a holder sidecar (dies with its process, never expires); PostgreSQL: lease
 * rows that expire unless renewed; memory: in-process.
 */
public interface StateLocker {
    /** One attempt: taken (perhaps over an expired holder), or refused with the holder when it is known. */
    Attempt tryAcquire(String name, LockHolder holder) throws IOException;

    /**
     * Extends {@code lease}; false when it is no longer the holder's (broken, or taken over after it expired).
     * May be called from another thread than the one that took it.
     */
    boolean renew(Lease lease) throws IOException;

    /** Lets go of {@code lease}; a lease already gone is not an error. */
    void release(Lease lease) throws IOException;

    /** Who holds {@code name} now (nothing is taken); empty when nobody does or it is not known. */
    Optional<LockHolder> holder(String name) throws IOException;

    /** Every name held right now with its holder, for {@code state list}: one call whatever the number of names. */
    Map<String, LockHolder> holders() throws IOException;

    /**
     * Breaks {@code name}'s lock whoever holds it and returns whom it broke (empty: it was free). A locker whose locks
     * die with their process refuses a live holder instead (exit 4 naming it).
     */
    Optional<LockHolder> breakLease(String name) throws IOException;

    /**
     * Where lock messages say {@code name}'s lock is (docs/state.md "Errors"): the backend ({@code backend}, as
     * messages name it) unless the lock is a file of its own (the local {@code <name>.lock}).
     */
    default String location(String name, String backend) {
        return backend;
    }

    /** How often a held lease must be renewed; empty when a lock never expires (it dies with its process). */
    default Optional<Duration> renewEvery() {
        return Optional.empty();
    }

    /** A held lock: the fence of the writes made under it. {@code token} tells this holding from any other. */
    record Lease(String name, String token, LockHolder holder) implements Fence {
        public Lease {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(token, "token");
            Objects.requireNonNull(holder, "holder");
        }
    }

    /** The outcome of {@link #tryAcquire}. */
    record Attempt(Optional<Lease> lease, Optional<LockHolder> expiredHolder, Optional<LockHolder> currentHolder) {
        public static Attempt taken(Lease lease, Optional<LockHolder> expired) {
            return new Attempt(Optional.of(lease), expired, Optional.empty());
        }

        public static Attempt refused(Optional<LockHolder> holder) {
            return new Attempt(Optional.empty(), Optional.empty(), holder);
        }

        public boolean isTaken() {
            return lease.isPresent();
        }
    }
}
