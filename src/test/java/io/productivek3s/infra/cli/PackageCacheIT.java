package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import io.productivek3s.infra.catalog.PackageCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The package cache seen from outside: runs reuse one verified extraction, yet every run gets a private tree that
 * its scenario may change at will; concurrent runs and a run killed while filling the cache leave it consistent.
 */
class PackageCacheIT extends PackageTestBase {
    /** Prints what it finds in its package, then changes the package tree every way a scenario could. */
    private static final String MUTATING_INSTALLER = """
            #!/usr/bin/env bash
            set -eu
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            echo "seen: $(cat "$root/data/state.txt") $(stat -c %a "$root/data/tool.sh") $(ls "$root/data" | tr '\\n' ' ')"
            printf 'XX' | dd of="$root/data/state.txt" conv=notrunc status=none   # in place
            echo appended >> "$root/data/tool.sh"
            chmod 0777 "$root/data/tool.sh"
            rm "$root/data/gone.txt"
            echo new > "$root/data/new.txt"
            """;

    /** The start of an installer that prints what data/state.txt holds in its tree. */
    private static final String SEES_STATE = """
            #!/usr/bin/env bash
            set -eu
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            echo "seen: $(cat "$root/data/state.txt")"
            """;

    private Path packages() {
        return home.resolve(".cache/pk3s/packages");
    }

    private Path mutatingPackage() throws IOException {
        fixture.file("scripts/install.sh", MUTATING_INSTALLER, true)
                .file("data/state.txt", "original\n", false)
                .file("data/tool.sh", "#!/bin/sh\n", true)
                .file("data/gone.txt", "here\n", false);
        return pack();
    }

    private static List<String> seen(Engine.Result result) {
        return result.stdoutLines().stream().filter(line -> line.startsWith("seen: ")).toList();
    }

    /** "copy": every run gets a copy of the entry; "lend": runs borrow the entry's own tree (PackageCache.LEND_VARIABLE). */
    private void mode(Engine target, String mode) {
        target.env(PackageCache.LEND_VARIABLE, mode.equals("lend") ? "always" : "never");
    }

    @ParameterizedTest
    @ValueSource(strings = {"copy", "lend"})
    void aScenarioChangingItsTreeNeverChangesWhatTheNextRunSees(String mode) throws Exception {
        mode(engine, mode);
        Path tgz = mutatingPackage();
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");
        for (int run = 0; run < 3; run++) {
            Engine.Result result = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env");
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(seen(result)).containsExactly("seen: original 700 gone.txt state.txt tool.sh ");
        }
        Path entry = packages().resolve("entries").resolve(Digests.sha256(tgz));
        assertThat(entry.resolve("tree/data/state.txt")).hasContent("original");
        assertThat(entry.resolve("tree/data/gone.txt")).exists();
        assertNoTempLeft();
    }

    @ParameterizedTest
    @ValueSource(strings = {"copy", "lend"})
    void twoConcurrentRunsOfOnePackageEachGetACorrectPrivateTree(String mode) throws Exception {
        mode(engine, mode);
        Path tgz = mutatingPackage();
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");
        Engine other = Engine.fromRepo(home).prependPath(tools.bin())
                .env("PK3S_PROFILE_STATE_DIR", home.resolve("state-2").toString())
                .cwd(home.resolve("work"));
        mode(other, mode);
        CompletableFuture<Engine.Result> first = CompletableFuture.supplyAsync(
                () -> engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env"));
        CompletableFuture<Engine.Result> second = CompletableFuture.supplyAsync(
                () -> other.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env"));
        for (Engine.Result result : List.of(first.get(), second.get())) {
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(seen(result)).containsExactly("seen: original 700 gone.txt state.txt tool.sh ");
        }
        // copied: one entry; lent: a changed tree never goes back (the package is copied after the first such run,
        // so a run that started late may have filled the cache again)
        assertThat(list(packages().resolve("entries")).stream().filter(Files::isDirectory).toList())
                .hasSizeBetween(mode.equals("copy") ? 1 : 0, 1);
        assertThat(list(packages().resolve("tmp"))).isEmpty();
        Engine.Result after = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(seen(after)).containsExactly("seen: original 700 gone.txt state.txt tool.sh ");
    }

    @Test
    void aRunKilledWhileFillingTheCacheLeavesNothingThatIsLaterTrusted() throws Exception {
        byte[] noise = new byte[48 * 1024 * 1024];
        new Random(7).nextBytes(noise);   // incompressible: inflating it takes a while
        Files.createDirectories(fixture.dir().resolve("data"));
        Files.write(fixture.dir().resolve("data/provider.bin"), noise);
        Path tgz = mutatingPackage();
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");

        Process victim = engine.start("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env");
        Path tmp = packages().resolve("tmp");
        boolean building = false;
        for (int i = 0; i < 6000 && victim.isAlive() && !building; i++) {
            building = Files.isDirectory(tmp) && list(tmp).stream().anyMatch(p -> Files.exists(p.resolve("tree/data")));
            Thread.sleep(5);
        }
        victim.destroyForcibly();   // SIGKILL: no shutdown hook runs
        victim.waitFor();
        assertThat(building).as("the run was caught while building its cache entry").isTrue();
        Path entry = packages().resolve("entries").resolve(Digests.sha256(tgz));
        if (Files.exists(entry)) {
            // the kill landed after the atomic rename: then the entry must be complete
            assertThat(entry.resolve("entry.bin")).isRegularFile();
        }

        Engine.Result result = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(seen(result)).containsExactly("seen: original 700 gone.txt provider.bin state.txt tool.sh ");
        assertThat(entry.resolve("tree/data/provider.bin")).hasBinaryContent(noise);
        assertThat(list(tmp)).isEmpty();
    }

    @Test
    void aLentTreeGoesBackAfterEveryRunThatOnlyAddedToIt() throws Exception {
        mode(engine, "lend");
        Path tgz = pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");
        List<String[]> commands = List.of(
                new String[] {"profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env", "--debug"},
                new String[] {"profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env", "--debug"},
                new String[] {"profile", "status", "--tgz", tgz.toString(), "--env-file", "site.env", "--debug"});
        for (int run = 0; run < commands.size(); run++) {
            Engine.Result result = engine.run(commands.get(run));
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stderr()).as(result.toString())
                    .contains(run == 0 ? "added to the cache and lent" : "lent from the cache")
                    .contains("put back into the cache");
            // the state the installer wrote into the lent tree was persisted, then removed from the tree
            assertThat(stateDir.resolve("fixture-profile.runtime/generated/cluster.json")).isRegularFile();
        }
        Path tree = packages().resolve("entries").resolve(Digests.sha256(tgz)).resolve("tree");
        try (Stream<Path> all = Files.walk(tree)) {
            assertThat(all.map(p -> tree.relativize(p).toString())).noneMatch(p -> p.contains("generated") || p.contains("opentofu"));
        }
        assertNoTempLeft();
    }

    @Test
    void aProcessLeftRunningInTheTreeKeepsTheTreeOutOfTheCache() throws Exception {
        mode(engine, "lend");
        Path pidFile = home.resolve("daemon.pid");
        fixture.file("scripts/install.sh", SEES_STATE + """
                if [ -n "${FIXTURE_DAEMON_PID:-}" ]; then
                  (cd "$root/data" && exec sleep 600 </dev/null >/dev/null 2>&1) &
                  echo $! > "$FIXTURE_DAEMON_PID"
                fi
                """, true).file("data/state.txt", "original\n", false);
        Path tgz = pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");
        try {
            Engine.Result first = engine.env("FIXTURE_DAEMON_PID", pidFile.toString())
                    .run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env", "--debug");
            assertThat(first.exitCode()).as(first.toString()).isZero();
            long daemon = Long.parseLong(Files.readString(pidFile).trim());
            assertThat(first.stderr()).as(first.toString())
                    .contains("not put back into the cache: process " + daemon + ", started by this run, still uses it");
            assertThat(packages().resolve("entries").resolve(Digests.sha256(tgz))).doesNotExist();

            Engine.Result second = engine.unset("FIXTURE_DAEMON_PID")
                    .run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env", "--debug");
            assertThat(second.exitCode()).as(second.toString()).isZero();
            assertThat(seen(second)).containsExactly("seen: original");
            assertThat(second.stderr()).doesNotContain("lent from the cache").doesNotContain("and lent");   // copied from now on
        } finally {
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void aRunKilledWhileItsTreeIsLentCostsTheNextRunOnlyARebuild() throws Exception {
        mode(engine, "lend");
        Path started = home.resolve("installer.started");
        fixture.file("scripts/install.sh", SEES_STATE + """
                if [ -n "${FIXTURE_STARTED:-}" ]; then : > "$FIXTURE_STARTED"; exec sleep 600; fi
                """, true).file("data/state.txt", "original\n", false);
        Path tgz = pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");
        Path entry = packages().resolve("entries").resolve(Digests.sha256(tgz));

        Process victim = engine.env("FIXTURE_STARTED", started.toString())
                .start("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env");
        for (int i = 0; i < 3000 && !Files.exists(started); i++) {
            Thread.sleep(10);
        }
        assertThat(started).as("the installer ran with the tree lent").exists();
        assertThat(entry.resolve("lent")).isRegularFile();
        assertThat(entry.resolve("tree")).doesNotExist();
        victim.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        victim.destroyForcibly();   // SIGKILL: the tree is never given back
        victim.waitFor();

        for (int run = 0; run < 2; run++) {
            Engine.Result result = engine.unset("FIXTURE_STARTED")
                    .run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env", "--debug");
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(seen(result)).containsExactly("seen: original");
            assertThat(result.stderr()).contains(run == 0 ? "is lent to another run" : "lent from the cache")
                    .contains("put back into the cache");
        }
        assertThat(entry.resolve("tree/data/state.txt")).hasContent("original");
        assertThat(entry.resolve("lent")).doesNotExist();
        assertNoTempLeft();
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
