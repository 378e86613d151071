package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.LocalIdentity;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateStore;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The state commands that change state but never infrastructure: {@code state rollback} (under the cluster's lock)
 * and {@code state unlock --force} (which breaks it).
 */
public final class StateChangeAction {
    /** {@code state rollback}: the revision asked for, the one that was current before, and the new one written. */
    public record RolledBack(String name, long target, long previous, RevisionInfo created) {
    }

    /** {@code state unlock}: whose lock was broken; empty when the name was not locked. */
    public record Unlocked(String name, Optional<LockHolder> broken) {
    }

    private final EngineContext context;
    private final StateStores stores;

    public StateChangeAction(EngineContext context, StateStores stores) {
        this.context = context;
        this.stores = stores;
    }

    public RolledBack rollback(String name, long revision, Duration lockTimeout) {
        LockHolder holder = LocalIdentity.holder(context.env(), "state rollback", Instant.now(context.clock()));
        try (StateStore store = stores.open()) {
            // before the lock: an unknown name must not leave a lock file behind
            List<RevisionInfo> before = store.history(name);
            if (before.isEmpty()) {
                throw StateQueryAction.unknown(store, name, before);
            }
            try (StateLock lock = store.lock(name, new LockRequest(holder, lockTimeout))) {
                List<RevisionInfo> revisions = store.history(name);
                long previous = revisions.get(revisions.size() - 1).revision();
                RevisionInfo created = store.rollback(name, revision, holder);
                return new RolledBack(name, revision, previous, created);
            }
        } catch (IOException e) {
            throw EngineException.runtime("could not roll back state '" + name + "': " + e.getMessage());
        }
    }

    public Unlocked unlock(String name) {
        try (StateStore store = stores.open()) {
            return new Unlocked(name, store.forceUnlock(name));
        } catch (IOException e) {
            throw EngineException.runtime("could not unlock state '" + name + "': " + e.getMessage());
        }
    }
}
