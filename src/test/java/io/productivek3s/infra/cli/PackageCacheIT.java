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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The package cache seen from outside: runs reuse one verified extraction, yet every run gets a private copy that
 * its scenario may change at will; concurrent runs and a run killed while filling the cache leave it consistent; an
 * installer attacking its own tree or the cache entry (links in place of directories, planted links, mode, ACL and
 * xattr changes, a writer that outlives the run) touches nothing outside and is never seen by a later run
 * (docs/performance.md "Package cache").
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

    @Test
    void aScenarioChangingItsTreeNeverChangesWhatTheNextRunSees() throws Exception {
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

    @Test
    void twoConcurrentRunsOfOnePackageEachGetACorrectPrivateTree() throws Exception {
        Path tgz = mutatingPackage();
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");
        Engine other = Engine.fromRepo(home).prependPath(tools.bin())
                .env("PK3S_PROFILE_STATE_DIR", home.resolve("state-2").toString())
                .cwd(home.resolve("work"));
        CompletableFuture<Engine.Result> first = CompletableFuture.supplyAsync(
                () -> engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env"));
        CompletableFuture<Engine.Result> second = CompletableFuture.supplyAsync(
                () -> other.run("profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env"));
        for (Engine.Result result : List.of(first.get(), second.get())) {
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(seen(result)).containsExactly("seen: original 700 gone.txt state.txt tool.sh ");
        }
        assertThat(list(packages().resolve("entries")).stream().filter(Files::isDirectory).toList()).hasSize(1);
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

    /**
     * Attacks by an installer: on its own tree ({@code run-*}) or, through the cache directory it can find in its
     * home, on the cache entry itself ({@code entry-*}). {@code $OUTSIDE} is a directory no run may touch.
     */
    private static final String ATTACKER = SEES_STATE + """
            entry=$(ls -d "$HOME"/.cache/pk3s/packages/entries/*/tree 2>/dev/null | head -n 1 || true)
            acl() {  # a default ACL granting another user rwx: the directory's mode stays as it was
              python3 -c 'import os, struct, sys
            e = lambda tag, perm, uid=0xFFFFFFFF: struct.pack("<HHI", tag, perm, uid)
            os.setxattr(sys.argv[1], "system.posix_acl_default", struct.pack("<I", 2) + e(1, 7) + e(2, 7, os.getuid() + 1)
                        + e(4, 0) + e(0x10, 7) + e(0x20, 0))' "$1"
            }
            case "${FIXTURE_ATTACK:-}" in
              run-top-link) mv "$root" "$root.moved" && ln -s "$OUTSIDE" "$root" ;;
              run-link-inside) rm "$root/data/state.txt" && ln -s "$OUTSIDE/victim.txt" "$root/data/state.txt"
                               ln -s "$OUTSIDE" "$root/data/outside" ;;
              run-chmod) chmod 0777 "$root/data" "$root" ;;
              run-late-writer)
                (cd "$root/data" && for i in $(seq 1 100); do echo late >> state.txt 2>/dev/null; sleep 0.05; done) \
                  </dev/null >/dev/null 2>&1 &
                echo $! > "$FIXTURE_PID" ;;
              entry-top-link) rm -rf "$entry" && ln -s "$OUTSIDE" "$entry" ;;
              entry-link-inside) rm "$entry/data/state.txt" && ln -s "$OUTSIDE/victim.txt" "$entry/data/state.txt" ;;
              entry-chmod) chmod 0755 "$entry/data" ;;
              entry-acl) acl "$entry/data" ;;
              entry-xattr) python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.pk3s", b"x")' "$entry/data" ;;
              entry-late-writer)
                (cd "$entry/data" && for i in $(seq 1 100); do echo late >> state.txt 2>/dev/null; sleep 0.05; done) \
                  </dev/null >/dev/null 2>&1 &
                echo $! > "$FIXTURE_PID" ;;
            esac
            """;

    @ParameterizedTest
    @ValueSource(strings = {"run-top-link", "run-link-inside", "run-chmod", "run-late-writer", "entry-top-link",
        "entry-link-inside", "entry-chmod", "entry-acl", "entry-xattr", "entry-late-writer"})
    void anInstallerAttackingItsTreeOrTheCacheTouchesNothingOutsideAndIsNeverSeenAgain(String attack) throws Exception {
        Path outside = Files.createDirectories(home.resolve("outside"));
        Files.writeString(outside.resolve("victim.txt"), "victim\n");
        Files.createDirectories(outside.resolve("data"));
        Files.writeString(outside.resolve("data/state.txt"), "outside\n");
        Files.setPosixFilePermissions(outside, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path pidFile = home.resolve("writer.pid");
        fixture.file("scripts/install.sh", ATTACKER, true).file("data/state.txt", "original\n", false);
        Path tgz = pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.9\n");
        engine.env("OUTSIDE", outside.toString()).env("FIXTURE_PID", pidFile.toString());
        String[] install = {"profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env", "--debug"};
        try {
            Engine.Result first = engine.run(install);   // builds the entry; attacks the run's tree
            assertThat(first.exitCode()).as(first.toString()).isZero();
            Engine.Result attacked = engine.env("FIXTURE_ATTACK", attack).run(install);   // reuses the entry, attacks
            assertThat(attacked.exitCode()).as(attacked.toString()).isZero();
            assertThat(seen(attacked)).containsExactly("seen: original");

            for (int run = 0; run < 2; run++) {
                Engine.Result next = engine.unset("FIXTURE_ATTACK").run(install);
                assertThat(next.exitCode()).as(next.toString()).isZero();
                assertThat(seen(next)).as(next.toString()).containsExactly("seen: original");
                if (run == 0 && attack.startsWith("entry-") && !attack.equals("entry-late-writer")) {
                    assertThat(next.stderr()).contains("changed since it was built").contains("added to the cache");
                }
            }
            // nothing outside the cache was touched: contents, links and mode as they were
            assertThat(outside.resolve("victim.txt")).hasContent("victim");
            assertThat(outside.resolve("data/state.txt")).hasContent("outside");
            try (Stream<Path> all = Files.list(outside)) {
                assertThat(all.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("victim.txt", "data");
            }
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(outside)))
                    .isEqualTo("rwxr-xr-x");
            Path tree = packages().resolve("entries").resolve(Digests.sha256(tgz)).resolve("tree");
            assertThat(Files.isSymbolicLink(tree)).isFalse();
            assertNoTempLeft();
        } finally {
            if (Files.exists(pidFile)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
