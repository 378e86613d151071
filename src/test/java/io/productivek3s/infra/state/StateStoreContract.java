package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link StateStore} backend shares, exercised through the interface only. A backend's test
 * extends this class and says how to open a store on the test's (fresh, empty) state, and how to damage one stored
 * file; backends may differ in what {@link StateStore#forceUnlock} can do to a live holder
 * ({@link #forceUnlockOfALiveHolder}).
 */
public abstract class StateStoreContract {
    protected static final LockHolder ALICE = new LockHolder("alice", "workstation-a", 4242, "profile install",
            Instant.parse("2026-11-28T10:00:00Z"));
    protected static final LockHolder BOB = new LockHolder("bob", "workstation-b", 4343, "profile status",
            Instant.parse("2026-11-28T10:01:00Z"));

    @TempDir
    protected Path work;

    private final List<StateStore> opened = new ArrayList<>();

    /** A store on this test's state; every call within one test must see the same (initially empty) state. */
    protected abstract StateStore openStore() throws Exception;

    /** Changes the stored content of the file with {@code sha256} (same size, other bytes) behind the store's back. */
    protected abstract void corruptStoredFile(StateStore store, String sha256) throws Exception;

    /**
     * {@code other.forceUnlock(name)} while {@code holder} holds the lock through {@code store}. Default: the lock
     * is broken, the answer names the holder it broke, and the lock can be taken again.
     */
    protected void forceUnlockOfALiveHolder(StateStore store, StateStore other, String name, LockHolder holder)
            throws Exception {
        assertThat(other.forceUnlock(name)).contains(holder);
        other.lock(name, LockRequest.now(BOB)).close();
    }

    protected final StateStore store() throws Exception {
        StateStore store = openStore();
        opened.add(store);
        return store;
    }

    @AfterEach
    void closeStores() throws IOException {
        for (StateStore store : opened) {
            store.close();
        }
    }

    // ---- persist / restore / remove ------------------------------------------------------------------------

    @Test
    public void persistAndRestoreRoundTripWithTheKeyPathRewritten() throws Exception {
        StateStore store = store();
        Path scenario = scenario("one", "site-a");
        try (StateLock lock = store.lock("alpha", LockRequest.now(ALICE))) {
            PersistResult result = store.persist("alpha", scenario, metadata("1.0.0", "install"));
            assertThat(result.clusterFile()).contains(store.clusterFile("alpha"));
            assertThat(result.runtimeDir()).isEqualTo(store.runtimeDir("alpha"));
        }
        JsonNode published = Json.parse(Files.readString(store.clusterFile("alpha")));
        assertThat(published.path("ssh").path("key_path").asText())
                .isEqualTo(store.runtimeDir("alpha").resolve("generated/ssh/id_ed25519").toString());
        assertThat(published.path("site").asText()).isEqualTo("site-a");
        assertThat(store.readEngineState("alpha")).contains(metadata("1.0.0", "install"));

        Path next = Files.createDirectories(work.resolve("next"));
        try (StateLock lock = store.lock("alpha", LockRequest.now(ALICE))) {
            store.restore("alpha", next);
        }
        assertThat(Files.readString(next.resolve("generated/ssh/id_ed25519"))).isEqualTo("key-one");
        assertThat(Files.readString(next.resolve("generated/cluster.json")))
                .isEqualTo(Files.readString(store.clusterFile("alpha")));
        assertThat(Files.readString(next.resolve("opentofu/terraform.tfstate"))).isEqualTo("{\"serial\": \"one\"}");
        assertThat(Files.isExecutable(next.resolve("opentofu/.terraform/providers/p/bin"))).isTrue();
    }

    @Test
    public void removeEndsTheCurrentStateAndKeepsItsHistory() throws Exception {
        StateStore store = store();
        persist(store, "alpha", scenario("one", "a"), metadata("1.0.0", "install"), ALICE);
        try (StateLock lock = store.lock("alpha", LockRequest.now(ALICE))) {
            store.remove("alpha");
            store.remove("never-existed");
        }
        assertThat(store.clusterFile("alpha")).doesNotExist();
        assertThat(Files.exists(store.runtimeDir("alpha"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(store.readEngineState("alpha")).isEmpty();
        assertThat(store.list()).extracting(ClusterInfo::name).doesNotContain("alpha");
        List<RevisionInfo> history = store.history("alpha");
        assertThat(history).extracting(RevisionInfo::revision).containsExactly(1L, 2L);
        assertThat(history).extracting(RevisionInfo::removed).containsExactly(false, true);
        assertThat(store.history("never-existed")).isEmpty();
    }

    // ---- history -------------------------------------------------------------------------------------------

    @Test
    public void everyPersistIsANewNumberedRevisionNamingItsAuthor() throws Exception {
        StateStore store = store();
        Path scenario = scenario("one", "a");
        persist(store, "alpha", scenario, metadata("1.0.0", "install"), ALICE);
        persist(store, "alpha", scenario, metadata("1.0.0", "install"), ALICE);
        persist(store, "alpha", scenario("two", "a"), metadata("1.1.0", "status"), BOB);

        List<RevisionInfo> history = store.history("alpha");
        assertThat(history).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 3L);
        assertThat(history).extracting(RevisionInfo::name).containsOnly("alpha");
        assertThat(history).extracting(RevisionInfo::who)
                .containsExactly("alice@workstation-a", "alice@workstation-a", "bob@workstation-b");
        assertThat(history).extracting(RevisionInfo::profileVersion).containsExactly("1.0.0", "1.0.0", "1.1.0");
        assertThat(history).extracting(RevisionInfo::profileName).containsOnly("contract-profile");
        assertThat(history).extracting(RevisionInfo::packageSha256).containsOnly("c0ffee");
        assertThat(history).extracting(RevisionInfo::result).containsOnly("success");
        assertThat(history).extracting(RevisionInfo::exitCode).containsOnly(0);
        assertThat(history).extracting(RevisionInfo::removed).containsOnly(false);
        assertThat(history).allSatisfy(r -> {
            assertThat(r.treeSha256()).matches("[0-9a-f]{64}");
            assertThat(r.files()).isEqualTo(7);
            assertThat(r.command()).isNotBlank();
            assertThat(r.createdAt()).isNotNull();
        });
        // An unchanged tree has an unchanged digest; a changed one does not.
        assertThat(history.get(1).treeSha256()).isEqualTo(history.get(0).treeSha256());
        assertThat(history.get(2).treeSha256()).isNotEqualTo(history.get(1).treeSha256());
        assertThat(history.get(2).createdAt()).isAfterOrEqualTo(history.get(0).createdAt());
        assertThat(store.history("other")).isEmpty();
    }

    @Test
    public void listShowsEveryCurrentClusterAndWhoHoldsItsLock() throws Exception {
        StateStore store = store();
        persist(store, "beta", scenario("b", "b"), metadata("2.0.0", "install"), ALICE);
        persist(store, "alpha", scenario("a", "a"), metadata("1.0.0", "status"), ALICE);
        persist(store, "alpha", scenario("a2", "a"), metadata("1.0.1", "status"), ALICE);

        List<ClusterInfo> clusters = store.list();
        assertThat(clusters).extracting(ClusterInfo::name).containsExactly("alpha", "beta");
        ClusterInfo alpha = clusters.get(0);
        assertThat(alpha.profile()).isEqualTo("contract-profile");
        assertThat(alpha.version()).isEqualTo("1.0.1");
        assertThat(alpha.lastAction()).contains("status");
        assertThat(alpha.result()).isEqualTo("success");
        assertThat(alpha.when()).isNotNull();
        assertThat(alpha.revision()).isEqualTo(2);
        assertThat(alpha.lockedBy()).isNull();

        StateStore other = store();
        try (StateLock lock = store.lock("beta", LockRequest.now(BOB))) {
            assertThat(other.list()).filteredOn(c -> c.name().equals("beta")).singleElement()
                    .satisfies(c -> assertThat(c.lockedBy()).isEqualTo(BOB));
        }
        assertThat(other.list()).extracting(ClusterInfo::lockedBy).containsOnlyNulls();
    }

    // ---- pull / rollback / import --------------------------------------------------------------------------

    @Test
    public void pullWritesARevisionInTheRuntimeLayout() throws Exception {
        StateStore store = store();
        persist(store, "alpha", scenario("one", "a"), metadata("1.0.0", "install"), ALICE);
        persist(store, "alpha", scenario("two", "a"), metadata("1.1.0", "install"), ALICE);

        Path out = work.resolve("pulled-1");
        RevisionInfo first = store.pull("alpha", OptionalLong.of(1), out);
        assertThat(first.revision()).isEqualTo(1);
        assertThat(Files.readString(out.resolve("alpha.runtime/generated/ssh/id_ed25519"))).isEqualTo("key-one");
        assertThat(Files.readString(out.resolve("alpha.runtime/opentofu/terraform.tfstate")))
                .isEqualTo("{\"serial\": \"one\"}");
        assertThat(Files.isExecutable(out.resolve("alpha.runtime/opentofu/.terraform/providers/p/bin"))).isTrue();
        assertThat(Json.parse(Files.readString(out.resolve("alpha.json"))).path("ssh").path("key_path").asText())
                .isEqualTo(out.resolve("alpha.runtime/generated/ssh/id_ed25519").toString());
        assertThat(TreeManifest.scan(out.resolve("alpha.runtime"), TreeManifest.KnownDigests.NONE).digest())
                .isEqualTo(first.treeSha256());

        Path current = work.resolve("pulled-current");
        assertThat(store.pull("alpha", OptionalLong.empty(), current).revision()).isEqualTo(2);
        assertThat(Files.readString(current.resolve("alpha.runtime/generated/ssh/id_ed25519"))).isEqualTo("key-two");

        assertExit(() -> store.pull("alpha", OptionalLong.of(9), work.resolve("x")), EngineException.MISSING);
        assertExit(() -> store.pull("nobody", OptionalLong.empty(), work.resolve("y")), EngineException.MISSING);
    }

    @Test
    public void pullRefusesContentThatDoesNotMatchItsDigest() throws Exception {
        StateStore store = store();
        persist(store, "alpha", scenario("one", "a"), metadata("1.0.0", "install"), ALICE);
        corruptStoredFile(store, TreeManifest.sha256(store.runtimeDir("alpha").resolve("opentofu/terraform.tfstate")));

        assertThatThrownBy(() -> store.pull("alpha", OptionalLong.of(1), work.resolve("out")))
                .hasMessageContaining("terraform.tfstate");
    }

    @Test
    public void rollbackMakesAnOldTreeCurrentAsANewRevision() throws Exception {
        StateStore store = store();
        persist(store, "alpha", scenario("one", "a"), metadata("1.0.0", "install"), ALICE);
        persist(store, "alpha", scenario("two", "a"), metadata("1.1.0", "install"), ALICE);
        String before = Files.readString(store.clusterFile("alpha"));

        RevisionInfo rolled;
        try (StateLock lock = store.lock("alpha", LockRequest.now(BOB))) {
            rolled = store.rollback("alpha", 1, BOB);
            assertExit(() -> store.rollback("alpha", 7, BOB), EngineException.MISSING);
        }
        List<RevisionInfo> history = store.history("alpha");
        assertThat(history).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 3L);
        assertThat(rolled.revision()).isEqualTo(3);
        assertThat(rolled.treeSha256()).isEqualTo(history.get(0).treeSha256());
        assertThat(rolled.who()).isEqualTo("bob@workstation-b");
        assertThat(rolled.command()).isEqualTo("state rollback");
        assertThat(history.get(2)).isEqualTo(rolled);

        JsonNode current = Json.parse(Files.readString(store.clusterFile("alpha")));
        assertThat(current.path("tag").asText()).isEqualTo("one");
        assertThat(current.path("ssh").path("key_path").asText())
                .isEqualTo(store.runtimeDir("alpha").resolve("generated/ssh/id_ed25519").toString());
        assertThat(Files.readString(store.clusterFile("alpha"))).isNotEqualTo(before);
        assertThat(Files.readString(store.runtimeDir("alpha").resolve("generated/cluster.json")))
                .isEqualTo(Files.readString(store.clusterFile("alpha")));
        assertThat(store.readEngineState("alpha").map(s -> s.profile().version())).contains("1.0.0");
    }

    @Test
    public void importKeepsTheRecordIsIdempotentAndRefusesAConflict() throws Exception {
        StateStore store = store();
        persist(store, "source", scenario("one", "a"), metadata("1.0.0", "install"), ALICE);
        persist(store, "source", scenario("two", "a"), metadata("1.1.0", "install"), BOB);
        List<RevisionInfo> source = store.history("source");
        Path first = work.resolve("rev1");
        Path second = work.resolve("rev2");
        store.pull("source", OptionalLong.of(1), first);
        store.pull("source", OptionalLong.of(2), second);
        // The pulled layout is keyed by name: present it as the target's.
        rename(first, "source", "copy");
        rename(second, "source", "copy");

        RevisionInfo one = as(source.get(0), "copy");
        try (StateLock lock = store.lock("copy", LockRequest.now(ALICE))) {
            RevisionInfo imported = store.importRevision(one, first);
            assertThat(imported).isEqualTo(one);
            assertThat(store.importRevision(one, first)).isEqualTo(one);
            assertExit(() -> store.importRevision(new RevisionInfo("copy", 1, one.createdAt(), one.who(),
                    one.command(), one.result(), one.exitCode(), one.profileName(), one.profileVersion(),
                    one.packageSha256(), source.get(1).treeSha256(), one.files(), one.bytes(), false), second),
                    EngineException.INVALID);
            store.importRevision(as(source.get(1), "copy"), second);
        }
        assertThat(store.history("copy")).containsExactly(one, as(source.get(1), "copy"));
        assertThat(Json.parse(Files.readString(store.clusterFile("copy"))).path("ssh").path("key_path").asText())
                .isEqualTo(store.runtimeDir("copy").resolve("generated/ssh/id_ed25519").toString());
        assertThat(Files.readString(store.runtimeDir("copy").resolve("generated/ssh/id_ed25519"))).isEqualTo("key-two");

        RevisionInfo removal = new RevisionInfo("copy", 3, Instant.parse("2026-11-28T12:00:00Z"), "bob@workstation-b",
                "profile destroy", "success", 0, "contract-profile", "1.1.0", "c0ffee", null, 0, 0, true);
        try (StateLock lock = store.lock("copy", LockRequest.now(ALICE))) {
            store.importRevision(removal, work.resolve("empty"));
        }
        assertThat(store.list()).extracting(ClusterInfo::name).containsExactly("source");
        assertThat(store.history("copy")).extracting(RevisionInfo::removed).containsExactly(false, false, true);
    }

    // ---- locks ---------------------------------------------------------------------------------------------

    @Test
    public void aHeldLockExcludesOthersAndNamesItsHolder() throws Exception {
        StateStore store = store();
        StateStore other = store();
        try (StateLock lock = store.lock("alpha", LockRequest.now(ALICE))) {
            assertThatThrownBy(() -> other.lock("alpha", LockRequest.now(BOB)))
                    .isInstanceOfSatisfying(EngineException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(EngineException.INVALID))
                    .hasMessageStartingWith("profile state for 'alpha' is locked by another run: ")
                    .hasMessageEndingWith("; held by " + ALICE.describe());
            other.lock("beta", LockRequest.now(BOB)).close();
        }
        other.lock("alpha", LockRequest.now(BOB)).close();
    }

    @Test
    public void aLockTimeoutWaitsForTheHolderAndThenGivesUp() throws Exception {
        StateStore store = store();
        StateStore other = store();
        StateLock held = store.lock("alpha", LockRequest.now(ALICE));
        long start = System.nanoTime();
        assertThatThrownBy(() -> other.lock("alpha", new LockRequest(BOB, Duration.ofMillis(400))))
                .hasMessageContaining("is locked by another run");
        assertThat(elapsedMillis(start)).isGreaterThanOrEqualTo(400);

        CompletableFuture<StateLock> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return other.lock("alpha", new LockRequest(BOB, Duration.ofSeconds(30)));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(300);
        assertThat(waiting).isNotDone();
        held.close();
        try (StateLock taken = waiting.get(20, TimeUnit.SECONDS)) {
            assertThat(taken.name()).isEqualTo("alpha");
            assertThat(store.list()).isEmpty();
        }
    }

    @Test
    public void forceUnlockOfAFreeLockBreaksNothing() throws Exception {
        StateStore store = store();
        assertThat(store.forceUnlock("alpha")).isEmpty();
        store.lock("alpha", LockRequest.now(ALICE)).close();
        assertThat(store.forceUnlock("alpha")).isEmpty();
        store.lock("alpha", LockRequest.now(BOB)).close();
    }

    @Test
    public void forceUnlockOfAHeldLock() throws Exception {
        StateStore store = store();
        StateStore other = store();
        StateLock lock = store.lock("alpha", LockRequest.now(ALICE));
        try {
            forceUnlockOfALiveHolder(store, other, "alpha", ALICE);
        } finally {
            lock.close();
        }
    }

    @Test
    public void invalidNamesAreExitFourEverywhere() throws Exception {
        StateStore store = store();
        for (String name : List.of("../x", ".hidden", "a/b", "")) {
            assertExit(() -> store.history(name), EngineException.INVALID);
            assertExit(() -> store.pull(name, OptionalLong.empty(), work.resolve("o")), EngineException.INVALID);
            assertExit(() -> store.rollback(name, 1, ALICE), EngineException.INVALID);
            assertExit(() -> store.forceUnlock(name), EngineException.INVALID);
            assertExit(() -> store.lock(name, LockRequest.now(ALICE)), EngineException.INVALID);
        }
    }

    // ---- the error table (docs/state.md "Errors") ----------------------------------------------------------

    /** One row of the table: what is called (on a store holding the fixture below), the exit code, the message. */
    protected record ErrorRow(String situation, StoreCall call, int exit, String message) {
        @Override
        public String toString() {
            return situation;
        }
    }

    /** A call on a store; {@code work} is the test's scratch directory. */
    @FunctionalInterface
    protected interface StoreCall {
        void on(StateStore store, Path work) throws Exception;
    }

    /**
     * Every backend gives the same exit code and message ({@code <backend>}: {@link StateStore#backendName()}) for the
     * same input. Fixture: {@code alpha} with revisions 1 and 2, {@code gone} whose revision 2 is its removal.
     */
    static List<ErrorRow> errorTable() {
        String zero = "revision 0 of profile state 'alpha' is the state from before history was kept; it cannot be"
                + " rolled back to ('state history alpha' lists the revisions that can)";
        return List.of(
                new ErrorRow("pull of an unknown name", (s, w) -> s.pull("nobody", OptionalLong.empty(), w.resolve("o")),
                        EngineException.MISSING, "no profile state for 'nobody' in <backend>"),
                new ErrorRow("pull of an unknown revision", (s, w) -> s.pull("alpha", OptionalLong.of(9), w.resolve("o")),
                        EngineException.MISSING, "profile state 'alpha' has no revision 9 in <backend>"),
                new ErrorRow("pull of a removed cluster", (s, w) -> s.pull("gone", OptionalLong.empty(), w.resolve("o")),
                        EngineException.MISSING, "no profile state for 'gone' in <backend>"),
                new ErrorRow("pull of a removal revision", (s, w) -> s.pull("gone", OptionalLong.of(2), w.resolve("o")),
                        EngineException.MISSING, "revision 2 of profile state 'gone' is its removal; it has no state to pull"),
                new ErrorRow("rollback to revision 0", (s, w) -> locked(s, "alpha", () -> s.rollback("alpha", 0, BOB)),
                        EngineException.MISSING, zero),
                new ErrorRow("rollback to an unknown revision", (s, w) -> locked(s, "alpha", () -> s.rollback("alpha", 9, BOB)),
                        EngineException.MISSING, "profile state 'alpha' has no revision 9 in <backend>"),
                new ErrorRow("rollback to a removal revision", (s, w) -> locked(s, "gone", () -> s.rollback("gone", 2, BOB)),
                        EngineException.MISSING,
                        "revision 2 of profile state 'gone' is its removal; it has no state to roll back to"),
                new ErrorRow("a bad name", (s, w) -> s.history("a/b"), EngineException.INVALID,
                        "profile package metadata.name is invalid: a/b"),
                new ErrorRow("import of an existing number with another tree", (s, w) -> {
                    Path pulled = w.resolve("pulled");
                    RevisionInfo two = s.pull("alpha", OptionalLong.of(2), pulled);
                    locked(s, "alpha", () -> s.importRevision(renumbered(two, 1), pulled));
                }, EngineException.INVALID, "revision 1 of profile state 'alpha' already exists in <backend> with another tree"),
                new ErrorRow("import of a number older than the current one", (s, w) -> {
                    Path pulled = w.resolve("pulled");
                    RevisionInfo two = s.pull("alpha", OptionalLong.of(2), pulled);
                    Files.move(pulled.resolve("alpha.runtime"), pulled.resolve("copy.runtime"));
                    Files.move(pulled.resolve("alpha.json"), pulled.resolve("copy.json"));
                    locked(s, "copy", () -> {
                        s.importRevision(renamed(renumbered(two, 5), "copy"), pulled);
                        s.importRevision(renamed(renumbered(two, 3), "copy"), pulled);
                    });
                }, EngineException.INVALID, "revision 3 of profile state 'copy' is older than the current revision 5 in <backend>"),
                new ErrorRow("a lock held by another run", (s, w) -> {
                    try (StateLock held = s.lock("alpha", LockRequest.now(ALICE))) {
                        s.lock("alpha", LockRequest.now(BOB));
                    }
                }, EngineException.INVALID, "profile state for 'alpha' is locked by another run: "));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("errorTable")
    public void theErrorTableIsTheSameOnEveryBackend(ErrorRow row) throws Exception {
        StateStore store = store();
        persist(store, "alpha", scenario("one", "a"), metadata("1.0.0", "install"), ALICE);
        persist(store, "alpha", scenario("two", "a"), metadata("1.1.0", "install"), ALICE);
        persist(store, "gone", scenario("g", "g"), metadata("1.0.0", "install"), ALICE);
        try (StateLock lock = store.lock("gone", LockRequest.now(ALICE))) {
            store.remove("gone");
        }
        String expected = row.message().replace("<backend>", store.backendName());
        assertThatThrownBy(() -> row.call().on(store, work.resolve("row")))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(row.exit());
                    assertThat(e.getMessage()).startsWith(expected);
                });
    }

    private static void locked(StateStore store, String name, Call call) throws Exception {
        try (StateLock lock = store.lock(name, LockRequest.now(BOB))) {
            call.run();
        }
    }

    private static RevisionInfo renumbered(RevisionInfo r, long revision) {
        return new RevisionInfo(r.name(), revision, r.createdAt(), r.who(), r.command(), r.result(), r.exitCode(),
                r.profileName(), r.profileVersion(), r.packageSha256(), r.treeSha256(), r.files(), r.bytes(),
                r.removed());
    }

    private static RevisionInfo renamed(RevisionInfo r, String name) {
        return as(r, name);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    protected interface Call {
        void run() throws Exception;
    }

    protected static void assertExit(Call call, int exitCode) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(EngineException.class,
                e -> assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(exitCode));
    }

    protected static EngineState metadata(String version, String command) {
        return EngineState.of(new EngineState.Profile("contract-profile", version, "onprem-basic", "ansible"),
                new EngineState.PackageRef("c0ffee", "contract.tgz"), EngineState.Engine.java("0.0.0-test"),
                new EngineState.LastAction(command, EngineState.Result.SUCCESS, 0,
                        Instant.parse("2026-11-28T10:00:00Z"), Instant.parse("2026-11-28T10:00:05Z")));
    }

    /** A scenario whose state files carry {@code tag}: generated/ with a key, OpenTofu state and a provider. */
    protected Path scenario(String tag, String site) throws IOException {
        Path scenario = work.resolve("scenario-" + tag + "-" + System.nanoTime());
        write(scenario.resolve("generated/cluster.json"),
                "{\"tag\":\"" + tag + "\",\"site\":\"" + site + "\",\"ssh\":{\"user\":\"ubuntu\",\"port\":22}}");
        write(scenario.resolve("generated/ssh/id_ed25519"), "key-" + tag);
        write(scenario.resolve("generated/hosts.yml"), "all: {}\n");
        write(scenario.resolve("opentofu/terraform.tfstate"), "{\"serial\": \"" + tag + "\"}");
        write(scenario.resolve("opentofu/main.tf"), "# not state");
        Path provider = write(scenario.resolve("opentofu/.terraform/providers/p/bin"), "ELF provider");
        Files.setPosixFilePermissions(provider, PosixFilePermissions.fromString("rwxr-xr-x"));
        write(scenario.resolve("opentofu/.terraform.lock.hcl"), "lock");
        return scenario;
    }

    protected static void persist(StateStore store, String name, Path scenario, EngineState metadata, LockHolder who)
            throws IOException {
        try (StateLock lock = store.lock(name, LockRequest.now(who))) {
            store.persist(name, scenario, metadata);
        }
    }

    private static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    private static void rename(Path pulled, String from, String to) throws IOException {
        Files.move(pulled.resolve(from + ".runtime"), pulled.resolve(to + ".runtime"));
        Files.move(pulled.resolve(from + ".json"), pulled.resolve(to + ".json"));
    }

    private static RevisionInfo as(RevisionInfo r, String name) {
        return new RevisionInfo(name, r.revision(), r.createdAt(), r.who(), r.command(), r.result(), r.exitCode(),
                r.profileName(), r.profileVersion(), r.packageSha256(), r.treeSha256(), r.files(), r.bytes(),
                r.removed());
    }

    private static long elapsedMillis(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** Every file under {@code root} with its content, for comparing trees in tests. */
    protected static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.readString(p));
            }
        }
        return files;
    }

    protected static Optional<String> text(Path file) throws IOException {
        return Files.isRegularFile(file) ? Optional.of(Files.readString(file)) : Optional.empty();
    }
}
