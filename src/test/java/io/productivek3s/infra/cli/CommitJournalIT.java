package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * #17: commit journals the engine did not write as it is now (docs/state.md "Journals that cannot be rolled
 * forward"). A malformed or foreign journal stops only its own cluster, with one line naming the file and what to do;
 * a stale removal journal never deletes state without a history entry: it is set aside and the state stays.
 * StateCrashIT covers the journals a crash really leaves, which must still be rolled forward.
 */
class CommitJournalIT extends PackageTestBase {
    private static final String DEFAULT = "fixture-profile";
    private static final String SITE = "site-b";
    private static final String TXN = "0123456789abcdef";

    @BeforeEach
    void twoClusters() throws Exception {
        installTwoClusters(SITE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "", "[1,2]", "{\"op\":\"persist\",\"txn\":\"xyz\",\"revision\":1}",
            "{\"op\":\"explode\",\"txn\":\"0123456789abcdef\",\"revision\":1}",
            "{\"op\":\"remove\",\"txn\":\"0123456789abcdef\",\"revision\":\"soon\"}"})
    void aMalformedJournalStopsOnlyItsClusterWithOneLine(String content) throws Exception {
        Path journal = journal(SITE);
        Files.writeString(journal, content);
        String siteJson = Files.readString(stateDir.resolve(SITE + ".json"));

        assertRefused(journal, "profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env", "--name", SITE);
        assertRefused(journal, "profile", "destroy", "--tgz", "fixture.tgz", "--env-file", "site.env", "--name", SITE);
        assertRefused(journal, "state", "show", SITE);
        assertOthersUnaffected(journal);
        assertThat(Files.readString(stateDir.resolve(SITE + ".json"))).isEqualTo(siteJson);
        assertThat(journal).as("left for a human").hasContent(content);
        assertThat(history(SITE)).extracting(r -> r.path("removed").asBoolean()).containsOnly(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"format\":1,\"name\":\"fixture-profile\",\"op\":\"persist\",\"txn\":\"0123456789abcdef\",\"revision\":1}",
            "{\"format\":2,\"name\":\"site-b\",\"op\":\"persist\",\"txn\":\"0123456789abcdef\",\"revision\":2}",
            "{\"op\":\"persist\",\"txn\":\"0123456789abcdef\",\"revision\":5}"})
    void aForeignJournalStopsOnlyItsClusterWithOneLine(String content) throws Exception {
        Path journal = journal(SITE);
        Files.writeString(journal, content);
        String siteJson = Files.readString(stateDir.resolve(SITE + ".json"));

        assertRefused(journal, "profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env", "--name", SITE);
        assertRefused(journal, "state", "show", SITE);
        assertOthersUnaffected(journal);
        assertThat(Files.readString(stateDir.resolve(SITE + ".json"))).isEqualTo(siteJson);
        assertThat(journal).hasContent(content);
        assertThat(history(SITE)).hasSize(1);
    }

    @Test
    void aRemovalJournalWithoutItsRecordIsSetAsideAndTheStateKept() throws Exception {
        assertStaleRemovalIsSetAside("{\"op\":\"remove\",\"txn\":\"" + TXN + "\",\"revision\":2}", "no removal record");
    }

    @Test
    void aRemovalJournalOfAnOlderRevisionIsSetAsideAndTheStateKept() throws Exception {
        // a removal that happened (revision 2), a re-install (3), then the old removal's journal turns up again
        ok(engine.run("profile", "destroy", "--tgz", "fixture.tgz", "--env-file", "site.env", "--name", SITE));
        ok(engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env", "--name", SITE));
        assertThat(history(SITE)).extracting(r -> r.path("removed").asBoolean()).containsExactly(false, true, false);
        assertStaleRemovalIsSetAside("{\"op\":\"remove\",\"txn\":\"" + TXN + "\",\"revision\":2}",
                "older than the current revision 3");
    }

    @Test
    void aRemovalJournalWhoseStagedRecordIsNotARemovalIsSetAside() throws Exception {
        Path revisions = stateDir.resolve(".history/revisions").resolve(SITE);
        Files.copy(revisions.resolve("1.json"), revisions.resolve("2.staged-" + TXN));
        assertStaleRemovalIsSetAside("{\"op\":\"remove\",\"txn\":\"" + TXN + "\",\"revision\":2}",
                "no removal record");
    }

    /** The journal goes to .site-b.commit.rejected-<ts> with one WARN; the state and the history stay as they were. */
    private void assertStaleRemovalIsSetAside(String content, String reason) throws Exception {
        Path journal = journal(SITE);
        Files.writeString(journal, content);
        String siteJson = Files.readString(stateDir.resolve(SITE + ".json"));
        int revisions = history(SITE).size();

        Engine.Result list = engine.run("state", "list");
        ok(list);
        assertThat(list.stdout()).contains(SITE, DEFAULT);

        Engine.Result status = engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env",
                "--name", SITE);
        ok(status);
        List<String> warnings = status.stdoutLines().stream().filter(l -> l.contains(" WARN ")).toList();
        assertThat(warnings).as(status.toString()).hasSize(1);
        assertThat(warnings.get(0)).contains(journal.toString(), reason, "set aside as " + journal + ".rejected-",
                "the state of 'site-b' is kept");
        assertThat(journal).doesNotExist();
        assertThat(rejected(SITE)).hasSize(1);
        assertThat(rejected(SITE).get(0)).hasContent(content);
        assertThat(Files.readString(stateDir.resolve(SITE + ".json"))).isEqualTo(siteJson);
        assertThat(stateDir.resolve(SITE + ".runtime/engine-state.json")).isRegularFile();
        assertThat(history(SITE)).as("an unchanged status writes no revision; nothing recorded a removal").hasSize(revisions)
                .last().satisfies(r -> assertThat(r.path("removed").asBoolean()).isFalse());

        // the next run finds nothing left to decide
        Engine.Result again = engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env",
                "--name", SITE);
        ok(again);
        assertThat(again.stdout()).doesNotContain("WARN");
        assertNoTempLeft();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** Exit 4 with exactly one ERROR line that names the journal and says what to do; nothing else ran. */
    private void assertRefused(Path journal, String... command) throws IOException {
        int makeCalls = tools.calls("make").size();
        Engine.Result result = engine.run(command);
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        assertThat(result.stderrLines()).as(result.toString()).hasSize(1);
        assertThat(result.stderrLines().get(0)).startsWith("[pk3s-infra] ERROR commit journal " + journal + " ")
                .contains("'state history " + SITE + "'", "delete it").doesNotContain("Unexpected", "line:");
        assertThat(tools.calls("make")).as("nothing ran").hasSize(makeCalls);
    }

    /** `state list` lists the other cluster and WARNs about this one; the other cluster's commands work. */
    private void assertOthersUnaffected(Path journal) throws IOException {
        Engine.Result list = engine.run("state", "list");
        ok(list);
        assertThat(list.stdout()).contains(DEFAULT);
        assertThat(list.stdoutLines().stream().filter(l -> l.contains(" WARN ")).toList()).singleElement()
                .satisfies(w -> assertThat(w).contains(journal.toString()));
        Engine.Result json = engine.run("state", "list", "--json");
        ok(json);
        JsonNode clusters = Json.parse(json.stdout()).path("clusters");
        assertThat(clusters).extracting(c -> c.path("name").asText()).containsExactly(DEFAULT);
        ok(engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        ok(engine.run("state", "history", SITE));
    }

    private Path journal(String name) {
        return stateDir.resolve("." + name + ".commit");
    }

    private List<Path> rejected(String name) throws IOException {
        try (Stream<Path> files = Files.list(stateDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("." + name + ".commit.rejected-")).toList();
        }
    }

    private List<JsonNode> history(String name) throws IOException {
        Path dir = stateDir.resolve(".history/revisions").resolve(name);
        List<JsonNode> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(p -> p.getFileName().toString().matches("[0-9]+\\.json"))
                    .sorted(java.util.Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString()
                            .replace(".json", "")))).toList()) {
                records.add(Json.parse(Files.readString(file)));
            }
        }
        return records;
    }
}
