package io.productivek3s.infra.state;

import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.MemoryDriver;
import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateLocker;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
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
    private static final class Tampered implements StateDriver {
        private final StateDriver driver;
        private final java.util.Map<String, byte[]> damaged = new ConcurrentHashMap<>();

        Tampered(StateDriver driver) {
            this.driver = driver;
        }

        @Override
        public InputStream open(String name, String sha256) throws IOException {
            byte[] bad = damaged.get(sha256);
            return bad != null ? new ByteArrayInputStream(bad) : driver.open(name, sha256);
        }

        @Override
        public String description() {
            return driver.description();
        }

        @Override
        public Set<String> missing(String name, Collection<String> sha256s) throws IOException {
            return driver.missing(name, sha256s);
        }

        @Override
        public long put(String name, String sha256, long size, ObjectSource source) throws IOException {
            return driver.put(name, sha256, size, source);
        }

        @Override
        public List<Head> heads() throws IOException {
            return driver.heads();
        }

        @Override
        public Optional<RevisionInfo> latest(String name) throws IOException {
            return driver.latest(name);
        }

        @Override
        public List<RevisionInfo> history(String name) throws IOException {
            return driver.history(name);
        }

        @Override
        public Optional<StoredRevision> read(String name, long revision) throws IOException {
            return driver.read(name, revision);
        }

        @Override
        public void append(String name, OptionalLong expectedLatest, StoredRevision revision, Set<String> objects,
                Fence fence) throws IOException {
            driver.append(name, expectedLatest, revision, objects, fence);
        }

        @Override
        public void replace(String name, StoredRevision revision, Set<String> objects, Fence fence) throws IOException {
            driver.replace(name, revision, objects, fence);
        }

        @Override
        public void prune(String name, Collection<Long> revisions) throws IOException {
            driver.prune(name, revisions);
        }

        @Override
        public Optional<byte[]> setting(String key) throws IOException {
            return driver.setting(key);
        }

        @Override
        public byte[] putSettingIfAbsent(String key, byte[] value) throws IOException {
            return driver.putSettingIfAbsent(key, value);
        }

        @Override
        public StateLocker locker() {
            return driver.locker();
        }
    }
}
