package io.productivek3s.infra.state.driver;

import io.productivek3s.infra.state.RevisionInfo;
import java.util.Objects;

/**
 * A revision record as a driver stores it: plain {@link RevisionInfo} plus two opaque byte arrays that only the state
 * layer (or a decorator such as encryption) interprets — {@code summary}, small, listed by {@link StateDriver#heads()}
 * (the layer puts {@code engine-state.json} there; empty for a removal), and {@code payload} (tree manifest and
 * {@code cluster.json}; empty for a removal). Arrays are never null.
 */
public record StoredRevision(RevisionInfo info, byte[] summary, byte[] payload) {
    public StoredRevision {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(summary, "summary");
        Objects.requireNonNull(payload, "payload");
    }
}
