package io.productivek3s.infra.state.pg;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateLayer;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.state.driver.ObjectSource;
import io.productivek3s.infra.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database written by an engine before the state layer (schema version 1: a revision's tree, cluster.json and
 * engine-state.json in the manifest, cluster_json and engine_state columns) stays readable: it is migrated to
 * version 2 on connect and its revisions list, pull, restore, roll back and get a next revision like new ones.
 */
class PostgresSchemaV1Test {
    private static final Instant WHEN = Instant.parse("2026-11-28T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void revisionsWrittenBeforeTheStateLayerStayReadable() throws Exception {
        PostgresServer server = PostgresServer.shared();
        String database = server.createDatabase("v1");
        Path tree = tmp.resolve("written-by-v1");
        Files.createDirectories(tree.resolve("generated/ssh"));
        Files.writeString(tree.resolve("generated/cluster.json"), "{\"cluster_name\":\"old\",\"ssh\":{\"user\":\"u\"}}");
        Files.writeString(tree.resolve("generated/ssh/id_ed25519"), "key-v1");
        Files.writeString(tree.resolve("engine-state.json"), engineState());
        TreeManifest manifest = TreeManifest.scan(tree, TreeManifest.KnownDigests.NONE);
        try (Connection c = server.connect(database)) {
            writeSchemaV1(c);
            c.setAutoCommit(false);
            for (TreeManifest.Entry e : manifest.entries()) {
                if (e.kind() == TreeManifest.Kind.FILE) {
                    Path file = tree.resolve(e.path());
                    BlobStore.upload(c, e.sha256(), e.size(), (ObjectSource) () -> Files.newInputStream(file));
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pk3s_clusters (name, last_revision, current_revision) VALUES ('old', 1, 1)")) {
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO pk3s_revisions (name, revision, created_at, who,"
                    + " command, result, exit_code, profile_name, profile_version, package_sha256, tree_sha256, files,"
                    + " bytes, removed, cluster_json, manifest, engine_state) VALUES ('old', 1, ?, 'alice@ws-a',"
                    + " 'profile install', 'success', 0, 'demo', '1.0.0', ?, ?, ?, ?, false, ?, ?, ?)")) {
                ps.setTimestamp(1, Timestamp.from(WHEN));
                ps.setString(2, "ab".repeat(32));
                ps.setString(3, manifest.digest());
                ps.setLong(4, manifest.files());
                ps.setLong(5, manifest.bytes());
                ps.setBytes(6, Files.readAllBytes(tree.resolve("generated/cluster.json")));
                ps.setString(7, manifest.toJson());
                ps.setString(8, engineState());
                ps.executeUpdate();
            }
            c.commit();
        }

        Map<String, String> env = Map.of("PGPASSWORD", PostgresServer.PASSWORD, "PK3S_STATE_LEASE_SECONDS", "5");
        try (StateLayer store = PostgresBackend.open(server.url(database), env, tmp.resolve("ws"), w -> { }, d -> { })) {
            assertThat(store.history("old")).singleElement().satisfies(r -> {
                assertThat(r.revision()).isEqualTo(1);
                assertThat(r.treeSha256()).isEqualTo(manifest.digest());
                assertThat(r.createdAt()).isEqualTo(WHEN);
            });
            List<ClusterInfo> clusters = store.list();
            assertThat(clusters).singleElement().satisfies(c -> {
                assertThat(c.name()).isEqualTo("old");
                assertThat(c.lastAction()).isEqualTo("install"); // from the old engine_state column
                assertThat(c.version()).isEqualTo("1.0.0");
            });
            assertThat(store.readEngineState("old").map(s -> s.profile().version())).contains("1.0.0");

            Path out = tmp.resolve("pulled");
            assertThat(store.pull("old", OptionalLong.empty(), out).revision()).isEqualTo(1);
            assertThat(out.resolve("old.runtime/generated/ssh/id_ed25519")).hasContent("key-v1");
            assertThat(out.resolve("old.json")).exists();

            LockHolder bob = new LockHolder("bob", "ws-b", 1, "profile install", Instant.now());
            Path scenario = Files.createDirectories(tmp.resolve("scenario"));
            try (StateLock lock = store.lock("old", LockRequest.now(bob))) {
                store.restore("old", scenario);
                assertThat(scenario.resolve("generated/ssh/id_ed25519")).hasContent("key-v1");
                Files.writeString(scenario.resolve("generated/ssh/id_ed25519"), "key-v2");
                store.persist("old", scenario, EngineState.fromJson(engineState()));
                RevisionInfo rolled = store.rollback("old", 1, bob);
                assertThat(rolled.revision()).isEqualTo(3);
                assertThat(rolled.treeSha256()).isEqualTo(manifest.digest());
            }
            assertThat(store.history("old")).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 3L);

            // state rekey and state migrate --encrypt|--decrypt rewrite such a row into the new columns
            try (StateLock lock = store.lock("old", LockRequest.now(bob))) {
                assertThat(store.rewrite("old")).extracting(RevisionInfo::revision).containsExactly(1L, 2L, 3L);
            }
            Path again = tmp.resolve("pulled-again");
            store.pull("old", OptionalLong.of(1), again);
            assertThat(again.resolve("old.runtime/generated/ssh/id_ed25519")).hasContent("key-v1");
            assertThat(store.list()).singleElement().satisfies(c -> assertThat(c.lastAction()).isEqualTo("install"));
        }
        // ... and clear the old ones, so no plain copy stays behind (and blobs can be collected again)
        try (Connection c = server.connect(database); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM pk3s_revisions WHERE manifest IS NOT NULL"
                        + " OR engine_state IS NOT NULL OR cluster_json IS NOT NULL OR payload IS NULL OR objects IS NULL")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
        try (Connection c = server.connect(database); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT max(version) FROM pk3s_schema_migrations")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(Migrations.latest());
        }
    }

    /** The schema exactly as the engine before the state layer left it: migration 1 only. */
    private static void writeSchemaV1(Connection c) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE pk3s_schema_migrations (version integer PRIMARY KEY, description text NOT NULL,"
                    + " applied_at timestamptz NOT NULL DEFAULT now())");
            Migrations.Migration first = Migrations.ALL.get(0);
            for (String sql : first.statements()) {
                s.execute(sql);
            }
            s.execute("INSERT INTO pk3s_schema_migrations (version, description) VALUES (1, '" + first.description() + "')");
        }
    }

    private static String engineState() {
        return """
                {"schema_version": "1", "profile": {"name": "demo", "version": "1.0.0", "scenario": "onprem-basic",
                 "engine": "ansible"}, "package": {"sha256": "%s", "ref": "demo.tgz", "path": null}, "engine": null,
                 "last_action": {"command": "install", "result": "success", "exit_code": 0}}
                """.formatted("ab".repeat(32));
    }
}
