package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.ErroredCopies;
import io.productivek3s.infra.state.LocalIdentity;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The state commands that change state but never infrastructure: {@code state rollback} and {@code state push}
 * (under the cluster's lock) and {@code state unlock --force} (which breaks it).
 */
public final class StateChangeAction {
    /** {@code state rollback}: the revision asked for, the one that was current before, and the new one written. */
    public record RolledBack(String name, long target, long previous, RevisionInfo created) {
    }

    /**
     * {@code state push}: the directory pushed, the revision written from it (null with {@code --discard}) and
     * whether the directory was an errored copy, now removed.
     */
    public record Pushed(String name, Path from, RevisionInfo created, boolean removedCopy) {
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

    /**
     * Commits the state in {@code from} (an errored copy, or what {@code state pull} wrote) as {@code name}'s next
     * revision, command {@code state push}, written by this user@host, under the cluster's lock; an errored copy is
     * removed once committed. The revision records the result and exit code of the run whose state it is.
     */
    public Pushed push(String name, Path from, Duration lockTimeout) {
        Instant now = Instant.now(context.clock());
        LockHolder holder = LocalIdentity.holder(context.env(), "state push", now);
        requireDirectory(from);
        EngineState state = ErroredCopies.readPushable(name, from); // refused before the backend is even opened
        try (StateStore store = stores.open()) {
            ErroredCopies copies = new ErroredCopies(store.location());
            RevisionInfo created;
            try (StateLock lock = store.lock(name, new LockRequest(holder, lockTimeout))) {
                List<RevisionInfo> revisions = store.history(name);
                long next = revisions.isEmpty() ? 1 : revisions.get(revisions.size() - 1).revision() + 1;
                EngineState.LastAction action = state.lastAction();
                // the run's own outcome, so history still tells a failed install from a good one
                RevisionInfo meta = new RevisionInfo(name, next, now.truncatedTo(ChronoUnit.MICROS), holder.who(),
                        "state push", action == null || action.result() == null ? null : action.result().wire(),
                        action == null ? null : action.exitCode(),
                        state.profile() == null ? null : state.profile().name(),
                        state.profile() == null ? null : state.profile().version(),
                        state.pkg() == null ? null : state.pkg().sha256(), null, 0, 0, false);
                created = store.importRevision(meta, from);
            }
            boolean removed = copies.isCopy(name, from);
            if (removed) {
                copies.remove(name, from);
            }
            return new Pushed(name, from, created, removed);
        } catch (IOException e) {
            throw EngineException.runtime("could not push state '" + name + "' from " + from + ": " + e.getMessage());
        }
    }

    /** {@code state push --discard}: deletes an errored copy of {@code name}; any other directory is refused. */
    public Pushed discard(String name, Path copy) {
        requireDirectory(copy);
        try (StateStore store = stores.open()) {
            ErroredCopies copies = new ErroredCopies(store.location());
            if (!copies.isCopy(name, copy)) {
                throw EngineException.invalid("refusing to discard " + copy + ": only an errored copy of '" + name
                        + "' (a directory under " + copies.root(name) + ") can be discarded");
            }
            copies.remove(name, copy);
            return new Pushed(name, copy, null, true);
        } catch (IOException e) {
            throw EngineException.runtime("could not discard " + copy + ": " + e.getMessage());
        }
    }

    private static void requireDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw EngineException.missing("state push --from: no such directory: " + dir);
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
