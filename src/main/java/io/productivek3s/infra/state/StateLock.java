package io.productivek3s.infra.state;

/** An exclusive hold on one profile's state (contract §14.6); {@link #close()} releases it and may be repeated. */
public interface StateLock extends AutoCloseable {
    /** The profile name this lock is for. */
    String name();

    @Override
    void close();
}
