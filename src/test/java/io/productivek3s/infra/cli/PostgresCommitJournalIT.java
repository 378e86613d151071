package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * #17 on the PostgreSQL backend: the local mirror {@code pk3s} reads has commit journals too (docs/state.md
 * "Journals that cannot be rolled forward", "Mirror"). A malformed or foreign one stops only its own cluster with one
 * line naming the file; a removal journal that no removal in the database backs never loses the state: the
 * database still holds it, and the cluster's next run sees it. {@code CommitJournalIT} covers the local backend.
 */
class PostgresCommitJournalIT extends PostgresStateBaseIT {
    private static final String SITE = "site-b";

    @BeforeEach
    void twoClusters() throws Exception {
        installTwoClusters(SITE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{not json", "[1,2]", "{\"op\":\"explode\",\"txn\":\"0123456789abcdef\",\"revision\":1}",
            "{\"format\":1,\"name\":\"fixture-profile\",\"op\":\"persist\",\"txn\":\"0123456789abcdef\",\"revision\":0}"})
    void aMalformedOrForeignMirrorJournalStopsOnlyItsClusterWithOneLine(String content) throws Exception {
        Path journal = stateDir.resolve("." + SITE + ".commit");
        Files.writeString(journal, content);
        String siteJson = Files.readString(stateDir.resolve(SITE + ".json"));

        Engine.Result status = engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env",
                "--name", SITE);
        assertThat(status.exitCode()).as(status.toString()).isEqualTo(4);
        assertThat(status.stderrLines()).as(status.toString()).singleElement().asString()
                .startsWith("[pk3s-infra] ERROR commit journal " + journal + " ").contains("delete it")
                .doesNotContain("Unexpected", "line:");
        assertThat(journal).as("left for a human").hasContent(content);
        assertThat(Files.readString(stateDir.resolve(SITE + ".json"))).isEqualTo(siteJson);

        // the other cluster, the list (read from the database) and the history still work
        ok(engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        Engine.Result list = ok(engine.run("state", "list", "--json"));
        assertThat(Json.parse(list.stdout()).path("clusters")).extracting(c -> c.path("name").asText())
                .contains(NAME, SITE);
        ok(engine.run("state", "history", SITE));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"op\":\"remove\",\"txn\":\"0123456789abcdef\",\"revision\":0}",
            "{\"op\":\"remove\",\"txn\":\"0123456789abcdef\",\"revision\":2}"})
    void aRemovalJournalTheDatabaseDoesNotBackNeverLosesTheState(String content) throws Exception {
        Path journal = stateDir.resolve("." + SITE + ".commit");
        Files.writeString(journal, content);

        Engine.Result status = ok(engine.run("profile", "status", "--tgz", "fixture.tgz", "--env-file", "site.env",
                "--name", SITE));
        assertThat(journal).doesNotExist();
        assertThat(stateDir.resolve(SITE + ".json")).isRegularFile();
        assertThat(stateDir.resolve(SITE + ".runtime/opentofu/terraform.tfstate")).hasContent("{\"serial\": \"A\"}");
        assertThat(status.stdout() + status.stderr()).doesNotContain("ERROR");

        Engine.Result history = ok(engine.run("state", "history", SITE, "--json"));
        JsonNode revisions = Json.parse(history.stdout()).path("revisions");
        assertThat(revisions).extracting(r -> r.path("removed").asBoolean()).containsOnly(false);
        Engine.Result list = ok(engine.run("state", "list", "--json"));
        assertThat(Json.parse(list.stdout()).path("clusters")).extracting(c -> c.path("name").asText())
                .contains(NAME, SITE);
        Path pulled = home.resolve("pulled");
        ok(engine.run("state", "pull", SITE, "--output", pulled.toString()));
        assertThat(pulled.resolve(SITE + ".runtime/opentofu/terraform.tfstate")).hasContent("{\"serial\": \"A\"}");
    }
}
