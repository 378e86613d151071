package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.StateStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Black-box, PostgreSQL (#17 "Concurrency"): with {@code PK3S_STATE_HISTORY_LIMIT=1} every install prunes the
 * revision before it and collects the blobs only that revision referenced, while {@code state pull} (which holds no
 * lock) reads the newest revision back to back. No pull may fail: a pull reads one consistent snapshot of the
 * database, which a concurrent prune cannot take rows away from (docs/state.md "PostgreSQL backend").
 */
class PostgresHistoryGcIT extends PostgresStateBaseIT {
    static final int INSTALLS = 20;
    /** Writes 200 small files whose content changes with FIXTURE_TAG, so every persist leaves garbage to collect. */
    static final String INSTALLER = """
            #!/usr/bin/env bash
            set -eu
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/${FIXTURE_SCENARIO_PATH}"
            mkdir -p "$scenario/generated/ssh" "$scenario/generated/many" "$scenario/opentofu"
            printf '{"cluster_name":"fixture","ssh":{"user":"ubuntu","port":"2222"}}' > "$scenario/generated/cluster.json"
            printf '{"serial": "%s"}' "${FIXTURE_TAG:-0}" > "$scenario/opentofu/terraform.tfstate"
            for i in $(seq 1 200); do printf 'file %s of %s' "$i" "${FIXTURE_TAG:-0}" > "$scenario/generated/many/$i"; done
            echo "fixture installer ran"
            """;

    @Test
    void historyGcNeverDeletesWhatAConcurrentPullReads() throws Exception {
        useDestroyableScenario();
        fixture.file("scripts/install.sh", INSTALLER, true);
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        String[] install = {"profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()};
        engine.env("PK3S_STATE_HISTORY_LIMIT", "1");
        ok(engine.env("FIXTURE_TAG", "first").run(install));

        List<String> failures = new ArrayList<>();
        int pulls = 0;
        for (int i = 0; i < INSTALLS; i++) {
            engine.env("FIXTURE_TAG", "run-" + i);
            CompletableFuture<io.productivek3s.infra.testing.Engine.Result> persist =
                    CompletableFuture.supplyAsync(() -> engine.run(install));
            // Pull back to back for as long as the install runs, so pulls overlap its prune and collection.
            do {
                io.productivek3s.infra.testing.Engine.Result pull =
                        engine.run("state", "pull", NAME, "--output", "pull-" + i + "-" + pulls);
                pulls++;
                if (pull.exitCode() != 0) {
                    failures.add(pull.toString());
                }
            } while (!persist.isDone());
            ok(persist.get(120, TimeUnit.SECONDS));
        }
        assertThat(failures).as(failures.size() + " of " + pulls + " pulls failed").isEmpty();

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

    private static void ok(io.productivek3s.infra.testing.Engine.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }
}
