package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash consistency of the local state (#11): the real engine is stopped dead (Runtime.halt(137) through the
 * documented test hook PK3S_INFRA_TEST_CRASH_AT, which skips every finally block and shutdown hook, as SIGKILL does)
 * at 22 named points inside the lock, persist, history and removal code. Then the pair pk3s reads must be the old or
 * the new state and agree with itself (unless the commit journal says a decided change is still being applied), and
 * the next run must exit 0, finish or undo the change as decided, and leave no leftovers.
 *
 * <p>Since the local backend is the state layer over the local driver (docs/state.md "Local backend"), the commit
 * point is the rename of the revision record ({@code *.record-published} is reached just after it), before the
 * mirror's journal: a crash there leaves the old pair, which the next run brings up to the committed revision.
 * Records keep their payload (tree, cluster.json) in a side file the record names.
 */
class StateCrashIT extends PackageTestBase {
    private static final String NAME = "fixture-profile";
    static final String INSTALLER = """
            #!/usr/bin/env bash
            set -eu
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/${FIXTURE_SCENARIO_PATH}"
            mkdir -p "$scenario/generated/ssh" "$scenario/opentofu/.terraform/providers/p"
            printf '{"cluster_name":"fixture","tag":"%s","ssh":{"user":"ubuntu","port":"2222"}}' "$FIXTURE_TAG" > "$scenario/generated/cluster.json"
            printf 'key-%s' "$FIXTURE_TAG" > "$scenario/generated/ssh/id_ed25519"
            printf '{"serial": "%s"}' "$FIXTURE_TAG" > "$scenario/opentofu/terraform.tfstate"
            head -c 1200000 /dev/zero > "$scenario/opentofu/.terraform/providers/p/bin"
            chmod 755 "$scenario/opentofu/.terraform/providers/p/bin"
            echo "fixture installer ran"
            """;

    /** Points after the driver's commit but before the mirror's journal: the old pair until the next run. */
    private static final Set<String> COMMITTED_BEFORE_MIRROR = Set.of("persist.record-published",
            "remove.record-published");

    /** Crash points of a persist before its commit point: the previous state must survive. */
    private static final Set<String> PERSIST_BEFORE_COMMIT = Set.of("lock.holder-written", "persist.staged-tree",
            "persist.scanned", "persist.objects-added", "persist.record-staged", "persist.json-staged");

    private Path tgz;
    private Path site;

    @BeforeEach
    void dataDrivenScenarioWithATaggedInstaller() throws Exception {
        useCustomScenario(fixture, engine, INSTALLER);
        tgz = pack();
        site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\nTELEMETRY_ENABLED=false\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lock.holder-written", "persist.staged-tree", "persist.scanned", "persist.objects-added",
            "persist.record-staged", "persist.json-staged", "persist.committed", "persist.record-published",
            "persist.old-moved-aside", "persist.runtime-swapped", "persist.json-published", "persist.marker-deleted",
            "persist.old-deleted", "history.pruned", "history.gc-deleted-one"})
    void aPersistKilledAtAnyPointLeavesTheOldOrTheNewState(String point) throws Exception {
        ok(run("A", null, "profile", "install"));
        assertPair("A");

        // A history of one revision makes this persist prune and collect: the history.* points are reached.
        Engine.Result crashed = run("B", point, "profile", "install");
        assertThat(crashed.exitCode()).as(point + ": " + crashed).isEqualTo(137);
        String expected = PERSIST_BEFORE_COMMIT.contains(point) ? "A" : "B";
        if (!Files.exists(journal())) {
            assertPair(COMMITTED_BEFORE_MIRROR.contains(point) ? "A" : expected);
        } else {
            assertThat(expected).as(point + " left a commit journal before its commit point").isEqualTo("B");
        }

        Engine.Result next = run("ignored", null, "profile", "status");
        ok(next);
        assertPair(expected);
        assertHistoryConsistent();
        assertNoLeftovers();
        // the status found the recovered state unchanged and wrote no revision: the last one is the recovered state's
        assertThat(next.stdout()).as(point).contains("Profile state unchanged; no revision written");
        assertThat(lastRevisionTags()).as(point).endsWith(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"lock.holder-written", "remove.record-staged", "remove.committed",
            "remove.record-published", "remove.json-deleted", "remove.runtime-moved", "remove.marker-deleted",
            "remove.runtime-deleted"})
    void aRemovalKilledAtAnyPointCompletesOrNeverStarted(String point) throws Exception {
        ok(run("A", null, "profile", "install"));
        boolean committed = point.startsWith("remove.") && !point.equals("remove.record-staged");

        Engine.Result crashed = run("A", point, "profile", "destroy");
        assertThat(crashed.exitCode()).as(point + ": " + crashed).isEqualTo(137);
        if (!Files.exists(journal())) {
            if (committed && !COMMITTED_BEFORE_MIRROR.contains(point)) {
                assertThat(stateDir.resolve(NAME + ".json")).as(point).doesNotExist();
            } else {
                assertPair("A");
            }
        }

        // The next run completes a decided removal: status finds no cluster, nothing is written back.
        ok(run("A", null, "profile", "status"));
        if (committed) {
            assertThat(stateDir.resolve(NAME + ".json")).as(point + ": a destroyed cluster resurrected").doesNotExist();
            assertThat(stateDir.resolve(NAME + ".runtime/generated")).as(point).doesNotExist();
            assertThat(history()).extracting(r -> r.path("removed").asBoolean()).as(point).containsSubsequence(true, false);
        } else {
            assertPair("A");
            assertThat(history()).extracting(r -> r.path("removed").asBoolean()).containsOnly(false);
        }
        assertHistoryConsistent();
        assertNoLeftovers();

        ok(run("A", null, "profile", "destroy"));
        assertThat(visible()).containsExactly(NAME + ".lock");
        assertThat(history().get(history().size() - 1).path("removed").asBoolean()).isTrue();
        assertNoLeftovers();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private Engine.Result run(String tag, String crashAt, String... command) {
        engine.env("FIXTURE_TAG", tag).env("PK3S_INFRA_TEST_CRASH_AT", crashAt)
                .env("PK3S_STATE_HISTORY_LIMIT", crashAt != null && crashAt.startsWith("history.") ? "1" : null);
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of("--tgz", tgz.toString(), "--env-file", site.toString()));
        return engine.run(args.toArray(String[]::new));
    }

    private Path journal() {
        return stateDir.resolve("." + NAME + ".commit");
    }

    /** {@code <name>.json} and {@code <name>.runtime/} are state {@code tag}, and agree with each other. */
    private void assertPair(String tag) throws IOException {
        Path json = stateDir.resolve(NAME + ".json");
        Path runtime = stateDir.resolve(NAME + ".runtime");
        assertThat(json).isRegularFile();
        assertThat(Files.readString(runtime.resolve("generated/cluster.json"))).isEqualTo(Files.readString(json));
        JsonNode cluster = Json.parse(Files.readString(json));
        assertThat(cluster.path("tag").asText()).isEqualTo(tag);
        assertThat(cluster.path("ssh").path("key_path").asText())
                .isEqualTo(runtime.resolve("generated/ssh/id_ed25519").toString());
        assertThat(Files.readString(runtime.resolve("generated/ssh/id_ed25519"))).isEqualTo("key-" + tag);
        assertThat(Files.readString(runtime.resolve("opentofu/terraform.tfstate"))).contains("\"" + tag + "\"");
        assertThat(Files.size(runtime.resolve("opentofu/.terraform/providers/p/bin"))).isEqualTo(1_200_000);
    }

    /** Committed records only; the newest describes exactly the current pair; every object they name is intact. */
    private void assertHistoryConsistent() throws IOException {
        List<JsonNode> records = history();
        assertThat(records).isNotEmpty();
        JsonNode latest = records.get(records.size() - 1);
        Path runtime = stateDir.resolve(NAME + ".runtime");
        if (!latest.path("removed").asBoolean()) {
            assertThat(latest.path("tree_sha256").asText())
                    .isEqualTo(TreeManifest.scan(runtime, TreeManifest.KnownDigests.NONE).digest());
            Path json = stateDir.resolve(NAME + ".json");
            if (Files.exists(json)) {
                assertThat(new String(java.util.Base64.getDecoder().decode(latest.path("cluster_json_base64").asText())))
                        .isEqualTo(Files.readString(json));
            }
        }
        long previous = 0;
        for (JsonNode record : records) {
            assertThat(record.path("revision").asLong()).isGreaterThan(previous);
            previous = record.path("revision").asLong();
            for (JsonNode entry : record.path("tree")) {
                if (entry.path("kind").asText().equals("file")) {
                    String sha = entry.path("sha256").asText();
                    Path object = objects().resolve(sha.substring(0, 2)).resolve(sha);
                    assertThat(object).as("object of " + entry.path("path").asText()).isRegularFile();
                    assertThat(TreeManifest.sha256(object)).isEqualTo(sha);
                }
            }
        }
    }

    /** Nothing staged, moved aside, journalled, held or unreferenced remains; the run's temp dirs are gone. */
    private void assertNoLeftovers() throws IOException {
        assertThat(visible()).allMatch(n -> n.equals(NAME + ".json") || n.equals(NAME + ".runtime") || n.equals(NAME + ".lock"));
        try (Stream<Path> hidden = Files.list(stateDir)) {
            assertThat(hidden.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")))
                    .allMatch(n -> n.equals(".history") || n.equals(".locks"));
        }
        try (Stream<Path> locks = Files.list(stateDir.resolve(".locks"))) {
            assertThat(locks.toList()).as("holder records of finished runs").isEmpty();
        }
        Set<String> named = new HashSet<>();
        for (JsonNode record : history()) {
            long n = record.path("revision").asLong();
            named.add(n + ".json");
            named.add(n + "." + record.path("payload_sha256").asText().substring(0, 16) + ".payload");
            named.add(n + "." + record.path("objects_sha256").asText().substring(0, 16) + ".objects");
        }
        try (Stream<Path> revisions = Files.list(stateDir.resolve(".history/revisions").resolve(NAME))) {
            assertThat(revisions.map(p -> p.getFileName().toString())).as("records and the side files they name")
                    .allMatch(named::contains);
        }
        try (Stream<Path> pending = Files.list(stateDir.resolve(".history"))) {
            assertThat(pending.map(p -> p.getFileName().toString())).as("no collection left to finish")
                    .doesNotContain("collect");
        }
        Set<String> referenced = new HashSet<>();
        for (JsonNode record : history()) {
            record.path("tree").forEach(e -> referenced.add(e.path("sha256").asText()));
        }
        try (Stream<Path> stored = Files.walk(objects())) {
            assertThat(stored.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .as("objects no kept revision references").allMatch(referenced::contains);
        }
        assertNoTempLeft();
    }

    private List<String> lastRevisionTags() throws IOException {
        List<String> tags = new ArrayList<>();
        for (JsonNode record : history()) {
            String json = record.path("cluster_json_base64").asText(null);
            tags.add(json == null ? null : Json.parse(new String(java.util.Base64.getDecoder().decode(json))).path("tag").asText());
        }
        return tags;
    }

    /** The records, oldest first, each with its payload's {@code tree} and {@code cluster_json_base64} merged in. */
    private List<JsonNode> history() throws IOException {
        Path dir = stateDir.resolve(".history/revisions").resolve(NAME);
        List<JsonNode> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(p -> p.getFileName().toString().matches("[0-9]+\\.json"))
                    .sorted(java.util.Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString().replace(".json", ""))))
                    .toList()) {
                com.fasterxml.jackson.databind.node.ObjectNode record =
                        (com.fasterxml.jackson.databind.node.ObjectNode) Json.parse(Files.readString(file));
                String payloadFile = record.path("revision").asLong() + "."
                        + record.path("payload_sha256").asText().substring(0, 16) + ".payload";
                String payload = Files.readString(dir.resolve(payloadFile));
                if (!payload.isEmpty()) {
                    JsonNode parsed = Json.parse(payload);
                    record.set("tree", parsed.path("tree"));
                    record.set("cluster_json_base64", parsed.path("cluster_json_base64"));
                }
                records.add(record);
            }
        }
        return records;
    }

    private Path objects() {
        return stateDir.resolve(".history/objects");
    }

    private List<String> visible() throws IOException {
        try (Stream<Path> entries = Files.list(stateDir)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }
}
