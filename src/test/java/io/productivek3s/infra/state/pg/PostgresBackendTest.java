package io.productivek3s.infra.state.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LocalIdentity;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLayer;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL backend ({@link PostgresBackend}: the state layer over its driver) against a real server: revisions, dedup, mirror sync, leases, fencing, migrations. */
class PostgresBackendTest {
    static PostgresServer server;
    static String database;

    @TempDir
    Path tmp;

    final List<String> warnings = new ArrayList<>();
    final List<String> debug = new ArrayList<>();

    @BeforeAll
    static void database() {
        server = PostgresServer.shared();
        database = server.createDatabase("store");
    }

    Map<String, String> env(String... extra) {
        Map<String, String> env = new HashMap<>(Map.of("PGPASSWORD", PostgresServer.PASSWORD,
                "PK3S_STATE_LEASE_SECONDS", "3", "HOME", tmp.toString()));
        for (int i = 0; i < extra.length; i += 2) {
            env.put(extra[i], extra[i + 1]);
        }
        return env;
    }

    StateLayer open(Path stateDir) {
        return PostgresBackend.open(server.url(database), env(), stateDir, warnings::add, debug::add);
    }

    static LockRequest request(String user, String host, String command) {
        return LockRequest.now(new LockHolder(user, host, ProcessHandle.current().pid(), command, Instant.now()));
    }

    static EngineState meta(String command) {
        return EngineState.of(new EngineState.Profile("demo", "1.2.3", "onprem-basic", "ansible"),
                new EngineState.PackageRef("ab".repeat(32), "demo.tgz"), EngineState.Engine.java("0.9"),
                new EngineState.LastAction(command, EngineState.Result.SUCCESS, 0, Instant.now(), Instant.now()));
    }

    Path scenario(String serial, byte[] provider) throws Exception {
        Path s = Files.createDirectories(tmp.resolve("scenario-" + serial + "-" + System.nanoTime()));
        Files.createDirectories(s.resolve("generated/ssh"));
        Files.writeString(s.resolve("generated/cluster.json"), "{\"cluster_name\":\"c\",\"ssh\":{\"user\":\"u\"}}");
        Files.writeString(s.resolve("generated/ssh/id_ed25519"), "key");
        Path providers = Files.createDirectories(s.resolve("opentofu/.terraform/providers/example/p"));
        Files.write(providers.resolve("terraform-provider-p"), provider);
        Files.writeString(s.resolve("opentofu/terraform.tfstate"), "{\"serial\":" + serial + "}");
        return s;
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    long blobBytes() throws Exception {
        try (Connection c = server.connect(database); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(sum(length(data)), 0) FROM pk3s_blob_chunks")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void persistRestoreHistoryAndDedupAcrossRevisions() throws Exception {
        Path stateDir = tmp.resolve("state");
        byte[] provider = random(3 * BlobStore.CHUNK + 17, 1);
        try (StateLayer store = open(stateDir)) {
            try (StateLock lock = store.lock("dedup", request("alice", "ws-a", "profile install"))) {
                store.persist("dedup", scenario("1", provider), meta("install"));
            }
            long afterFirst = blobBytes();
            assertThat(afterFirst).isGreaterThanOrEqualTo(provider.length);
            try (StateLock lock = store.lock("dedup", request("alice", "ws-a", "profile status"))) {
                store.persist("dedup", scenario("2", provider), meta("status"));
            }
            // Only the changed tfstate and engine-state were new: the 3 MiB provider was not uploaded again.
            assertThat(blobBytes() - afterFirst).isLessThan(4096);
            assertThat(debug).anyMatch(l -> l.matches("state: uploaded \\d{1,4} bytes in \\d new blob\\(s\\).*"));

            List<RevisionInfo> history = store.history("dedup");
            assertThat(history).extracting(RevisionInfo::revision).containsExactly(1L, 2L);
            assertThat(history.get(0).who()).isEqualTo("alice@ws-a");
            assertThat(history.get(0).command()).isEqualTo("profile install");
            assertThat(history.get(1).command()).isEqualTo("profile status");
            assertThat(history.get(1).packageSha256()).isEqualTo("ab".repeat(32));
            assertThat(history.get(1).profileVersion()).isEqualTo("1.2.3");
            assertThat(history.get(1).result()).isEqualTo("success");
            assertThat(history.get(1).treeSha256())
                    .isEqualTo(TreeManifest.scan(store.runtimeDir("dedup"), TreeManifest.KnownDigests.NONE).digest());
            assertThat(store.clusterFile("dedup")).exists();
            assertThat(Files.readString(store.clusterFile("dedup")))
                    .contains(store.runtimeDir("dedup").resolve("generated/ssh/id_ed25519").toString());

            Path target = Files.createDirectories(tmp.resolve("restored"));
            try (StateLock lock = store.lock("dedup", request("alice", "ws-a", "profile status"))) {
                store.restore("dedup", target);
            }
            assertThat(target.resolve("opentofu/terraform.tfstate")).hasContent("{\"serial\":2}");
            assertThat(Files.readAllBytes(target.resolve("opentofu/.terraform/providers/example/p/terraform-provider-p")))
                    .isEqualTo(provider);
        }
    }

    @Test
    void secondWorkstationMirrorsFetchesAndSeesRemoval() throws Exception {
        Path a = tmp.resolve("a-state");
        Path b = tmp.resolve("b-state");
        byte[] provider = random(2 * BlobStore.CHUNK, 2);
        try (StateLayer storeA = open(a); StateLayer storeB = open(b)) {
            try (StateLock lock = storeA.lock("shared", request("alice", "ws-a", "profile install"))) {
                storeA.persist("shared", scenario("1", provider), meta("install"));
            }
            assertThat(storeB.clusterFile("shared")).doesNotExist();
            assertThat(storeB.readEngineState("shared")).get().extracting(s -> s.profile().version()).isEqualTo("1.2.3");
            Path scenarioB = Files.createDirectories(tmp.resolve("b-scenario"));
            try (StateLock lock = storeB.lock("shared", request("bob", "ws-b", "profile status"))) {
                storeB.restore("shared", scenarioB);
            }
            assertThat(storeB.clusterFile("shared")).exists();
            // B's <name>.json points at B's own copy of the key
            assertThat(Files.readString(storeB.clusterFile("shared"))).contains(b.toString()).doesNotContain(a.toString());
            assertThat(scenarioB.resolve("opentofu/terraform.tfstate")).hasContent("{\"serial\":1}");
            assertThat(storeB.list()).extracting(c -> c.name()).contains("shared");

            try (StateLock lock = storeB.lock("shared", request("bob", "ws-b", "profile destroy"))) {
                storeB.remove("shared");
            }
            assertThat(storeB.clusterFile("shared")).doesNotExist();
            assertThat(storeA.list()).extracting(c -> c.name()).doesNotContain("shared");
            assertThat(storeA.history("shared")).extracting(RevisionInfo::removed).containsExactly(false, true);
            try (StateLock lock = storeA.lock("shared", request("alice", "ws-a", "profile status"))) {
                storeA.restore("shared", Files.createDirectories(tmp.resolve("a-scenario")));
            }
            assertThat(storeA.clusterFile("shared")).doesNotExist();
            assertThat(storeA.runtimeDir("shared")).doesNotExist();
        }
    }

    @Test
    void leaseNamesTheHolderWaitsAndExpires() throws Exception {
        try (StateLayer one = open(tmp.resolve("one")); StateLayer two = open(tmp.resolve("two"))) {
            StateLock held = one.lock("leased", request("alice", "ws-a", "profile install"));
            assertThatThrownBy(() -> two.lock("leased", request("bob", "ws-b", "profile install")))
                    .isInstanceOfSatisfying(EngineException.class, e -> {
                        assertThat(e.exitCode()).isEqualTo(4);
                        assertThat(e.getMessage()).startsWith("profile state for 'leased' is locked by another run: "
                                + one.backendName() + "; held by alice@ws-a pid ");
                    });
            // Renewal keeps it alive past the 3 s TTL.
            Thread.sleep(4000);
            assertThatThrownBy(() -> two.lock("leased", request("bob", "ws-b", "profile install")))
                    .isInstanceOf(EngineException.class);
            // Waiting: released after 1 s, taken within the 10 s timeout.
            Thread releaser = new Thread(() -> {
                sleep(1000);
                held.close();
            });
            releaser.start();
            long t0 = System.nanoTime();
            try (StateLock waited = two.lock("leased", new LockRequest(
                    new LockHolder("bob", "ws-b", 1, "profile install", Instant.now()), Duration.ofSeconds(10)))) {
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            }
            releaser.join();
        }
    }

    @Test
    void deadHoldersLeaseExpiresAndTheNextRunTakesOverWithOneWarning() throws Exception {
        try (Connection c = server.connect(database); Statement s = c.createStatement()) {
            PostgresBackend.open(server.url(database), env(), tmp.resolve("x"), w -> { }, d -> { }).close();
            s.execute("INSERT INTO pk3s_leases VALUES ('orphan', 'tok', 'carol', 'ws-c', 4242, 'profile install',"
                    + " now(), now() + interval '1 second')");
        }
        try (StateLayer store = open(tmp.resolve("s"))) {
            assertThatThrownBy(() -> store.lock("orphan", request("bob", "ws-b", "profile install")))
                    .hasMessageContaining("held by carol@ws-c pid 4242 (profile install)");
            Thread.sleep(1500);
            try (StateLock lock = store.lock("orphan", request("bob", "ws-b", "profile install"))) {
                assertThat(warnings).filteredOn(w -> w.contains("took over")).singleElement().asString()
                        .contains("carol@ws-c pid 4242 (profile install)");
            }
        }
    }

    @Test
    void aBrokenLeaseFencesThePersist() throws Exception {
        try (StateLayer store = open(tmp.resolve("f")); StateLayer other = open(tmp.resolve("g"))) {
            try (StateLock lock = store.lock("fenced", request("alice", "ws-a", "profile install"))) {
                assertThat(other.forceUnlock("fenced")).get().extracting(LockHolder::who).isEqualTo("alice@ws-a");
                assertThatThrownBy(() -> store.persist("fenced", scenario("1", new byte[10]), meta("install")))
                        .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.getMessage())
                                .contains("expired or was broken"));
            }
            assertThat(store.history("fenced")).isEmpty();
            assertThat(store.clusterFile("fenced")).doesNotExist();
            assertThat(other.forceUnlock("fenced")).isEmpty();
        }
    }

    @Test
    void pullRollbackAndImport() throws Exception {
        try (StateLayer store = open(tmp.resolve("p"))) {
            LockHolder alice = new LockHolder("alice", "ws-a", 1, "profile install", Instant.now());
            try (StateLock lock = store.lock("roll", LockRequest.now(alice))) {
                store.persist("roll", scenario("1", new byte[100]), meta("install"));
                store.persist("roll", scenario("2", new byte[100]), meta("install"));
                RevisionInfo rolled = store.rollback("roll", 1, alice);
                assertThat(rolled.revision()).isEqualTo(3);
                assertThat(rolled.command()).isEqualTo("state rollback");
                assertThat(rolled.treeSha256()).isEqualTo(store.history("roll").get(0).treeSha256());
                assertThat(store.runtimeDir("roll").resolve("opentofu/terraform.tfstate")).hasContent("{\"serial\":1}");
                assertThatThrownBy(() -> store.rollback("roll", 9, alice))
                        .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.exitCode()).isEqualTo(3));
            }
            Path out = tmp.resolve("pulled");
            RevisionInfo pulled = store.pull("roll", OptionalLong.of(2), out);
            assertThat(out.resolve("roll.runtime/opentofu/terraform.tfstate")).hasContent("{\"serial\":2}");
            assertThat(TreeManifest.scan(out.resolve("roll.runtime"), TreeManifest.KnownDigests.NONE).digest())
                    .isEqualTo(pulled.treeSha256());
            assertThatThrownBy(() -> store.pull("roll", OptionalLong.of(2), out))
                    .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.exitCode()).isEqualTo(4));

            RevisionInfo imported = new RevisionInfo("imported", 5, Instant.parse("2026-01-02T03:04:05Z"), "dave@ws-d",
                    "profile install", "success", 0, "demo", "1.2.3", null, pulled.treeSha256(), 0, 0, false);
            try (StateLock lock = store.lock("imported", LockRequest.now(alice))) {
                Files.move(out.resolve("roll.runtime"), out.resolve("imported.runtime"));
                Files.move(out.resolve("roll.json"), out.resolve("imported.json"));
                RevisionInfo first = store.importRevision(imported, out);
                assertThat(first.revision()).isEqualTo(5);
                // An empty mirror follows the import (state migrate into a fresh workstation's view).
                assertThat(store.runtimeDir("imported").resolve("opentofu/terraform.tfstate")).hasContent("{\"serial\":2}");
                assertThat(store.clusterFile("imported")).exists();
                assertThat(first.who()).isEqualTo("dave@ws-d");
                assertThat(store.importRevision(imported, out)).isEqualTo(first);
                RevisionInfo clash = new RevisionInfo("imported", 5, imported.createdAt(), "dave@ws-d",
                        "profile install", "success", 0, "demo", "1.2.3", null, "00".repeat(32), 0, 0, false);
                assertThatThrownBy(() -> store.importRevision(clash, out))
                        .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.exitCode()).isEqualTo(4));
                store.restore("imported", Files.createDirectories(tmp.resolve("imp-scenario")));
            }
            assertThat(tmp.resolve("imp-scenario/opentofu/terraform.tfstate")).hasContent("{\"serial\":2}");
            assertThat(store.history("imported")).extracting(RevisionInfo::revision).containsExactly(5L);
        }
    }

    @Test
    void stateFromBeforeHistoryImportsAsRevisionZeroAndTheNextPersistIsOne() throws Exception {
        try (StateLayer store = open(tmp.resolve("zero"))) {
            Path pulled = Files.createDirectories(tmp.resolve("zero-pulled/old.runtime/opentofu"));
            Files.writeString(pulled.resolve("terraform.tfstate"), "{\"serial\":7}");
            String digest = TreeManifest.scan(pulled.getParent(), TreeManifest.KnownDigests.NONE).digest();
            RevisionInfo zero = new RevisionInfo("old", 0, Instant.now(), "dave@ws-d", "profile install", "success", 0,
                    "demo", "1.0.0", null, digest, 1, 13, false);
            LockHolder dave = new LockHolder("dave", "ws-d", 1, "state migrate", Instant.now());
            try (StateLock lock = store.lock("old", LockRequest.now(dave))) {
                assertThat(store.importRevision(zero, tmp.resolve("zero-pulled")).revision()).isZero();
                store.persist("old", scenario("8", new byte[1]), meta("status"));
            }
            assertThat(store.history("old")).extracting(RevisionInfo::revision).containsExactly(0L, 1L);
        }
    }

    @Test
    void importLeavesLocalStateItDidNotWriteAlone() throws Exception {
        // state migrate from the local backend: the mirror directory is the source being copied.
        Path stateDir = Files.createDirectories(tmp.resolve("migrating"));
        Files.writeString(stateDir.resolve("local.json"), "{\"source\":true}");
        Path runtime = Files.createDirectories(stateDir.resolve("local.runtime/opentofu"));
        Files.writeString(runtime.resolve("terraform.tfstate"), "{\"serial\":9}");
        Path pulled = Files.createDirectories(tmp.resolve("older/local.runtime/opentofu"));
        Files.writeString(pulled.resolve("terraform.tfstate"), "{\"serial\":1}");
        String digest = TreeManifest.scan(pulled.getParent(), TreeManifest.KnownDigests.NONE).digest();
        try (StateLayer store = open(stateDir)) {
            try (StateLock lock = store.lock("local", request("dave", "ws-d", "state migrate"))) {
                store.importRevision(new RevisionInfo("local", 1, Instant.now(), "dave@ws-d", "profile install",
                        "success", 0, "demo", "1.0.0", null, digest, 1, 13, false), tmp.resolve("older"));
            }
        }
        assertThat(runtime.resolve("terraform.tfstate")).hasContent("{\"serial\":9}");
        assertThat(stateDir.resolve("local.json")).hasContent("{\"source\":true}");
    }

    @Test
    void migrationsAreRecordedOnceAndANewerSchemaIsRefused() throws Exception {
        String db = server.createDatabase("migrations");
        for (int i = 0; i < 2; i++) {
            PostgresBackend.open(server.url(db), env(), tmp.resolve("m"), w -> { }, d -> { }).close();
        }
        try (Connection c = server.connect(db); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*), max(version) FROM pk3s_schema_migrations")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(Migrations.ALL.size());
                assertThat(rs.getInt(2)).isEqualTo(Migrations.latest());
            }
            s.execute("INSERT INTO pk3s_schema_migrations (version, description) VALUES (999, 'future')");
        }
        assertThatThrownBy(() -> PostgresBackend.open(server.url(db), env(), tmp.resolve("m"), w -> { }, d -> { }))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(4);
                    assertThat(e.getMessage()).contains("schema version 999");
                });
    }

    @Test
    void unreachableIsExit5AndWrongPasswordExit4WithoutThePassword() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertThatThrownBy(() -> PostgresBackend.open("postgresql://alice:Secret-1234@127.0.0.1:" + closed + "/pk3s",
                env(), tmp, w -> { }, d -> { }))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(5);
                    assertThat(e.getMessage()).isEqualTo("state backend postgresql://alice@127.0.0.1:" + closed
                            + "/pk3s is unreachable: Connection refused");
                });
        assertThatThrownBy(() -> PostgresBackend.open("postgresql://" + PostgresServer.USER + ":Wrong-pw-9876@127.0.0.1:"
                + server.port() + "/" + database, env(), tmp, w -> { }, d -> { }))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(4);
                    assertThat(e.getMessage()).startsWith("authentication failed for state backend postgresql://"
                            + PostgresServer.USER + "@127.0.0.1:" + server.port() + "/" + database)
                            .doesNotContain("Wrong-pw-9876").doesNotContain("\n");
                });
    }

    @Test
    void lockHolderFromLocalIdentityIsRecorded() throws Exception {
        try (StateLayer store = open(tmp.resolve("id"))) {
            LockHolder me = LocalIdentity.holder(Map.of("USER", "erin"), "profile apply", Instant.now());
            try (StateLock lock = store.lock("ident", LockRequest.now(me))) {
                store.persist("ident", scenario("1", new byte[1]), meta("apply"));
            }
            assertThat(store.history("ident").get(0).who()).isEqualTo(me.who());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
