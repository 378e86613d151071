package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.util.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Black-box (#17): a database writer crafts revisions directly with SQL. A tree that writes through a link it holds,
 * or a manifest that is not the tree the revision records, is refused (exit 4, one ERROR line naming the revision)
 * by {@code state pull}, by the mirror sync of a fresh workstation's {@code profile status} and by
 * {@code state rollback}; nothing appears outside the target. Strings read from the database never reach the
 * terminal with control characters.
 */
class PostgresHostileRevisionIT extends PostgresStateBaseIT {
    private Path tgz;
    private Path site;
    private Path outside;

    @BeforeEach
    void installedOnce() throws Exception {
        tgz = pack();
        site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        outside = Files.createDirectories(home.resolve("elsewhere"));
        Engine.Result install = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(install.exitCode()).as(install.toString()).isZero();
    }

    @Test
    void aLinkWithAFileBelowItIsRefusedByPullMirrorSyncAndRollback() throws Exception {
        long evil = craft(manifest -> {
            JsonNode file = firstFile(manifest);
            manifest.addObject().put("path", "generated/x").put("kind", "link").put("target", outside.toString());
            manifest.addObject().put("path", "generated/x/pwned.sh").put("kind", "file")
                    .put("size", file.path("size").asLong()).put("sha256", file.path("sha256").asText())
                    .put("executable", true);
        }, true);

        Engine.Result pull = engine.run("state", "pull", NAME, "--output", "out");
        assertRefused(pull, evil, "generated/x/pwned.sh");
        assertThat(home.resolve("work/out")).doesNotExist();

        Engine fresh = workstation(home.resolve("ws-b"));
        Engine.Result status = fresh.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertRefused(status, evil, "generated/x/pwned.sh");
        assertThat(home.resolve("ws-b/state/" + NAME + ".runtime")).doesNotExist();

        Engine.Result rollback = engine.run("state", "rollback", NAME, "--revision", String.valueOf(evil));
        assertRefused(rollback, evil, "generated/x/pwned.sh");
        try (Connection c = server.connect(database); PreparedStatement ps = c.prepareStatement(
                "SELECT max(revision) FROM pk3s_revisions WHERE name = ?")) {
            ps.setString(1, NAME);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("the rollback wrote no revision").isEqualTo(evil);
            }
        }
    }

    @Test
    void aManifestThatIsNotTheRecordedTreeIsRefused() throws Exception {
        long evil = craft(manifest -> {
            JsonNode file = firstFile(manifest);
            manifest.addObject().put("path", "generated/extra.sh").put("kind", "file")
                    .put("size", file.path("size").asLong()).put("sha256", file.path("sha256").asText())
                    .put("executable", true);
        }, false);

        Engine.Result pull = engine.run("state", "pull", NAME, "--revision", String.valueOf(evil), "--output", "out");
        assertRefused(pull, evil, "does not match");
        assertThat(home.resolve("work/out")).doesNotExist();

        Engine.Result status = workstation(home.resolve("ws-b")).run("profile", "status", "--tgz", tgz.toString(),
                "--env-file", site.toString());
        assertRefused(status, evil, "does not match");
        assertThat(home.resolve("ws-b/state/" + NAME + ".runtime")).doesNotExist();
    }

    @Test
    void stringsFromTheDatabaseCannotForgeLinesOrEscapes() throws Exception {
        try (Connection c = server.connect(database); PreparedStatement ps = c.prepareStatement(
                "UPDATE pk3s_revisions SET who = ?, command = ?, profile_version = ? WHERE name = ?")) {
            ps.setString(1, "mallory\n[pk3s-infra] ERROR forged");
            ps.setString(2, "\u001b]0;owned\u0007\u001b[2Jprofile install");
            ps.setString(3, "1.0\u009b31m\u202e");
            ps.setString(4, NAME);
            ps.executeUpdate();
        }
        for (String[] command : new String[][] {{"state", "history", NAME}, {"state", "show", NAME},
                {"state", "list"}, {"state", "history", NAME, "--json"}}) {
            Engine.Result result = engine.run(command);
            assertThat(result.exitCode()).as(result.toString()).isZero();
            String all = result.stdout() + result.stderr();
            assertThat(all).as(String.join(" ", command)).doesNotContain("\u001b").doesNotContain("\u0007")
                    .doesNotContain("\u009b").doesNotContain("\u202e");
            assertThat(result.stdoutLines()).as(String.join(" ", command)).noneMatch(l -> l.startsWith("[pk3s-infra]"));
        }
    }

    @Test
    void aClusterNameThatIsNoProfileNameIsNeverListed() throws Exception {
        String evil = "../../escape\u001b[31m";
        try (Connection c = server.connect(database)) {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO pk3s_clusters (name, last_revision, current_revision) VALUES (?, 1, 1)")) {
                ps.setString(1, evil);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO pk3s_revisions (name, revision, created_at,"
                    + " who, command, result, exit_code, profile_name, profile_version, package_sha256, tree_sha256,"
                    + " files, bytes, removed, summary, payload, objects) SELECT ?, revision, created_at,"
                    + " who, command, result, exit_code, profile_name, profile_version, package_sha256, tree_sha256,"
                    + " files, bytes, removed, summary, payload, objects FROM pk3s_revisions"
                    + " WHERE name = ? AND revision = 1")) {
                ps.setString(1, evil);
                ps.setString(2, NAME);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
        Engine.Result list = engine.run("state", "list");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdoutLines()).filteredOn(l -> !l.startsWith("[pk3s-infra]")).anyMatch(l -> l.startsWith(NAME))
                .noneMatch(l -> l.contains("escape"));
        List<String> lines = new java.util.ArrayList<>(list.stdoutLines());
        lines.addAll(list.stderrLines());
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("[pk3s-infra] WARN ")
                .contains("ignoring a cluster with an invalid name in ").endsWith(": ../../escape?[31m"));
        assertThat(list.stdout() + list.stderr()).doesNotContain("\u001b");
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private interface Edit {
        void apply(ArrayNode manifest) throws Exception;
    }

    /**
     * Copies the current revision as the next one with {@code edit} applied to its manifest, recording the edited
     * manifest's digest ({@code honestDigest}) or the original one, and makes it current; returns its number.
     */
    private long craft(Edit edit, boolean honestDigest) throws Exception {
        try (Connection c = server.connect(database)) {
            long current;
            ObjectNode payload;
            String digest;
            try (PreparedStatement ps = c.prepareStatement("SELECT r.revision, r.payload, r.tree_sha256"
                    + " FROM pk3s_clusters k JOIN pk3s_revisions r ON r.name = k.name"
                    + " AND r.revision = k.current_revision WHERE k.name = ?")) {
                ps.setString(1, NAME);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    current = rs.getLong(1);
                    // The payload (docs/state.md "State layer and drivers"): {"format": 1, "tree": [...], ...}
                    payload = (ObjectNode) Json.parse(new String(rs.getBytes(2), StandardCharsets.UTF_8));
                    digest = rs.getString(3);
                }
            }
            ArrayNode manifest = (ArrayNode) payload.get("tree");
            edit.apply(manifest);
            byte[] edited = payload.toString().getBytes(StandardCharsets.UTF_8);
            String recorded = honestDigest ? TreeManifest.fromJson(manifest.toString()).digest() : digest;
            long next = current + 1;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO pk3s_revisions (name, revision, created_at,"
                    + " who, command, result, exit_code, profile_name, profile_version, package_sha256, tree_sha256,"
                    + " files, bytes, removed, summary, payload, objects) SELECT name, ?, created_at, who,"
                    + " command, result, exit_code, profile_name, profile_version, package_sha256, ?, files, bytes,"
                    + " removed, summary, ?, objects FROM pk3s_revisions WHERE name = ? AND revision = ?")) {
                ps.setLong(1, next);
                ps.setString(2, recorded);
                ps.setBytes(3, edited);
                ps.setString(4, NAME);
                ps.setLong(5, current);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE pk3s_clusters SET last_revision = ?, current_revision = ? WHERE name = ?")) {
                ps.setLong(1, next);
                ps.setLong(2, next);
                ps.setString(3, NAME);
                ps.executeUpdate();
            }
            return next;
        }
    }

    private static JsonNode firstFile(ArrayNode manifest) {
        for (JsonNode e : manifest) {
            if (e.path("kind").asText().equals("file")) {
                return e;
            }
        }
        throw new AssertionError("no file in " + manifest);
    }

    private void assertRefused(Engine.Result result, long revision, String detail) throws Exception {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.stderrLines()).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
                .contains("revision " + revision + " of profile state '" + NAME + "'").contains(detail);
        assertThat(result.stdout() + result.stderr()).doesNotContain("\tat ");
        try (Stream<Path> entries = Files.list(outside)) {
            assertThat(entries.toList()).as("written outside the target").isEmpty();
        }
    }
}
