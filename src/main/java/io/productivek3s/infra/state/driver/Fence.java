package io.productivek3s.infra.state.driver;

/**
 * What a write is fenced by: the writer's {@link StateLocker.Lease} on the name, or {@link #NONE} for a writer that
 * holds no lock (a write then succeeds only while nobody holds one). Checked by {@link StateDriver#append} in the
 * same atomic step as the append, so a run that lost its lease (paused past it, broken by {@code state unlock}) never
 * commits over the run that took it.
 */
public sealed interface Fence permits Fence.None, StateLocker.Lease {
    /** No lock is held by the writer. */
    Fence NONE = new None();

    /** See {@link #NONE}. */
    record None() implements Fence {
    }
}
