package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.MemoryStates;
import io.productivek3s.infra.action.StateStores;
import io.productivek3s.infra.core.EngineBuild;
import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.log.Redactor;
import io.productivek3s.infra.paths.CallerPaths;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state commands' argument checks and their text and JSON renderings, over the in-memory store. */
class StateCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LockHolder BOB = new LockHolder("bob", "ws2", 4242, "profile install", Instant.parse("2026-11-28T12:30:00Z"));

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private MemoryStates store;
    private MemoryStates target;

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(dir.resolve("tmp"));
        store = new MemoryStates("memory:state", dir.resolve("state"), dir.resolve("fixtures"));
        target = new MemoryStates("memory:target", dir.resolve("target-state"), dir.resolve("fixtures"));
        store.write("siteA", "profile install", "success", "1.0.0", Map.of("siteA.json", "{}"));
        store.write("siteA", "profile status", "success", "1.0.0", Map.of("siteA.json", "{\"x\":1}"));
        store.write("siteB-long-name", "profile install", "failed", "1.1.0", Map.of("siteB-long-name.json", "{}"));
    }

    private int run(String... args) {
        Invocation invocation = new ArgumentParser().parse(args);
        Map<String, String> env = new HashMap<>(Map.of("HOME", dir.toString(), "TMPDIR", dir.resolve("tmp").toString()));
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        Log log = new Log(o, e, new Redactor());
        log.setEventsMode(invocation.json()); // as Cli does: with --json, stdout is the document's
        Release release = Release.load(dir, env, log::warn);
        EngineContext context = new EngineContext(release.baseEnvironment(), release, dir, new CallerPaths(dir, dir, m -> { }), log,
                OperationEvents.disabled(), EngineBuild.current(), Clock.systemUTC());
        StateStores stores = new StateStores() {
            @Override
            public StateStore open() {
                return store.store();
            }

            @Override
            public StateStore open(String backend) {
                return target.store();
            }

            @Override
            public StateStore openWritingPlain() {
                return store.store();
            }
        };
        StateCommands commands = new StateCommands(new Call(context, invocation), stores);
        return switch (invocation.word(0) + " " + invocation.word(1)) {
            case "state list", "profile list" -> commands.list(invocation.word(0) + " list");
            case "state show" -> commands.show(StateCommands.Named.parse("state show", invocation));
            case "state history" -> commands.history(StateCommands.Named.parse("state history", invocation));
            case "state pull" -> commands.pull(StateCommands.PullOptions.parse(invocation));
            case "state rollback" -> commands.rollback(StateCommands.RollbackOptions.parse(invocation));
            case "state unlock" -> commands.unlock(StateCommands.UnlockOptions.parse(invocation));
            case "state migrate" -> commands.migrate(StateCommands.MigrateOptions.parse(invocation));
            case "state rekey" -> commands.rekey(StateCommands.RekeyOptions.parse(invocation));
            default -> throw new IllegalArgumentException(String.join(" ", args));
        };
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void listRendersAlignedColumnsAndLockHoldersOnlyWhenLocked() {
        assertThat(run("state", "list")).isZero();
        assertThat(stdout()).isEqualTo("""
                NAME             PROFILE          VERSION  LAST ACTION      RESULT   WHEN
                siteA            fixture-profile  1.0.0    profile status   success  2026-11-28T10:01:00Z
                siteB-long-name  fixture-profile  1.1.0    profile install  failed   2026-11-28T10:00:00Z
                """);
        out.reset();
        store.lockAs("siteA", BOB);
        run("profile", "list");
        assertThat(stdout().lines().toList().get(0)).endsWith("WHEN                  LOCKED BY");
        assertThat(stdout()).contains("bob@ws2 pid 4242 (profile install) since 2026-11-28T12:30:00Z\n");
    }

    @Test
    void listJsonIsTheDocumentedSchema() throws IOException {
        store.lockAs("siteA", BOB);
        run("profile", "list", "--json");
        JsonNode doc = JSON.readTree(stdout());
        assertThat(doc.fieldNames()).toIterable().containsExactly("schema_version", "command", "ok", "location", "mirror", "clusters");
        assertThat(doc.get("location").asText()).isEqualTo("memory:state");
        assertThat(doc.get("mirror").asText()).as("the backend's local mirror").isEqualTo(dir.resolve("state").toString());
        assertThat(doc.get("command").asText()).isEqualTo("profile list");
        JsonNode first = doc.get("clusters").get(0);
        assertThat(first.fieldNames()).toIterable().containsExactly("name", "profile", "last_action", "result",
                "when", "revision", "locked_by");
        assertThat(first.get("profile").fieldNames()).toIterable().containsExactly("name", "version", "scenario", "engine");
        assertThat(first.get("when").asText()).isEqualTo("2026-11-28T10:01:00.000Z");
        assertThat(first.get("revision").asLong()).isEqualTo(2);
        assertThat(first.get("locked_by").get("pid").asLong()).isEqualTo(4242);
        assertThat(first.get("locked_by").get("started_at").asText()).isEqualTo("2026-11-28T12:30:00.000Z");
        assertThat(doc.get("clusters").get(1).get("locked_by").isNull()).isTrue();
    }

    @Test
    void emptyListSaysWhere() {
        store = new MemoryStates("memory:empty", dir.resolve("empty"), dir.resolve("fixtures"));
        run("state", "list");
        assertThat(stdout()).isEqualTo("No clusters in memory:empty\n");
    }

    @Test
    void historyTextAndJson() throws IOException {
        run("state", "history", "siteA");
        assertThat(stdout().lines().toList()).hasSize(3);
        assertThat(stdout()).startsWith("REV  WHEN                  WHO        COMMAND          RESULT   EXIT  PROFILE                "
                + "TREE\n").contains("\n2    2026-11-28T10:01:00Z  alice@ws1  profile status   success  0     fixture-profile 1.0.0  ");
        out.reset();
        run("state", "history", "siteA", "--json");
        JsonNode doc = JSON.readTree(stdout());
        assertThat(doc.get("command").asText()).isEqualTo("state history");
        JsonNode rev = doc.get("revisions").get(1);
        assertThat(rev.fieldNames()).toIterable().containsExactly("revision", "created_at", "who", "command", "result",
                "exit_code", "profile", "package", "tree_sha256", "files", "bytes", "removed");
        assertThat(rev.get("profile").get("version").asText()).isEqualTo("1.0.0");
        assertThat(rev.get("package").fieldNames()).toIterable().containsExactly("sha256", "ref", "path");
        assertThat(rev.get("tree_sha256").asText()).hasSize(64);
    }

    @Test
    void showPullRollbackUnlockMigrateRender() throws IOException {
        run("state", "show", "siteA");
        assertThat(stdout()).contains("Cluster:       siteA\n", "Revision:      2, written by alice@ws1 at 2026-11-28T10:01:00Z "
                + "(profile status of fixture-profile 1.0.0)\n", "Locked by:     nobody\n", "State file:    " + dir.resolve("state/siteA.json") + "\n");
        out.reset();
        run("state", "pull", "siteA", "--revision", "1", "--output", "pulled");
        assertThat(stdout()).isEqualTo("Pulled revision 1 of 'siteA' into " + dir.resolve("pulled")
                + " (digests verified): siteA.json, siteA.runtime/\n");
        out.reset();
        run("state", "rollback", "siteA", "--revision", "1", "--json");
        JsonNode rolled = JSON.readTree(stdout());
        assertThat(rolled.get("revision").get("revision").asLong()).isEqualTo(3);
        assertThat(rolled.get("previous_revision").asLong()).isEqualTo(2);
        assertThat(rolled.get("infrastructure_changed").asBoolean()).isFalse();
        out.reset();
        run("state", "rollback", "siteA", "--revision", "2");
        assertThat(stdout()).contains("Rolled back state 'siteA' to revision 2, written as revision 4 (was 3).\n"
                + "Infrastructure is untouched: ");
        out.reset();
        store.lockAs("siteA", BOB);
        run("state", "unlock", "siteA", "--force");
        assertThat(stdout()).isEqualTo("Broke the lock on 'siteA' held by bob@ws2 pid 4242 (profile install) since 2026-11-28T12:30:00Z\n");
        out.reset();
        run("state", "unlock", "siteA", "--force", "--json");
        assertThat(JSON.readTree(stdout()).get("was_locked").asBoolean()).isFalse();
        out.reset();
        run("state", "migrate", "--to", "postgresql://pk3s:pw@127.0.0.1:5432/pk3s", "--json");
        JsonNode migrated = JSON.readTree(stdout());
        assertThat(migrated.get("target").asText()).isEqualTo("postgresql://pk3s:****@127.0.0.1:5432/pk3s");
        assertThat(migrated.get("clusters").get(0).get("copied").asInt()).isEqualTo(4);
        assertThat(stdout() + err.toString(StandardCharsets.UTF_8)).doesNotContain(":pw@");
    }

    @Test
    void argumentErrorsHaveTheirExitCodes() {
        assertExit(3, "the 'state show' command requires a cluster name: state show <name>", "state", "show");
        assertExit(3, "the 'state history' command requires a cluster name", "state", "history", "--json");
        assertExit(4, "invalid cluster name '../x': a cluster name is 1-128 letters", "state", "show", "../x");
        assertExit(3, "no state named 'nosuch' in ", "state", "show", "nosuch");
        assertExit(3, "the 'state rollback' command requires --revision <n> ('state history siteA' lists them)",
                "state", "rollback", "siteA");
        assertExit(2, "invalid --revision 'two': a revision number such as 3", "state", "rollback", "siteA", "--revision", "two");
        assertExit(2, "invalid --revision '0'", "state", "pull", "siteA", "--revision", "0", "--output", "o");
        assertExit(2, "invalid --lock-timeout 'soon'", "state", "rollback", "siteA", "--revision", "1", "--lock-timeout", "soon");
        assertExit(2, "state unlock breaks the lock whoever holds it; if no run is still working on 'siteA', run: "
                + "state unlock siteA --force", "state", "unlock", "siteA");
        assertExit(3, "the 'state migrate' command requires --to <backend>, --encrypt or --decrypt", "state", "migrate");
        assertExit(2, "state migrate --encrypt and --decrypt contradict each other", "state", "migrate", "--encrypt",
                "--decrypt");
        assertExit(2, "state migrate --to copies state to another backend and --decrypt rewrites the current one in place",
                "state", "migrate", "--to", "local", "--decrypt");
        assertExit(3, "the 'state rekey' command requires a cluster name or --all: state rekey <name>|--all", "state", "rekey");
        assertExit(2, "state rekey takes a cluster name or --all, not both", "state", "rekey", "siteA", "--all");
        assertExit(4, "invalid cluster name '../x'", "state", "rekey", "../x");
        assertExit(4, "state rekey seals every kept revision under the current state key, and none is set: set "
                + "PK3S_STATE_ENCRYPTION_KEY_FILE", "state", "rekey", "siteA");
        assertExit(4, "state migrate --encrypt seals every kept revision under the current state key, and none is set",
                "state", "migrate", "--encrypt");
        assertThat(store.history("siteA")).hasSize(2);
    }

    @Test
    void migrateDecryptRewritesEveryClusterInPlaceAndAnswersWithTheRekeyDocument() throws IOException {
        List<RevisionInfo> before = store.history("siteA");
        assertThat(run("state", "migrate", "--decrypt", "--json")).isZero();
        JsonNode doc = JSON.readTree(stdout());
        assertThat(doc.get("command").asText()).isEqualTo("state migrate");
        assertThat(doc.get("mode").asText()).isEqualTo("decrypt");
        assertThat(doc.get("sealed_with").isNull()).isTrue();
        assertThat(doc.get("key_id").isNull()).isTrue();
        assertThat(doc.get("clusters").toString()).isEqualTo("[{\"name\":\"siteA\",\"revisions\":2,\"latest_revision\":2},"
                + "{\"name\":\"siteB-long-name\",\"revisions\":1,\"latest_revision\":1}]");
        assertThat(store.history("siteA")).isEqualTo(before);
        out.reset();
        assertThat(run("state", "migrate", "--decrypt")).isZero();
        assertThat(stdout()).contains("INFO  Decrypted 'siteA': 2 revision(s) rewritten;").endsWith("Decrypted 2 cluster(s), 3 revision(s) in memory:state: every kept revision is now "
                + "stored in plain text and needs no key\n");
    }

    private void assertExit(int code, String message, String... args) {
        assertThatThrownBy(() -> run(args)).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).as(e.getMessage()).isEqualTo(code);
            assertThat(e.getMessage()).startsWith(message);
        });
    }
}
