package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two workstations (separate mirrors: only the database lease can keep them apart) install one cluster at the same
 * time, 20 times. The installer appends start/end to a shared log and increments the OpenTofu serial it restored:
 * runs must never overlap; with {@code --lock-timeout} (even trials) the second waits and runs, without it (odd
 * trials) a loser fails naming the holder; no revision (no increment) is lost.
 */
class PostgresStateConcurrencyIT extends PostgresStateBaseIT {
    static final int TRIALS = 20;
    static final Pattern LOCKED = Pattern.compile("\\[pk3s-infra] ERROR profile state for 'fixture-profile' is locked by"
            + " another run: postgresql://pk3s_test@127\\.0\\.0\\.1:\\d+/\\w+; held by \\S+@\\S+ pid \\d+"
            + " \\(profile install\\) since \\S+");

    static final String INSTALLER = """
            #!/usr/bin/env bash
            set -u
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/scenarios/edge/onprem-basic"
            echo "start $$" >> "$PK3S_TEST_LOG"
            mkdir -p "$scenario/generated/ssh" "$scenario/opentofu"
            prev=$(sed -n 's/.*"serial": *\\([0-9]*\\).*/\\1/p' "$scenario/opentofu/terraform.tfstate" 2>/dev/null)
            sleep 0.3
            printf '{"cluster_name":"fixture"}' > "$scenario/generated/cluster.json"
            printf '{"serial": %d}' $(( ${prev:-0} + 1 )) > "$scenario/opentofu/terraform.tfstate"
            echo "end $$" >> "$PK3S_TEST_LOG"
            """;

    @Test
    void concurrentInstallsRunOneAtATimeAndLoseNoRevision() throws Exception {
        fixture.file("scripts/install.sh", INSTALLER, true);
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Path log = home.resolve("installer.log");
        // every revision is counted below: keep them all (the history limit, 20 by default, would prune)
        Engine a = engine.env("PK3S_TEST_LOG", log.toString()).env("PK3S_STATE_HISTORY_LIMIT", "1000");
        Engine b = workstation(home.resolve("ws-b")).env("PK3S_TEST_LOG", log.toString())
                .env("PK3S_STATE_HISTORY_LIMIT", "1000");
        String[] failFast = {"profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()};
        String[] waiting = {"profile", "install", "--lock-timeout", "60s", "--tgz", tgz.toString(), "--env-file",
                site.toString()};

        int successes = 0;
        int refusals = 0;
        int waited = 0;
        for (int trial = 0; trial < TRIALS; trial++) {
            // Even trials wait for the lock (--lock-timeout): both must run, one after the other.
            String[] args = trial % 2 == 0 ? waiting : failFast;
            CompletableFuture<Engine.Result> first = CompletableFuture.supplyAsync(() -> a.run(args));
            CompletableFuture<Engine.Result> second = CompletableFuture.supplyAsync(() -> b.run(args));
            for (Engine.Result r : List.of(first.get(), second.get())) {
                if (args == waiting) {
                    assertThat(r.exitCode()).as(r.toString()).isZero();
                    if (r.stdout().contains("waiting up to 60 s for the lock")
                            || r.stderr().contains("waiting up to 60 s for the lock")) {
                        waited++;
                    }
                }
                if (r.exitCode() == 0) {
                    successes++;
                } else {
                    assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
                    assertThat(r.stderrLines()).as(r.toString()).anyMatch(l -> LOCKED.matcher(l).matches());
                    refusals++;
                }
            }
            assertThat(first.get().exitCode() == 0 || second.get().exitCode() == 0).as("trial " + trial).isTrue();
        }
        System.out.println("PostgresStateConcurrencyIT: " + TRIALS + " trials, " + successes + " installs ran, "
                + refusals + " refused naming the holder, " + waited + " waited for the lock");
        assertThat(successes).isGreaterThanOrEqualTo(TRIALS + TRIALS / 2);

        // Never two installers at once: the log is start/end pairs of one pid each.
        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(2 * successes);
        for (int i = 0; i < lines.size(); i += 2) {
            assertThat(lines.get(i)).startsWith("start ");
            assertThat(lines.get(i + 1)).isEqualTo("end " + lines.get(i).substring(6));
        }
        // No revision lost: one per successful install, numbered without gaps, and every install saw the last one.
        try (StateStore store = store(home.resolve("check"))) {
            List<RevisionInfo> history = store.history(NAME);
            assertThat(history).hasSize(successes);
            List<Long> numbers = new ArrayList<>();
            history.forEach(r -> numbers.add(r.revision()));
            assertThat(numbers).isEqualTo(java.util.stream.LongStream.rangeClosed(1, successes).boxed().toList());
            Path out = home.resolve("pulled");
            store.pull(NAME, java.util.OptionalLong.empty(), out);
            assertThat(out.resolve(NAME + ".runtime/opentofu/terraform.tfstate")).hasContent("{\"serial\": " + successes + "}");
        }
    }
}
