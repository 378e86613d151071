package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.LocalIdentity;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.crypto.StateKeys;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code state rekey NAME|--all} and {@code state migrate --encrypt|--decrypt} (docs/state.md "Mixed state, rotation,
 * migration"): every kept revision of a cluster is rewritten in place, under the cluster's lock, as the backend is to
 * hold it from now on — sealed under the current state key (rekey, encrypt; read with any key the environment names),
 * or plain (decrypt). Revision numbers, metadata and trees do not change, so neither the history nor the local mirror
 * does; afterwards the old keys are not needed for those revisions. The three differ only in what they ask of the
 * environment and how they report.
 */
public final class StateRekeyAction {
    /** Which command runs: what it requires and how it names itself. */
    public enum Mode {
        /** {@code state rekey}: needs the key to seal with. */
        REKEY("state rekey"),
        /** {@code state migrate --encrypt}: needs the key to seal with. */
        ENCRYPT("state migrate --encrypt"),
        /** {@code state migrate --decrypt}: writes plain; reads with whatever keys are named. */
        DECRYPT("state migrate --decrypt");

        private final String command;

        Mode(String command) {
            this.command = command;
        }

        /** The command line that runs it, for messages. */
        public String command() {
            return command;
        }

        /** The command words of the JSON envelope. */
        public String document() {
            return this == REKEY ? "state rekey" : "state migrate";
        }
    }

    /** One cluster: how many kept revisions were rewritten, and its newest revision. */
    public record ClusterResult(String name, int revisions, long latest) {
    }

    /**
     * The whole run: the backend ({@code location}, never with a password), what the state is now sealed with
     * ({@code keyVariable}: null when plain; {@code keyId}: empty with a passphrase, whose id needs the backend's
     * salt, as in {@code doctor}) and each cluster rewritten.
     */
    public record Result(Mode mode, String location, String keyVariable, Optional<String> keyId,
            List<ClusterResult> clusters) {
        public int revisions() {
            return clusters.stream().mapToInt(ClusterResult::revisions).sum();
        }
    }

    private final EngineContext context;
    private final StateStores stores;

    public StateRekeyAction(EngineContext context, StateStores stores) {
        this.context = context;
        this.stores = stores;
    }

    /** Rewrites {@code name}'s revisions, or every cluster's (destroyed ones included) when {@code name} is empty. */
    public Result run(Mode mode, Optional<String> name, Duration lockTimeout) {
        StateKeys.Status keys = StateKeys.status(context.env(), context.paths()::resolve);
        if (mode != Mode.DECRYPT && !keys.on()) {
            throw EngineException.invalid(mode.command() + " seals every kept revision under the current state key, and "
                    + "none is set: set " + StateKeys.KEY_FILE + " (or " + StateKeys.PASSPHRASE_FILE + ") to it"
                    + (mode == Mode.REKEY ? " and " + StateKeys.OLD_KEY_FILES + " to the key(s) it replaces" : "")
                    + " (docs/state.md \"Encryption at rest\"); nothing was changed");
        }
        LockHolder holder = LocalIdentity.holder(context.env(), mode.document(), Instant.now(context.clock()));
        List<ClusterResult> results = new ArrayList<>();
        try (StateStore store = mode == Mode.DECRYPT ? stores.openWritingPlain() : stores.open()) {
            List<String> names;
            if (name.isPresent()) {
                // before the lock: an unknown name must not leave a lock behind
                List<RevisionInfo> before = store.history(name.get());
                if (before.isEmpty()) {
                    throw StateQueryAction.unknown(store, name.get(), before);
                }
                names = List.of(name.get());
            } else {
                names = store.names();
            }
            for (String cluster : names) {
                results.add(rewrite(store, cluster, new LockRequest(holder, lockTimeout), mode));
            }
            String sealedWith = mode == Mode.DECRYPT ? null : keys.variable();
            return new Result(mode, store.backendName(), sealedWith,
                    mode == Mode.DECRYPT ? Optional.empty() : keys.keyId(), results);
        } catch (IOException e) {
            throw EngineException.runtime("could not rewrite state (" + mode.command() + "): " + e.getMessage());
        }
    }

    private ClusterResult rewrite(StateStore store, String name, LockRequest lock, Mode mode) throws IOException {
        List<RevisionInfo> rewritten;
        try (StateLock held = store.lock(name, lock)) {
            rewritten = store.rewrite(name);
        } catch (IOException e) {
            throw EngineException.runtime("could not rewrite state '" + name + "' (" + mode.command() + "): "
                    + e.getMessage() + "; every revision is still readable with the keys it was read with");
        }
        long latest = rewritten.isEmpty() ? 0 : rewritten.get(rewritten.size() - 1).revision();
        context.log().info((mode == Mode.DECRYPT ? "Decrypted '" : mode == Mode.ENCRYPT ? "Encrypted '" : "Rekeyed '")
                + name + "': " + rewritten.size() + " revision(s) rewritten; objects no revision needs any more were "
                + "collected");
        return new ClusterResult(name, rewritten.size(), latest);
    }
}
