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

    /**
     * The history limit is the layer's, applied through the driver's prune whatever the driver (docs/state.md
     * "History"): the newest revisions are kept, and the newest one not written by {@code profile status} too.
     */
    @org.junit.jupiter.api.Test
    void theHistoryLimitIsAppliedThroughTheDriversPrune() throws Exception {
        try (StateStore limited = StateLayer.open(backend, work.resolve("limited"), ".pk3s-memory", 2, w -> { },
                d -> { })) {
            for (int i = 1; i <= 4; i++) {
                persist(limited, "kept", scenario("r" + i, "s"), metadata("1.0." + i, "install"), i == 1 ? ALICE : BOB);
            }
            org.assertj.core.api.Assertions.assertThat(limited.history("kept")).extracting(RevisionInfo::revision)
                    .as("revision 1 is the newest install; 2-4 are status polls").containsExactly(1L, 3L, 4L);
        }
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
