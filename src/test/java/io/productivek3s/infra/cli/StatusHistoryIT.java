package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * History keeps what matters: a {@code profile status} whose state is unchanged writes no revision, and one that does
 * change it (a refreshed OpenTofu state) is kept, but pruning never drops the newest revision an install wrote to make
 * room for status revisions.
 */
class StatusHistoryIT extends PackageTestBase {
    private Path tgz;
    private Path site;

    @BeforeEach
    void installed() throws Exception {
        tgz = pack();
        site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
    }

    private Engine.Result run(String command) {
        return engine.run("profile", command, "--tgz", tgz.toString(), "--env-file", site.toString());
    }

    private List<String> history() {
        Engine.Result history = engine.run("state", "history", "fixture-profile");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        return history.stdoutLines().subList(1, history.stdoutLines().size());
    }

    @Test
    void unchangedStatusPollsWriteNoRevision() throws Exception {
        engine.env("PK3S_STATE_HISTORY_LIMIT", "5");
        assertThat(run("install").exitCode()).isZero();
        for (int i = 0; i < 4; i++) {
            Engine.Result status = run("status");
            assertThat(status.exitCode()).as(status.toString()).isZero();
            assertThat(status.stdout()).contains("INFO  Profile state unchanged; no revision written: ")
                    .doesNotContain("Persisted profile runtime state");
        }
        assertThat(history()).singleElement().asString().contains("profile install");
        Engine.Result json = engine.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString(), "--json");
        assertThat(io.productivek3s.infra.util.Json.parse(json.stdout()).path("state").path("change").asText()).isEqualTo("unchanged");
    }

    @Test
    void changingStatusRevisionsNeverPushOutTheInstall() {
        engine.env("PK3S_STATE_HISTORY_LIMIT", "2");
        assertThat(run("install").exitCode()).isZero();
        // the status target refreshes a state file each time, as 'tofu refresh' would
        engine.env("FAKE_MAKE_SCRIPT", "mkdir -p \"$2/generated\" && date +%s%N > \"$2/generated/refreshed.tfstate\"");
        for (int i = 0; i < 4; i++) {
            Engine.Result status = run("status");
            assertThat(status.exitCode()).as(status.toString()).isZero();
            assertThat(status.stdout()).contains("Persisted profile runtime state");
        }
        List<String> history = history();
        assertThat(history).hasSize(3);
        assertThat(history.get(0)).startsWith("1 ").contains("profile install");
        assertThat(history.get(1)).startsWith("4 ").contains("profile status");
        assertThat(history.get(2)).startsWith("5 ").contains("profile status");
        // the operator can still roll back to what the install wrote
        Engine.Result rollback = engine.run("state", "rollback", "fixture-profile", "--revision", "1");
        assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
    }
}
