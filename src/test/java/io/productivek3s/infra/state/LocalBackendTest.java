package io.productivek3s.infra.state;

import io.productivek3s.infra.state.backends.StateBackends;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.EngineState.Result;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the local backend does: the object store, the limit, the digest memo, older state, the mirror. */
class LocalBackendTest {
    private static final String NAME = "site-a";

    @TempDir
    Path tmp;

    Path stateDir;
    Path scenario;
    final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        stateDir = Files2.createPrivateDirectories(tmp.resolve("state"));
        scenario = tmp.resolve("scenario");
        write("generated/cluster.json", "{\"ssh\":{\"user\":\"u\"}}");
        write("generated/ssh/id_ed25519", "key");
        write("opentofu/.terraform/providers/p/bin", "P".repeat((int) (1 << 20) + 10));
    }

    @Test
    void anUnchangedTreeAddsNoObjectsAndBigFilesShareTheirInode() throws IOException {
        StateStore store = StateBackends.local(stateDir, 20, warnings::add, d -> { });
        persist(store);
        List<Path> before = objects();
        persist(store);
        persist(store);

        assertThat(objects()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(store.history(NAME)).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 3L);
        Path provider = store.runtimeDir(NAME).resolve("opentofu/.terraform/providers/p/bin");
        Path object = object(TreeManifest.sha256(provider));
        assertThat(Files.getAttribute(object, "unix:ino")).isEqualTo(Files.getAttribute(provider, "unix:ino"));
        Path key = object(TreeManifest.sha256(store.runtimeDir(NAME).resolve("generated/ssh/id_ed25519")));
        assertThat(LocalMirrorTest.mode(key)).isEqualTo("r--------");
        assertThat(warnings).isEmpty();
    }

    @Test
    void theLimitKeepsTheLastRevisionsAndCollectsTheRest() throws IOException {
        StateStore store = StateBackends.local(stateDir, 2, warnings::add, d -> { });
        for (int i = 1; i <= 4; i++) {
            write("generated/hosts.yml", "round " + i);
            persist(store);
        }
        assertThat(store.history(NAME)).extracting(RevisionInfo::revision).containsExactly(3L, 4L);
        String round1 = sha("round 1");
        String round3 = sha("round 3");
        assertThat(object(round1)).doesNotExist();
        assertThat(object(round3)).exists();
        assertExit(() -> store.pull(NAME, OptionalLong.of(1), tmp.resolve("out")), EngineException.MISSING);
        assertThat(store.pull(NAME, OptionalLong.of(3), tmp.resolve("out")).revision()).isEqualTo(3);
        assertThat(Files.readString(tmp.resolve("out/" + NAME + ".runtime/generated/hosts.yml"))).isEqualTo("round 3");
    }

    @Test
    void theLimitComesFromTheEnvironmentAndIsChecked() {
        assertThat(StateLayer.historyLimit(Map.of())).isEqualTo(20);
        assertThat(StateLayer.historyLimit(Map.of("PK3S_STATE_HISTORY_LIMIT", " 5 "))).isEqualTo(5);
        for (String bad : List.of("0", "-1", "x", "10001", "1e3")) {
            assertThatThrownBy(() -> StateLayer.historyLimit(Map.of("PK3S_STATE_HISTORY_LIMIT", bad)))
                    .isInstanceOfSatisfying(EngineException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(EngineException.INVALID))
                    .hasMessage("PK3S_STATE_HISTORY_LIMIT must be an integer from 1 to 10000: " + bad);
        }
    }

    @Test
    void theMemoFollowsTheEnginesOwnLinksButNotAnMtimePreservingRewrite() throws IOException {
        StateStore store = StateBackends.local(stateDir, 20, warnings::add, d -> { });
        persist(store);
        Path runtime = store.runtimeDir(NAME);
        String provider = "opentofu/.terraform/providers/p/bin";
        String sha = TreeManifest.sha256(runtime.resolve(provider));

        // A run: restore (hard-links the provider into the scenario), persist (links it into staging), release.
        Path scenario2 = Files.createDirectories(tmp.resolve("scenario2"));
        try (StateLock lock = store.lock(NAME, TestLocks.NOW)) {
            store.restore(NAME, scenario2);
            assertThat(Files.getAttribute(scenario2.resolve(provider), "unix:ino"))
                    .isEqualTo(Files.getAttribute(runtime.resolve(provider), "unix:ino"));
            store.persist(NAME, scenario2, LocalMirrorTest.metadata(Result.SUCCESS));
            store.release(NAME, scenario2);
        }
        assertThat(scenario2.resolve(provider)).as("the release takes the scenario's link back").doesNotExist();
        assertThat(scenario2.resolve("generated/cluster.json")).exists();
        assertThat(((StateLayer) store).filesByDigest(NAME)).as("every link changed the provider's ctime; the memo followed")
                .containsEntry(sha, runtime.resolve(provider));

        // Rewritten in place with the same size and its old mtime put back: the memo no longer vouches for it.
        Path file = runtime.resolve(provider);
        FileTime mtime = Files.getLastModifiedTime(file);
        Files.writeString(file, "Q".repeat((int) (1 << 20) + 10));
        Files.setLastModifiedTime(file, mtime);
        assertThat(((StateLayer) store).filesByDigest(NAME)).doesNotContainKey(sha);
        Path scenario3 = Files.createDirectories(tmp.resolve("scenario3"));
        try (StateLock lock = store.lock(NAME, TestLocks.NOW)) {
            store.restore(NAME, scenario3);
            store.persist(NAME, scenario3, LocalMirrorTest.metadata(Result.SUCCESS));
        }
        Path pulled = tmp.resolve("pulled");
        store.pull(NAME, OptionalLong.empty(), pulled);
        assertThat(Files.readString(pulled.resolve(NAME + ".runtime").resolve(provider))).startsWith("QQQ");
        assertThat(((StateLayer) store).filesByDigest(NAME)).doesNotContainKey(sha)
                .containsEntry(TreeManifest.sha256(file), runtime.resolve(provider));
    }

    @Test
    void stateFromAnOlderEngineIsListedAsRevisionZeroAndItsFirstPersistIsRevisionOne() throws IOException {
        Path runtime = Files.createDirectories(stateDir.resolve(NAME + ".runtime/generated"));
        Files.writeString(runtime.resolve("cluster.json"), "{}");
        Files.writeString(stateDir.resolve(NAME + ".json"), "{}");
        Files.writeString(stateDir.resolve(NAME + ".runtime/engine-state.json"),
                LocalMirrorTest.metadata(Result.SUCCESS).toJson());
        StateStore store = StateBackends.local(stateDir, 20, warnings::add, d -> { });

        assertThat(store.list()).singleElement().satisfies(c -> {
            assertThat(c.revision()).isZero();
            assertThat(c.version()).isEqualTo("1.0.0");
        });
        assertThat(store.history(NAME)).isEmpty();
        RevisionInfo current = store.pull(NAME, OptionalLong.empty(), tmp.resolve("legacy"));
        assertThat(current.revision()).isZero();
        assertThat(tmp.resolve("legacy/" + NAME + ".runtime/generated/cluster.json")).hasContent("{}");

        persist(store);
        assertThat(store.history(NAME)).extracting(RevisionInfo::revision).containsExactly(1L);
        assertThat(store.list()).singleElement().satisfies(c -> assertThat(c.revision()).isEqualTo(1));
    }

    @Test
    void aMirrorKeepsTheLayoutWithoutHistory() throws IOException {
        StateStore mirror = StateLayer.open(new io.productivek3s.infra.state.driver.MemoryDriver("postgresql://u@h:5432/db"),
                stateDir, ".pk3s-memory", warnings::add, d -> { });
        persist(mirror);
        persist(mirror);
        try (StateLock lock = mirror.lock(NAME, TestLocks.NOW)) {
            mirror.remove(NAME);
        }
        assertThat(LocalMirrorTest.names(stateDir)).containsExactlyInAnyOrder(NAME + ".lock", ".locks", ".pk3s-backend",
                ".pk3s-memory");
        assertThat(stateDir.resolve(".pk3s-backend")).as("the mirror names its backend").hasContent("postgresql://u@h:5432/db");
        assertThat(mirror.history(NAME)).as("kept by the backend").hasSize(3);
    }

    @Test
    void forceUnlockClearsAStaleHolderRecord() throws IOException {
        StateStore store = StateBackends.local(stateDir, 20, warnings::add, d -> { });
        store.lock(NAME, TestLocks.NOW).close();
        Path sidecar = stateDir.resolve(".locks/" + NAME + ".holder.json");
        new HolderSidecar(stateDir).write(NAME, TestLocks.NOW.holder()); // as a killed holder leaves it
        assertThat(sidecar).exists();

        assertThat(store.forceUnlock(NAME)).isEmpty();
        assertThat(sidecar).doesNotExist();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private void persist(StateStore store) throws IOException {
        try (StateLock lock = store.lock(NAME, TestLocks.NOW)) {
            store.persist(NAME, scenario, LocalMirrorTest.metadata(Result.SUCCESS));
        }
    }

    private void write(String relative, String content) throws IOException {
        Path file = scenario.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private String sha(String content) throws IOException {
        return TreeManifest.sha256(Files.writeString(tmp.resolve("probe"), content));
    }

    private Path object(String sha) {
        return stateDir.resolve(".history/objects").resolve(sha.substring(0, 2)).resolve(sha);
    }

    private List<Path> objects() throws IOException {
        try (Stream<Path> walk = Files.walk(stateDir.resolve(".history/objects"))) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    private static void assertExit(StateStoreContract.Call call, int code) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(EngineException.class,
                e -> assertThat(e.exitCode()).isEqualTo(code));
    }
}
