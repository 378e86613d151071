package io.productivek3s.infra.state;

/** An exclusive hold on one profile's state (docs/contract/state-files.md#locking); {@link #close()} releases it and may be repeated. */
public interface StateLock extends AutoCloseable {
    /** The profile name this lock is for. */
    String name();

    @Override
    void close();
}
