package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of the engine at many points of an install against PostgreSQL (before the installer, during it,
 * during the upload of an 8 MB provider, around the commit, during the mirror update): the database keeps either
 * the previous revision or one complete new one, the dead run's lease expires (3 s), and the next run proceeds.
 */
class PostgresStateCrashIT extends PostgresStateBaseIT {
    static final int TRIALS = 14;

    static final String INSTALLER = """
            #!/usr/bin/env bash
            set -u
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/scenarios/edge/onprem-basic"
            mkdir -p "$scenario/generated/ssh" "$scenario/opentofu/.terraform/providers/example"
            prev=$(sed -n 's/.*"serial": *\\([0-9]*\\).*/\\1/p' "$scenario/opentofu/terraform.tfstate" 2>/dev/null)
            printf '{"cluster_name":"fixture"}' > "$scenario/generated/cluster.json"
            head -c 8388608 /dev/urandom > "$scenario/opentofu/.terraform/providers/example/provider"
            sleep 0.2
            printf '{"serial": %d}' $(( ${prev:-0} + 1 )) > "$scenario/opentofu/terraform.tfstate"
            """;

    @Test
    void killedInstallsLeaveThePreviousOrOneCompleteRevisionAndTheNextRunProceeds() throws Exception {
        fixture.file("scripts/install.sh", INSTALLER, true);
        engine.env("PK3S_STATE_HISTORY_LIMIT", "1000"); // every revision is compared below: none is pruned
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        String[] install = {"profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()};
        Engine.Result first = engine.run(install);
        assertThat(first.exitCode()).as(first.toString()).isZero();

        int committedBeforeKill = 0;
        int tookOver = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            List<RevisionInfo> before = history();
            Process p = engine.start(install);
            Thread.sleep(250 + trial * 220L); // from JVM start-up to past the persist
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly(); // SIGKILL: the launcher exec'd the JVM, so this is the engine itself
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

            List<RevisionInfo> after = history();
            assertThat(after.size()).as("trial " + trial).isBetween(before.size(), before.size() + 1);
            assertThat(after.subList(0, before.size())).isEqualTo(before);
            if (after.size() > before.size()) {
                committedBeforeKill++;
            }
            assertCurrentIsComplete(after.get(after.size() - 1));

            // The next run proceeds: at once if the dead run held no lease, else once its lease expired.
            Engine.Result next = engine.run(install);
            if (next.exitCode() == 4) {
                assertThat(next.stderr()).as(next.toString()).contains("is locked by another run");
                Thread.sleep(3600); // past the 3 s lease
                next = engine.run(install);
                assertThat(next.stdout() + next.stderr()).contains("took over the lock on profile state for '"
                        + NAME + "' from ");
                tookOver++;
            }
            assertThat(next.exitCode()).as("trial " + trial + ": " + next).isZero();
            List<RevisionInfo> done = history();
            assertThat(done).hasSize(after.size() + 1);
            // The mirror pk3s reads matches the current revision.
            assertThat(TreeManifest.scan(stateDir.resolve(NAME + ".runtime"), TreeManifest.KnownDigests.NONE).digest())
                    .isEqualTo(done.get(done.size() - 1).treeSha256());
            assertThat(stateDir.resolve(NAME + ".json")).exists();
        }
        System.out.println("PostgresStateCrashIT: " + TRIALS + " kills, " + committedBeforeKill
                + " after the commit, " + tookOver + " next runs took over an expired lease");
        // Serial: every committed install incremented exactly the serial it restored.
        List<RevisionInfo> all = history();
        try (StateStore store = store(home.resolve("check"))) {
            Path out = home.resolve("final");
            store.pull(NAME, OptionalLong.empty(), out);
            assertThat(out.resolve(NAME + ".runtime/opentofu/terraform.tfstate"))
                    .hasContent("{\"serial\": " + all.size() + "}");
        }
    }

    private List<RevisionInfo> history() throws Exception {
        try (StateStore store = store(home.resolve("check"))) {
            return store.history(NAME);
        }
    }

    /** The current revision's every file is stored and matches its digest (pull verifies them). */
    private void assertCurrentIsComplete(RevisionInfo current) throws Exception {
        Path out = Files.createTempDirectory(home, "pull-");
        try (StateStore store = store(home.resolve("check"))) {
            RevisionInfo pulled = store.pull(NAME, OptionalLong.of(current.revision()), out);
            assertThat(TreeManifest.scan(out.resolve(NAME + ".runtime"), TreeManifest.KnownDigests.NONE).digest())
                    .isEqualTo(pulled.treeSha256());
        }
    }
}
