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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Black-box, local backend (#17): history records and objects are data the engine checks before it writes them out.
 * A crafted record that writes through a link it holds is refused by pull and rollback, a damaged object is replaced
 * by the next persist and refused by pull, and history GC never deletes an object a concurrent pull reads.
 */
class StateHistoryIntegrityIT extends PackageTestBase {
    private static final String NAME = "fixture-profile";
    private Path tgz;
    private Path site;

    @BeforeEach
    void installedOnce() throws Exception {
        useCustomScenario(fixture, engine, MANY_FILES_INSTALLER);
        engine.env("TELEMETRY_ENABLED", "false");
        tgz = pack();
        site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        ok(engine.env("FIXTURE_TAG", "first").run(install()));
    }

    @Test
    void aCraftedRecordWritingThroughItsOwnLinkIsRefusedByPullAndRollback() throws Exception {
        Path outside = Files.createDirectories(home.resolve("elsewhere"));
        ObjectNode record = record(1);
        ArrayNode tree = (ArrayNode) record.get("tree");
        JsonNode file = tree.get(firstFile(tree));
        tree.addObject().put("path", "generated/x").put("kind", "link").put("target", outside.toString());
        tree.addObject().put("path", "generated/x/pwned.sh").put("kind", "file").put("size", file.path("size").asLong())
                .put("sha256", file.path("sha256").asText()).put("executable", true);
        record.put("revision", 2).put("tree_sha256", TreeManifest.fromJson(tree.toString()).digest());
        writeRecord(2, record);

        Engine.Result pull = engine.run("state", "pull", NAME, "--output", "out");
        assertRefused(pull, 2, "generated/x/pwned.sh", outside);
        assertThat(home.resolve("work/out")).doesNotExist();

        Engine.Result rollback = engine.run("state", "rollback", NAME, "--revision", "2");
        assertRefused(rollback, 2, "generated/x/pwned.sh", outside);
        assertThat(records(NAME)).containsExactly("1.json", "2.json");
    }

    @Test
    void aRecordWhoseTreeIsNotItsRecordedDigestIsRefused() throws Exception {
        ObjectNode record = record(1);
        ArrayNode tree = (ArrayNode) record.get("tree");
        tree.remove(firstFile(tree));
        record.put("revision", 2);
        writeRecord(2, record);

        Engine.Result pull = engine.run("state", "pull", NAME, "--output", "out");
        assertRefused(pull, 2, "does not match", home.resolve("work"));
        Engine.Result rollback = engine.run("state", "rollback", NAME, "--revision", "2");
        assertRefused(rollback, 2, "does not match", home.resolve("work"));
    }

    @Test
    void aDamagedObjectIsRefusedByPullAndReplacedByTheNextPersist() throws Exception {
        JsonNode tree = record(1).get("tree");
        JsonNode file = tree.get(firstFile((ArrayNode) tree));
        String sha = file.path("sha256").asText();
        Path object = stateDir.resolve(".history/objects").resolve(sha.substring(0, 2)).resolve(sha);
        Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("rw-------"));
        Files.write(object, "#".repeat((int) file.path("size").asLong()).getBytes(StandardCharsets.UTF_8));
        Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("r--------"));
        assertThat(TreeManifest.sha256(object)).isNotEqualTo(sha);

        Engine.Result pull = engine.run("state", "pull", NAME, "--revision", "1", "--output", "out");
        assertThat(pull.exitCode()).as(pull.toString()).isEqualTo(4);
        assertThat(pull.stderrLines()).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
                .contains("revision 1 of profile state '" + NAME + "'").contains(file.path("path").asText());
        assertThat(home.resolve("work/out")).doesNotExist();

        ok(engine.env("FIXTURE_TAG", "first").run(install()));
        assertThat(TreeManifest.sha256(object)).as("the damaged object was replaced").isEqualTo(sha);
        ok(engine.run("state", "pull", NAME, "--revision", "1", "--output", "out"));
    }

    @Test
    void historyGcNeverDeletesWhatAConcurrentPullReads() throws Exception {
        engine.env("PK3S_STATE_HISTORY_LIMIT", "1");
        PullRace race = installsRacingPulls(install(), NAME, 20);
        assertThat(race.failures()).as(race.failures().size() + " of " + race.pulls() + " pulls failed").isEmpty();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private String[] install() {
        return new String[] {"profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()};
    }

    /**
     * Revision {@code revision} as a record of format 1 (metadata, tree and cluster.json in one file), which the local
     * driver still reads (docs/state.md "Local backend"): the simplest record to craft by hand.
     */
    private ObjectNode record(long revision) throws Exception {
        ObjectNode record = (ObjectNode) Json.parse(Files.readString(revisions().resolve(revision + ".json")));
        JsonNode payload = Json.parse(Files.readString(revisions().resolve(revision + "."
                + record.path("payload_sha256").asText().substring(0, 16) + ".payload")));
        record.remove(List.of("summary_base64", "payload_sha256", "objects_sha256"));
        record.put("format", 1);
        record.set("tree", payload.path("tree"));
        record.set("cluster_json_base64", payload.path("cluster_json_base64"));
        return record;
    }

    private void writeRecord(long revision, ObjectNode record) throws Exception {
        Files.writeString(revisions().resolve(revision + ".json"), record.toString());
    }

    private Path revisions() {
        return stateDir.resolve(".history/revisions").resolve(NAME);
    }

    private List<String> records(String name) throws Exception {
        try (Stream<Path> entries = Files.list(stateDir.resolve(".history/revisions").resolve(name))) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        }
    }

    /** The index of a small file that every run writes the same (the SSH key). */
    private static int firstFile(ArrayNode tree) {
        for (int i = 0; i < tree.size(); i++) {
            if (tree.get(i).path("path").asText().equals("generated/ssh/id_ed25519")) {
                return i;
            }
        }
        throw new AssertionError("no generated/ssh/id_ed25519 in " + tree);
    }

    private static void assertRefused(Engine.Result result, long revision, String detail, Path outside)
            throws Exception {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.stderrLines()).filteredOn(l -> l.contains("ERROR")).singleElement().asString()
                .contains("revision " + revision + " of profile state '" + NAME + "'").contains(detail);
        assertThat(result.stdout() + result.stderr()).doesNotContain("\tat ");
        try (Stream<Path> entries = Files.list(outside)) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList()).as("written outside the target")
                    .doesNotContain("pwned.sh", "out");
        }
    }
}
