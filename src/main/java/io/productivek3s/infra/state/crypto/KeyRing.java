package io.productivek3s.infra.state.crypto;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The state keys of one process (docs/state.md "Encryption at rest"): the current key, which seals everything
 * written, if encryption is on, and older keys that are only read with (rotation). A ring without a current key
 * writes plain state and can still read sealed state with its old keys (used by {@code state migrate --decrypt}).
 */
public final class KeyRing {
    private static final KeyRing NONE = new KeyRing(null, List.of());

    private final StateKey current;
    private final List<StateKey> old;

    private KeyRing(StateKey current, List<StateKey> old) {
        this.current = current;
        this.old = List.copyOf(old);
    }

    /** No key at all: plain state, and sealed state cannot be read. */
    public static KeyRing none() {
        return NONE;
    }

    /** {@code current} (may be null) seals; it and every key of {@code old} open. */
    public static KeyRing of(StateKey current, List<StateKey> old) {
        return current == null && old.isEmpty() ? NONE : new KeyRing(current, old);
    }

    /** The key that seals new state; empty when encryption is off. */
    public Optional<StateKey> current() {
        return Optional.ofNullable(current);
    }

    /** Whether state written now is sealed. */
    public boolean encrypts() {
        return current != null;
    }

    /** The key whose id is {@code id}, current first. */
    public Optional<StateKey> find(String id) {
        for (StateKey key : all()) {
            if (key.id().equals(id)) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    /** The ids of the old keys, for messages (never the keys). */
    public List<String> oldIds() {
        return old.stream().map(StateKey::id).toList();
    }

    /** This ring with no current key: it reads with every key and writes plain ({@code state migrate --decrypt}). */
    public KeyRing readOnly() {
        return of(null, all());
    }

    /** Every key, current first. */
    List<StateKey> all() {
        List<StateKey> keys = new ArrayList<>();
        if (current != null) {
            keys.add(current);
        }
        keys.addAll(old);
        return keys;
    }

    @Override
    public String toString() {
        return "KeyRing[current=" + (current == null ? "none" : current.id()) + ", old=" + oldIds() + "]";
    }
}
