package io.productivek3s.infra.state.driver;

/** The driver contract on the memory driver: two drivers on one backend are the same instance, as two processes share one database. */
class MemoryDriverTest extends StateDriverContract {
    private final MemoryDriver backend = new MemoryDriver("memory:test");

    @Override
    protected StateDriver open() {
        return backend;
    }
}
