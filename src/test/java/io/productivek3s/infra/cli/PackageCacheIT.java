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

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
