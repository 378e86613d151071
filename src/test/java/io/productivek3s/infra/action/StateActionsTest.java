package io.productivek3s.infra.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.backends.StateBackends;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state actions against the state layer over the memory driver (the code the PostgreSQL backend runs): what they
 * return, what they refuse, what they leave behind.
 */
class StateActionsTest {
    static final LockHolder OTHER = new LockHolder("bob", "ws2", 4242, "profile install", Instant.parse("2026-11-28T12:30:00Z"));

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, String> env = new HashMap<>();
    private MemoryStates source;
    private MemoryStates target;
    private StateStores stores;

    @BeforeEach
    void setUp() throws IOException {
        env.put("HOME", dir.toString());
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        source = new MemoryStates("memory:source", dir.resolve("state"), dir.resolve("fixtures"));
        target = new MemoryStates("memory:target", dir.resolve("target-state"), dir.resolve("fixtures"));
        stores = stores(source.store(), target.store());
        source.write("siteA", "profile install", "success", "1.0.0", Map.of("siteA.json", "{\"a\":1}",
                "siteA.runtime/generated/cluster.json", "{\"a\":1}", "siteA.runtime/engine-state.json", engineState("1.0.0")));
        source.write("siteA", "profile install", "failed", "1.1.0", Map.of("siteA.json", "{\"a\":2}",
                "siteA.runtime/generated/cluster.json", "{\"a\":2}", "siteA.runtime/engine-state.json", engineState("1.1.0", "failed")));
        source.write("siteB", "profile install", "success", "1.0.0", Map.of("siteB.json", "{\"b\":1}"));
    }

    static StateStores stores(StateStore current, StateStore other) {
        return new StateStores() {
            @Override
            public StateStore open() {
                return current;
            }

            @Override
            public StateStore open(String backend) {
                return other;
            }

            @Override
            public StateStore openWritingPlain() {
                return current;
            }
        };
    }

    static String engineState(String version) {
        return engineState(version, "success");
    }

    /** The engine-state.json a run of {@code version} that ended with {@code result} records. */
    static String engineState(String version, String result) {
        return """
                {"schema_version": "1", "profile": {"name": "fixture-profile", "version": "%s", "scenario": "onprem-basic",
                 "engine": "ansible"}, "package": {"sha256": "abc", "ref": "fixture.tgz", "path": "/pkg/fixture.tgz"},
                 "engine": null, "last_action": {"command": "install", "result": "%s", "exit_code": 0},
                 "override": {"sha256": "def", "path": "/sites/a.env"}}
                """.formatted(version, result);
    }

    private EngineContext context() {
        return InProcessContext.of(dir, env, out);
    }

    @Test
    void listShowsCurrentClustersWithTheirLockHolder() throws IOException {
        source.lockAs("siteB", OTHER);
        StateQueryAction.Listing listing = new StateQueryAction(context(), stores).list();
        assertThat(listing.where().location()).isEqualTo("memory:source");
        assertThat(listing.where().mirror()).isEqualTo(dir.resolve("state"));
        assertThat(listing.clusters()).extracting(c -> c.name() + " " + c.version() + " " + c.result() + " " + c.revision())
                .containsExactly("siteA 1.1.0 failed 2", "siteB 1.0.0 success 1");
        assertThat(listing.clusters().get(1).lockedBy()).isEqualTo(OTHER);
        assertThat(source.store().forceUnlock("siteB")).contains(OTHER); // that run ended; a destroy follows
        source.removeAsDestroy("siteB");
        assertThat(new StateQueryAction(context(), stores).list().clusters()).extracting(c -> c.name()).containsExactly("siteA");
    }

    @Test
    void showReadsTheEngineStateAndTheCurrentRevision() {
        StateQueryAction.Shown shown = new StateQueryAction(context(), stores).show("siteA");
        assertThat(shown.cluster().name()).isEqualTo("siteA");
        assertThat(shown.engineState().profile().version()).isEqualTo("1.1.0");
        assertThat(shown.engineState().pkg().path()).isEqualTo("/pkg/fixture.tgz");
        assertThat(shown.engineState().override().path()).isEqualTo("/sites/a.env");
        assertThat(shown.current().revision()).isEqualTo(2);
        assertThat(shown.clusterFile()).isEqualTo(dir.resolve("state/siteA.json"));
    }

    @Test
    void unknownAndRemovedNamesAreExit3() {
        StateQueryAction query = new StateQueryAction(context(), stores);
        assertExit(() -> query.show("nosuch"), 3, "no state named 'nosuch' in memory:source");
        assertExit(() -> query.history("nosuch"), 3, "no state named 'nosuch' in memory:source");
        source.removeAsDestroy("siteB");
        assertExit(() -> query.show("siteB"), 3, "state 'siteB' was removed by revision 2 (profile destroy by alice@ws1 at "
                + "2026-11-28T11:00:00Z); 'state history siteB' lists its revisions");
        assertThat(query.history("siteB").revisions()).extracting(RevisionInfo::removed).containsExactly(false, true);
    }

    @Test
    void pullWritesTheRevisionIntoANewOrEmptyDirectoryOnly() throws IOException {
        StateQueryAction query = new StateQueryAction(context(), stores);
        StateQueryAction.Pulled pulled = query.pull("siteA", OptionalLong.of(1), "out");
        assertThat(pulled.revision().revision()).isEqualTo(1);
        assertThat(dir.resolve("out/siteA.json")).hasContent("{\"a\":1}");
        assertThat(pulled.runtimeDir()).isEqualTo(dir.resolve("out/siteA.runtime"));

        assertExit(() -> query.pull("siteA", OptionalLong.empty(), "out"), 4, "refusing to pull into a non-empty directory: out");
        assertExit(() -> query.pull("siteA", OptionalLong.empty(), null), 3, "the 'state pull' command requires --output <dir>");
        Files.writeString(dir.resolve("file"), "x");
        assertExit(() -> query.pull("siteA", OptionalLong.empty(), "file"), 4, "state pull --output must be a directory: file");
        // a failed pull leaves no directory it created
        assertExit(() -> query.pull("siteA", OptionalLong.of(9), "new"), 3,
                "profile state 'siteA' has no revision 9 in memory:source");
        assertThat(dir.resolve("new")).doesNotExist();
        Files.createDirectories(dir.resolve("empty"));
        assertThat(query.pull("siteA", OptionalLong.empty(), "empty").revision().revision()).isEqualTo(2);
    }

    @Test
    void rollbackWritesANewRevisionUnderTheLockAndReleasesIt() {
        StateChangeAction.RolledBack rolled = new StateChangeAction(context(), stores).rollback("siteA", 1, Duration.ZERO);
        assertThat(rolled.previous()).isEqualTo(2);
        assertThat(rolled.created().revision()).isEqualTo(3);
        assertThat(rolled.created().command()).isEqualTo("state rollback");
        assertThat(rolled.created().treeSha256()).isEqualTo(source.history("siteA").get(0).treeSha256());
        assertThat(source.locked("siteA")).isFalse();
    }

    @Test
    void rollbackOfAnUnknownNameTakesNoLockAndAHeldLockIsWaitedForThenNamed() {
        StateChangeAction change = new StateChangeAction(context(), stores);
        assertExit(() -> change.rollback("nosuch", 1, Duration.ZERO), 3, "no state named 'nosuch'");
        assertThat(source.locked("nosuch")).isFalse();

        source.lockAs("siteA", OTHER);
        long start = System.nanoTime();
        assertExit(() -> change.rollback("siteA", 1, Duration.ofMillis(300)), 4,
                "profile state for 'siteA' is locked by another run: memory:source; held by bob@ws2 pid 4242 (profile install)"
                        + " since 2026-11-28T12:30:00Z");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(source.history("siteA")).hasSize(2);
    }

    @Test
    void unlockBreaksTheLockAndSaysWhose() {
        StateChangeAction change = new StateChangeAction(context(), stores);
        source.lockAs("siteA", OTHER);
        assertThat(change.unlock("siteA").broken()).contains(OTHER);
        assertThat(source.locked("siteA")).isFalse();
        assertThat(change.unlock("siteA").broken()).isEmpty();
    }

    @Test
    void migrateCopiesEveryRevisionOldestFirstVerifiesDigestsAndIsIdempotent() {
        source.removeAsDestroy("siteB");
        source.write("siteB", "profile install", "success", "1.2.0", Map.of("siteB.json", "{\"b\":3}"));
        StateMigrateAction.Result result = new StateMigrateAction(context(), stores).run("postgresql://u:secret@127.0.0.1:5/db",
                Duration.ZERO);
        assertThat(result.source()).isEqualTo("local");
        assertThat(result.target()).isEqualTo("postgresql://u:****@127.0.0.1:5/db");
        assertThat(result.clusters()).extracting(c -> c.name() + " " + c.revisions() + " " + c.copied() + " " + c.present())
                .containsExactly("siteA 2 2 0", "siteB 3 3 0");
        assertThat(target.history("siteA")).extracting(RevisionInfo::revision).containsExactly(1L, 2L);
        assertThat(target.history("siteB")).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 3L);
        for (String name : new String[] {"siteA", "siteB"}) {
            assertThat(target.history(name)).extracting(RevisionInfo::treeSha256)
                    .containsExactlyElementsOf(source.history(name).stream().map(RevisionInfo::treeSha256).toList());
        }
        assertThat(target.history("siteB").get(1).removed()).isTrue();
        assertThat(target.locked("siteA")).isFalse();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("INFO  Migrated 'siteA': 2 revision(s), 2 copied, 0 already present; digests verified");

        StateMigrateAction.Result again = new StateMigrateAction(context(), stores).run("postgresql://u@127.0.0.1:5/db", Duration.ZERO);
        assertThat(again.clusters()).extracting(c -> c.copied() + "/" + c.present()).containsExactly("0/2", "0/3");
        assertThat(target.history("siteA").size() + target.history("siteB").size()).isEqualTo(5);
        assertThat(source.history("siteA")).hasSize(2);
        assertThat(Files.exists(dir.resolve("tmp"))).isTrue();
        assertThat(dir.resolve("tmp").toFile().list()).isEmpty();
    }

    @Test
    void stateFromBeforeHistoryIsListedHasNoRevisionsAndMigratesAsItsCurrentTree() throws IOException {
        // State as an engine before history left it: a local directory with the current files and no .history.
        Path local = Files.createDirectories(dir.resolve("local-state/legacy.runtime"));
        Files.writeString(local.resolve("engine-state.json"), engineState("0.9.0"));
        Files.writeString(dir.resolve("local-state/legacy.json"), "{\"old\":1}");
        StateStores fromLocal = stores(StateBackends.local(dir.resolve("local-state"), 20, line -> { }, d -> { }), target.store());
        StateQueryAction query = new StateQueryAction(context(), fromLocal);
        assertThat(query.list().clusters()).extracting(c -> c.name() + " " + c.revision()).containsExactly("legacy 0");
        assertThat(query.history("legacy").revisions()).isEmpty();
        StateMigrateAction.Result result = new StateMigrateAction(context(), fromLocal).run("postgresql://u@h/db", Duration.ZERO);
        assertThat(result.clusters().get(0)).isEqualTo(new StateMigrateAction.ClusterResult("legacy", 1, 1, 0, 0));
        assertThat(target.history("legacy")).extracting(RevisionInfo::revision).containsExactly(0L);
        assertThat(target.history("legacy").get(0).files()).isEqualTo(1);
    }

    @Test
    void migrateRefusesToOverwriteADifferentRevisionAndTheBackendInUse() {
        target.write("siteA", "profile install", "success", "9.9.9", Map.of("siteA.json", "{\"other\":1}"));
        assertExit(() -> new StateMigrateAction(context(), stores).run("postgresql://u@h/db", Duration.ZERO), 4,
                "the target already has revision 1 of 'siteA' with another tree");
        assertThat(target.history("siteA")).hasSize(1);
        assertExit(() -> new StateMigrateAction(context(), stores).run("local", Duration.ZERO), 2,
                "state migrate --to names the backend already in use (PK3S_STATE_BACKEND)");
        assertExit(() -> new StateMigrateAction(context(), stores).run(null, Duration.ZERO), 3,
                "the 'state migrate' command requires --to <backend>");
    }

    static void assertExit(Runnable call, int code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(code);
            assertThat(e.getMessage()).startsWith(message);
        });
    }
}
