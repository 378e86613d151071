package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.StateStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Black-box, PostgreSQL (#17 "Concurrency"): with {@code PK3S_STATE_HISTORY_LIMIT=1} every install prunes the
 * revision before it and collects the blobs only that revision referenced, while {@code state pull} (which holds no
 * lock) reads the newest revision back to back. No pull may fail: a pull reads one consistent snapshot of the
 * database, which a concurrent prune cannot take rows away from (docs/state.md "PostgreSQL backend").
 */
class PostgresHistoryGcIT extends PostgresStateBaseIT {
    static final int INSTALLS = 20;

    @Test
    void historyGcNeverDeletesWhatAConcurrentPullReads() throws Exception {
        useDestroyableScenario();
        fixture.file("scripts/install.sh", MANY_FILES_INSTALLER, true);
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        String[] install = {"profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()};
        engine.env("PK3S_STATE_HISTORY_LIMIT", "1");
        ok(engine.env("FIXTURE_TAG", "first").run(install));

        PullRace race = installsRacingPulls(install, NAME, INSTALLS);
        assertThat(race.failures()).as(race.failures().size() + " of " + race.pulls() + " pulls failed").isEmpty();

        // The limit held and the collection ran: one revision left, holding the last install's files, and a pull
        // of it from a fresh directory has every one of them.
        try (StateStore store = store(home.resolve("check"))) {
            assertThat(store.history(NAME)).hasSize(1);
            Path out = home.resolve("pulled");
            store.pull(NAME, java.util.OptionalLong.empty(), out);
            assertThat(out.resolve(NAME + ".runtime/opentofu/terraform.tfstate"))
                    .hasContent("{\"serial\": \"run-" + (INSTALLS - 1) + "\"}");
        }
        // Garbage went: the database holds exactly the blobs the kept revision references.
        try (java.sql.Connection c = server.connect(database); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM pk3s_blobs),"
                        + " (SELECT count(DISTINCT o) FROM pk3s_revisions, unnest(objects) o)")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(rs.getLong(2)).isGreaterThan(200);
        }
    }
}
