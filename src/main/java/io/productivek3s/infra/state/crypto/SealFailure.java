package io.productivek3s.infra.state.crypto;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.driver.ObjectRefused;
import java.util.List;

/**
 * The one-line exit-4 errors of reading encrypted state (docs/state.md "Encryption at rest", "Failures"): each
 * names the cluster, the revision when the reader knows it, and the key id, never a key. Thrown while reading, so a
 * reader stops before it writes anything.
 */
final class SealFailure {
    static final String KEY_VARIABLES = "PK3S_STATE_ENCRYPTION_KEY_FILE or PK3S_STATE_PASSPHRASE_FILE";

    private SealFailure() {
    }

    /** Sealed under {@code keyId} while this process has no key at all. */
    static EngineException noKey(Binding binding, String keyId) {
        return fail(binding, "its " + binding.describe() + " is sealed with key " + keyId + " and no state key is set: set "
                + KEY_VARIABLES + " (docs/state.md \"Encryption at rest\"); nothing was changed");
    }

    /** Sealed under a key this process does not hold. */
    static EngineException unknownKey(Binding binding, String keyId, KeyRing keys) {
        String current = keys.current().map(StateKey::id).orElse("none");
        List<String> old = keys.oldIds();
        return fail(binding, "its " + binding.describe() + " is sealed with key " + keyId + ", which is neither the current key ("
                + current + ") nor one of PK3S_STATE_ENCRYPTION_OLD_KEY_FILES (" + (old.isEmpty() ? "none" : String.join(", ", old))
                + "); nothing was changed");
    }

    /** The GCM tag did not verify: changed bytes, or a ciphertext moved from another object, record or cluster. */
    static EngineException notAuthentic(Binding binding, String keyId) {
        return fail(binding, "its " + binding.describe() + " does not authenticate under key " + keyId
                + ": it was changed, or moved from another object or cluster; nothing was changed");
    }

    /** The ciphertext ends early (a chunk boundary or mid-chunk). */
    static EngineException truncated(Binding binding, String keyId) {
        return fail(binding, "its " + binding.describe() + " (key " + keyId + ") is truncated; nothing was changed");
    }

    /** A header this engine does not know: a newer format, or not a sealed item at all. */
    static EngineException unknownFormat(Binding binding, int format) {
        return fail(binding, "its " + binding.describe() + " has encryption format " + format
                + ", which this engine does not know (written by a newer engine?); nothing was changed");
    }

    /** Bytes where a sealed item was expected that do not start like one. */
    static EngineException notSealed(Binding binding) {
        return fail(binding, "its " + binding.describe() + " is not in the sealed format; nothing was changed");
    }

    /**
     * A record names its revision; an object, shared by the revisions holding its content, names it when the reader
     * gave it, and otherwise leaves it to the state layer, which knows what it is reading ({@link ObjectRefused}).
     */
    private static EngineException fail(Binding binding, String detail) {
        if (binding.kind().equals(Binding.OBJECT)) {
            ObjectRefused refused = new ObjectRefused(binding.cluster(), detail);
            return binding.revision().isPresent() ? refused.in(binding.revision().getAsLong()) : refused.exception();
        }
        String subject = binding.revision().isPresent()
                ? "refusing revision " + binding.revision().getAsLong() + " of profile state '" + binding.cluster() + "': "
                : "refusing profile state '" + binding.cluster() + "': ";
        return EngineException.invalid(subject + detail);
    }
}
