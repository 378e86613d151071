package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.PostgresServer;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 17: a run whose new revision cannot be committed keeps its state in {@code <state dir>/.errored/<name>/…}
 * (never in the mirror), says so in one ERROR, warns on every later command, and {@code state push} commits it.
 * The failures are real: a directory the local persist needs replaced by a file, the PostgreSQL server stopped or
 * killed (SIGKILL) while the installer runs, and a run paused (SIGSTOP) past its lease while another run takes the
 * lock over.
 */
class UncommittedStateIT extends PackageTestBase {
    static final String NAME = "fixture-profile";
    /** The cause, then where the run's state is and how to commit it: the run's one ERROR line. */
    private static final Pattern KEPT = Pattern.compile("\\[pk3s-infra] ERROR .+; this run's state was not committed and is"
            + " kept in (\\S+): once that is fixed, run 'state push " + NAME + " --from \\1'");

    /** Writes state tagged with $RUN_TAG; blocks on $BLOCK_DIR/release when set; then runs $AFTER_INSTALL. */
    static final String INSTALLER = """
            #!/usr/bin/env bash
            set -u
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/scenarios/edge/onprem-basic"
            mkdir -p "$scenario/generated/ssh" "$scenario/opentofu"
            printf '{"cluster_name":"fixture","ssh":{"user":"ubuntu","port":"22"}}' > "$scenario/generated/cluster.json"
            printf 'key' > "$scenario/generated/ssh/id_ed25519"
            printf '#!/bin/sh\\necho hi\\n' > "$scenario/generated/hook.sh" && chmod 755 "$scenario/generated/hook.sh"
            printf '%s' "${RUN_TAG:-none}" > "$scenario/generated/tag"
            printf '{"serial": 1, "tag": "%s"}' "${RUN_TAG:-none}" > "$scenario/opentofu/terraform.tfstate"
            if [ -n "${BLOCK_DIR:-}" ]; then
              : > "$BLOCK_DIR/started"
              while [ ! -e "$BLOCK_DIR/release" ]; do sleep 0.1; done
            fi
            eval "${AFTER_INSTALL:-}"
            echo "installer ran: ${RUN_TAG:-none}"
            """;

    Path tgz;
    Path site;

    @BeforeEach
    void fixture() throws IOException {
        fixture.file("scripts/install.sh", INSTALLER, true);
        tgz = pack();
        site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        engine.env("TELEMETRY_ENABLED", "false");
    }

    String[] install(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("profile", "install", "--tgz", tgz.toString(), "--env-file",
                site.toString()));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void aLocalPersistFailureKeepsTheRunsStateOutOfTheMirrorAndStatePushCommitsIt() throws Exception {
        Engine.Result failed = installOneThenTwoWithABrokenHistory();

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
        Path kept = keptCopy(failed);
        assertThat(failed.stderrLines().get(failed.stderrLines().size() - 1))
                .startsWith("[pk3s-infra] ERROR could not persist profile state for '" + NAME + "': ");
        assertKeptRun(kept, "two");
        assertThat(kept.getParent()).isEqualTo(stateDir.resolve(".errored").resolve(NAME));
        // the mirror pk3s reads still holds the last committed run
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("one");

        // fix the cause; every later command on the cluster points at the kept state
        repairHistory();
        String warn = "[pk3s-infra] WARN  state '" + NAME + "' has uncommitted state from a failed run in " + kept
                + ": run 'state push " + NAME + " --from " + kept + "'";
        Engine.Result shown = engine.run("state", "show", NAME, "--json");
        assertThat(shown.exitCode()).as(shown.toString()).isZero();
        assertThat(shown.stderrLines()).containsOnlyOnce(warn);
        JsonNode errored = Json.parse(shown.stdout()).get("errored");
        assertThat(errored).hasSize(1);
        assertThat(errored.get(0).get("path").asText()).isEqualTo(kept.toString());
        assertThat(errored.get(0).get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*Z");
        Engine.Result history = engine.run("state", "history", NAME);
        assertThat(history.stdoutLines()).as(history.toString()).containsOnlyOnce(warn);
        Engine.Result status = engine.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString(),
                "--dry-run");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdoutLines()).as(status.toString()).containsOnlyOnce(warn);

        long before = lastRevision(engine).get("revision").asLong(); // the status wrote one too
        Engine.Result pushed = engine.run("state", "push", NAME, "--from", kept.toString());
        assertThat(pushed.exitCode()).as(pushed.toString()).isZero();
        assertThat(pushed.stdout()).isEqualTo("Pushed the state in " + kept + " to '" + NAME + "' as revision "
                + (before + 1) + "; removed that errored copy\n");
        assertThat(kept).doesNotExist();
        assertThat(stateDir.resolve(".errored")).doesNotExist();
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("two");
        assertThat(Files.readString(stateDir.resolve(NAME + ".json"))).contains(stateDir.resolve(NAME
                + ".runtime/generated/ssh/id_ed25519").toString());
        JsonNode last = lastRevision(engine);
        assertThat(last.get("revision").asLong()).isEqualTo(before + 1);
        assertThat(last.get("command").asText()).isEqualTo("state push");
        assertThat(last.get("who").asText()).matches("[^@\\s]+@[^@\\s]+");
        assertThat(last.get("result").asText()).isEqualTo("success");
        Engine.Result quiet = engine.run("state", "show", NAME);
        // neither the WARN nor the Uncommitted: line (the database's name, pk3s_uncommitted_N, is in the Backend: line)
        assertThat(quiet.stdout() + quiet.stderr()).as(quiet.toString()).doesNotContain("has uncommitted state", "Uncommitted:");
    }

    @Test
    void pushRefusesWhatItDoesNotUnderstandAndDiscardDeletesOnlyAnErroredCopy() throws Exception {
        Path kept = keptCopy(installOneThenTwoWithABrokenHistory());
        repairHistory();

        assertError(engine.run("state", "push", NAME), 3, "the 'state push' command requires --from <dir> (the failed"
                + " run's ERROR names it; 'state show " + NAME + "' lists kept copies)");
        Path empty = Files.createDirectories(home.resolve("empty"));
        assertError(engine.run("state", "push", NAME, "--from", empty.toString()), 4, "refusing to push " + empty
                + ": it is neither an errored copy nor a 'state pull' of '" + NAME + "' (" + NAME + ".runtime/ with"
                + " engine-state.json, and " + NAME + ".json beside it)");
        assertError(engine.run("state", "push", "other", "--from", kept.toString()), 4, "refusing to push " + kept
                + ": it is neither an errored copy nor a 'state pull' of 'other' (other.runtime/ with"
                + " engine-state.json, and other.json beside it)");
        Path pulled = home.resolve("pulled");
        assertThat(engine.run("state", "pull", NAME, "--output", pulled.toString()).exitCode()).isZero();
        assertError(engine.run("state", "push", NAME, "--from", pulled.toString(), "--discard"), 4, "refusing to discard "
                + pulled + ": only an errored copy of '" + NAME + "' (a directory under " + stateDir.resolve(".errored")
                .resolve(NAME) + ") can be discarded");
        assertThat(kept).isDirectory();

        Engine.Result discarded = engine.run("state", "push", NAME, "--from", kept.toString(), "--discard", "--json");
        assertThat(discarded.exitCode()).as(discarded.toString()).isZero();
        JsonNode doc = Json.parse(discarded.stdout());
        assertThat(doc.get("command").asText()).isEqualTo("state push");
        assertThat(doc.get("discarded").asBoolean()).isTrue();
        assertThat(doc.get("revision").isNull()).isTrue();
        assertThat(kept).doesNotExist();
        assertThat(lastRevision(engine).get("revision").asLong()).isEqualTo(1);

        // a 'state pull' output is pushed as it is, and left where it is
        Engine.Result repushed = engine.run("state", "push", NAME, "--from", pulled.toString(), "--json");
        assertThat(repushed.exitCode()).as(repushed.toString()).isZero();
        JsonNode repush = Json.parse(repushed.stdout());
        assertThat(repush.get("revision").get("revision").asLong()).isEqualTo(2);
        assertThat(repush.get("revision").get("command").asText()).isEqualTo("state push");
        assertThat(repush.get("removed_copy").asBoolean()).isFalse();
        assertThat(pulled.resolve(NAME + ".runtime")).isDirectory();
    }

    /** {@code stop}: the administrator's fast shutdown; {@code kill}: SIGKILL to every server process, as a crash. */
    @ParameterizedTest(name = "server {0}")
    @ValueSource(strings = {"stop", "kill"})
    void postgresGoneAfterTheInstallerRanKeepsTheStateAndPushCommitsItOnceTheServerIsBack(String how) throws Exception {
        PostgresServer server = PostgresServer.dedicated();
        String database = server.createDatabase("uncommitted");
        usePostgres(engine, server.url(database), "3");
        assertThat(engine.env("RUN_TAG", "one").run(install()).exitCode()).isZero();

        Path block = Files.createDirectories(home.resolve("block"));
        Process run = engine.env("RUN_TAG", "two").env("BLOCK_DIR", block.toString()).start(install());
        engine.env("BLOCK_DIR", null);
        Output output = Output.of(run);
        awaitFile(block.resolve("started"));
        if (how.equals("kill")) {
            server.killServer();
        } else {
            server.stopServer();
        }
        Files.createFile(block.resolve("release"));
        Engine.Result failed = output.await(run);

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(5);
        assertThat(failed.stderrLines().get(failed.stderrLines().size() - 1)).matches("\\[pk3s-infra] ERROR state backend "
                + "postgresql://pk3s_test@127\\.0\\.0\\.1:\\d+/\\w+ is unreachable: .*");
        Path kept = keptCopy(failed);
        assertKeptRun(kept, "two");
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("one");

        server.startServer();
        String warn = "[pk3s-infra] WARN  state '" + NAME + "' has uncommitted state from a failed run in " + kept
                + ": run 'state push " + NAME + " --from " + kept + "'";
        assertThat(engine.run("state", "show", NAME).stdoutLines()).containsOnlyOnce(warn);
        // the failed run could not release its lease: the push waits for it to expire
        Engine.Result pushed = engine.run("state", "push", NAME, "--from", kept.toString(), "--lock-timeout", "30s",
                "--json");
        assertThat(pushed.exitCode()).as(pushed.toString()).isZero();
        JsonNode doc = Json.parse(pushed.stdout());
        assertThat(doc.get("revision").get("revision").asLong()).isEqualTo(2);
        assertThat(doc.get("removed_copy").asBoolean()).isTrue();
        assertThat(kept).doesNotExist();

        JsonNode last = lastRevision(engine);
        assertThat(last.get("revision").asLong()).isEqualTo(2);
        assertThat(last.get("command").asText()).isEqualTo("state push");
        Path pulled = home.resolve("pulled");
        assertThat(engine.run("state", "pull", NAME, "--output", pulled.toString()).exitCode()).isZero();
        assertThat(pulled.resolve(NAME + ".runtime/generated/tag")).hasContent("two");
        assertThat(pulled.resolve(NAME + ".runtime/opentofu/terraform.tfstate")).content().contains("\"tag\": \"two\"");
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("two");
        Engine.Result quiet = engine.run("state", "show", NAME);
        // neither the WARN nor the Uncommitted: line (the database's name, pk3s_uncommitted_N, is in the Backend: line)
        assertThat(quiet.stdout() + quiet.stderr()).as(quiet.toString()).doesNotContain("has uncommitted state", "Uncommitted:");
    }

    @Test
    void aRunPausedPastItsLeaseKeepsItsStateAndPushMakesItCurrentAfterTheRunThatTookOver() throws Exception {
        PostgresServer server = PostgresServer.shared();
        String url = server.url(server.createDatabase("uncommitted_lease"));
        usePostgres(engine, url, "2");
        Path home2 = Files.createDirectories(home.resolve("ws-b"));
        Engine b = usePostgres(Engine.fromRepo(home2).prependPath(tools.bin())
                .env("PK3S_PROFILE_STATE_DIR", home2.resolve("state").toString())
                .cwd(Files.createDirectories(home2.resolve("work"))), url, "2").env("RUN_TAG", "B");

        Path block = Files.createDirectories(home.resolve("block"));
        Process a = engine.env("RUN_TAG", "A").env("BLOCK_DIR", block.toString()).start(install());
        engine.env("BLOCK_DIR", null);
        Output output = Output.of(a);
        awaitFile(block.resolve("started"));
        signal("STOP", a.pid()); // the JVM stops renewing its 2 s lease, as a suspended laptop would
        Engine.Result took;
        try {
            Thread.sleep(3500);
            took = b.run(install("--lock-timeout", "30s"));
        } finally {
            signal("CONT", a.pid());
        }
        assertThat(took.exitCode()).as(took.toString()).isZero();
        assertThat(took.stdout()).contains("took over the lock on profile state for '" + NAME + "'");
        Files.createFile(block.resolve("release"));
        Engine.Result failed = output.await(a);

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(4);
        assertThat(failed.stderr()).contains("expired or was broken while this run held it; no revision was written");
        Path kept = keptCopy(failed);
        assertKeptRun(kept, "A");
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).doesNotExist();
        Path pulled = home.resolve("pulled");
        assertThat(b.run("state", "pull", NAME, "--output", pulled.toString()).exitCode()).isZero();
        assertThat(pulled.resolve(NAME + ".runtime/generated/tag")).hasContent("B");
        Engine.Result history = engine.run("state", "history", NAME, "--json");
        assertThat(history.stderr()).contains("has uncommitted state from a failed run in " + kept);
        assertThat(Json.parse(history.stdout()).get("revisions")).hasSize(1);

        // the paused run's state is pushable: it becomes the current revision on every workstation
        Engine.Result pushed = engine.run("state", "push", NAME, "--from", kept.toString(), "--lock-timeout", "30s");
        assertThat(pushed.exitCode()).as(pushed.toString()).isZero();
        assertThat(pushed.stdout()).isEqualTo("Pushed the state in " + kept + " to '" + NAME + "' as revision 2;"
                + " removed that errored copy\n");
        assertThat(kept).doesNotExist();
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("A");
        JsonNode last = lastRevision(b);
        assertThat(last.get("revision").asLong()).isEqualTo(2);
        assertThat(last.get("command").asText()).isEqualTo("state push");
        Path pulledB = home.resolve("pulled-b");
        assertThat(b.run("state", "pull", NAME, "--output", pulledB.toString()).exitCode()).isZero();
        assertThat(pulledB.resolve(NAME + ".runtime/generated/tag")).hasContent("A");
        assertThat(pulledB.resolve(NAME + ".runtime/opentofu/terraform.tfstate")).content().contains("\"tag\": \"A\"");
        Engine.Result quiet = engine.run("state", "show", NAME);
        assertThat(quiet.stdout() + quiet.stderr()).as(quiet.toString()).doesNotContain("has uncommitted state");
    }

    // ---- helpers

    /**
     * Installs run "one", then run "two", after whose installer the directory the local persist records revisions in
     * becomes a file, so its commit fails; returns that run. {@link #repairHistory} undoes it.
     */
    private Engine.Result installOneThenTwoWithABrokenHistory() throws IOException {
        assertThat(engine.env("RUN_TAG", "one").run(install()).exitCode()).isZero();
        Path revisions = stateDir.resolve(".history/revisions/" + NAME);
        Engine.Result failed = engine.env("RUN_TAG", "two").env("AFTER_INSTALL", "mv '" + revisions + "' '"
                + home.resolve("revisions-aside") + "' && : > '" + revisions + "'").run(install());
        engine.env("AFTER_INSTALL", null);
        return failed;
    }

    private void repairHistory() throws IOException {
        Path revisions = stateDir.resolve(".history/revisions/" + NAME);
        Files.delete(revisions);
        Files.move(home.resolve("revisions-aside"), revisions);
    }

    static Engine usePostgres(Engine e, String url, String leaseSeconds) {
        return e.env("PK3S_STATE_BACKEND", url).env("PGPASSWORD", PostgresServer.PASSWORD)
                .env("PK3S_STATE_LEASE_SECONDS", leaseSeconds).env("TELEMETRY_ENABLED", "false");
    }

    /** The errored copy the run's ERROR names (its one ERROR line). */
    static Path keptCopy(Engine.Result result) {
        List<String> lines = result.stderrLines().stream().filter(l -> l.startsWith("[pk3s-infra] ERROR")).toList();
        assertThat(lines).as(result.toString()).hasSize(1);
        Matcher m = KEPT.matcher(lines.get(0));
        assertThat(m.matches()).as(lines.get(0)).isTrue();
        Path kept = Path.of(m.group(1));
        assertThat(kept.getFileName().toString()).matches("\\d{8}T\\d{6}Z-\\d+");
        return kept;
    }

    /** The copy holds what the run's persist would have: its generated/ files, OpenTofu state and engine state. */
    void assertKeptRun(Path kept, String tag) throws IOException {
        Path runtime = kept.resolve(NAME + ".runtime");
        assertThat(runtime.resolve("generated/tag")).hasContent(tag);
        assertThat(runtime.resolve("opentofu/terraform.tfstate")).content().contains("\"tag\": \"" + tag + "\"");
        JsonNode state = Json.parse(Files.readString(runtime.resolve("engine-state.json")));
        assertThat(state.get("last_action").get("command").asText()).isEqualTo("install");
        assertThat(state.get("last_action").get("result").asText()).isEqualTo("success");
        assertThat(kept.resolve(NAME + ".json")).content().contains("\"cluster_name\"");
        assertThat(kept.resolve("errored.json")).isRegularFile();
        try (Stream<Path> walk = Files.walk(kept.getParent().getParent())) {
            for (Path p : walk.toList()) {
                String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    assertThat(mode).as(p.toString()).isEqualTo("rwx------");
                } else {
                    assertThat(mode).as(p.toString()).isIn("rw-------", "rwx------");
                }
            }
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(runtime.resolve("generated/hook.sh"))))
                .isEqualTo("rwx------");
    }

    static JsonNode lastRevision(Engine e) throws IOException {
        Engine.Result history = e.run("state", "history", NAME, "--json");
        assertThat(history.exitCode()).as(history.toString()).isZero();
        JsonNode revisions = Json.parse(history.stdout()).get("revisions");
        return revisions.get(revisions.size() - 1);
    }

    static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(file)) {
            assertThat(System.nanoTime() - deadline).as("waiting for " + file).isNegative();
            Thread.sleep(50);
        }
    }

    static void signal(String name, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    /** The output of a started engine, drained while it runs. */
    record Output(CompletableFuture<String> out, CompletableFuture<String> err) {
        static Output of(Process p) {
            return new Output(drain(p.getInputStream()), drain(p.getErrorStream()));
        }

        Engine.Result await(Process p) throws Exception {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("engine did not finish within 120 s");
            }
            return new Engine.Result(p.exitValue(), out.get(), err.get());
        }

        private static CompletableFuture<String> drain(InputStream in) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
        }
    }
}
