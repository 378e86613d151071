package io.productivek3s.infra.state.driver;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Printable;
import java.io.IOException;
import java.util.Optional;

/**
 * A stored object of a cluster that a driver, or a decorator such as encryption, refuses to return (exit 4, one
 * line; docs/state.md "Encryption at rest", "Failures"). An object is shared by every revision that holds its
 * content, so the driver cannot say which revision is being read; it throws {@link #exception()}, naming the cluster,
 * and the layer, which knows the revision it is materialising, names it too ({@link #in}).
 */
public final class ObjectRefused extends IOException {
    private final String cluster;

    /** {@code reason}: the clause after "refusing … profile state 'x': ", e.g. "its encrypted object … is truncated". */
    public ObjectRefused(String cluster, String reason) {
        super(reason);
        this.cluster = cluster;
    }

    /** Exit 4 naming the cluster; this refusal is its cause, so a reader that knows the revision can name it. */
    public EngineException exception() {
        return new EngineException(EngineException.INVALID, "refusing profile state '" + Printable.clean(cluster) + "': "
                + getMessage(), this);
    }

    /** Exit 4 naming the cluster and {@code revision}, the revision whose tree was being read. */
    public EngineException in(long revision) {
        return new EngineException(EngineException.INVALID, "refusing revision " + revision + " of profile state '"
                + Printable.clean(cluster) + "': " + getMessage(), this);
    }

    /** The refusal behind {@code e}, if {@code e} is one a driver threw with {@link #exception()}. */
    public static Optional<ObjectRefused> behind(EngineException e) {
        return e.getCause() instanceof ObjectRefused refused ? Optional.of(refused) : Optional.empty();
    }
}
