package io.productivek3s.infra.state;

import io.productivek3s.infra.state.driver.ForwardingDriver;
import io.productivek3s.infra.state.driver.MemoryDriver;
import io.productivek3s.infra.state.driver.StateDriver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared contract on the state layer over the memory driver: each store is a workstation with its own local
 * mirror, and all of them share one driver, as workstations share one database.
 */
class MemoryStateLayerContractTest extends StateStoreContract {
    private final Tampered backend = new Tampered(new MemoryDriver("memory:contract"));
    private int workstations;

    @Override
    protected StateStore openStore() {
        Path mirror = work.resolve("workstation-" + (++workstations));
        return StateLayer.open(backend, mirror, ".pk3s-memory", w -> { }, d -> { });
    }

    /** Same size, other bytes, as someone with write access to the backend could store. */
    @Override
    protected void corruptStoredFile(StateStore store, String sha256) throws Exception {
        try (InputStream in = backend.open("any", sha256)) {
            backend.damaged.put(sha256, "x".repeat(in.readAllBytes().length).getBytes());
        }
    }

    /** The memory driver with objects replaced behind the layer's back. */
    private static final class Tampered extends ForwardingDriver {
        private final java.util.Map<String, byte[]> damaged = new ConcurrentHashMap<>();

        Tampered(StateDriver driver) {
            super(driver);
        }

        @Override
        public InputStream open(String name, String sha256) throws IOException {
            byte[] bad = damaged.get(sha256);
            return bad != null ? new ByteArrayInputStream(bad) : super.open(name, sha256);
        }
    }
}
