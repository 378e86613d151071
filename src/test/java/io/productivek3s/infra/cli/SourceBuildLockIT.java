package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source checkout's build lock (docs/contract/invocation.md "Launcher": the launcher builds the engine on first
 * use, one launcher at a time): a lock left by a build that is gone is taken over at once, a live one is waited for
 * with one line saying so. The checkout is a copy of this one whose Maven is a fake that records its run and puts
 * the engine built by this build in place (Maven is outside the product; the launcher and the engine are real).
 */
class SourceBuildLockIT {
    private static final Path REPO = Path.of("").toAbsolutePath();

    @TempDir
    Path tmp;

    private Path checkout;
    private Path lock;
    private Engine engine;

    @BeforeEach
    void aCheckoutNotYetBuilt() throws IOException {
        checkout = tmp.resolve("checkout");
        Files.createDirectories(checkout.resolve("src/main"));
        Files.copy(REPO.resolve("pom.xml"), checkout.resolve("pom.xml"));
        Files.copy(REPO.resolve("productive-k3s-infra.sh"), checkout.resolve("productive-k3s-infra.sh"),
                StandardCopyOption.COPY_ATTRIBUTES);
        copyTree(REPO.resolve("scripts"), checkout.resolve("scripts"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\necho \"$@\" >> '" + tmp.resolve("mvn.log") + "'\n"
                + "mkdir -p '" + checkout.resolve("target/lib") + "' && cp '" + REPO.resolve("target/lib") + "'/*.jar '"
                + checkout.resolve("target/lib") + "'/\n");
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path home = Files.createDirectories(tmp.resolve("home"));
        engine = new Engine(checkout.resolve("productive-k3s-infra.sh"), home).prependPath(bin)
                .env("TELEMETRY_ENABLED", "false");
        lock = Files.createDirectories(checkout.resolve("target/.build-lock"));
    }

    @Test
    void aLockLeftByABuildThatIsGoneIsTakenOverAtOnce() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(lock.resolve("pid"), gone.pid() + "\n");

        Engine.Result version = engine.run("version");

        assertThat(version.exitCode()).as(version.toString()).isZero();
        assertThat(version.stderr()).contains("Taking over the engine build lock of a build that is gone (pid "
                + gone.pid() + ")").doesNotContain("Waiting");
        assertThat(tmp.resolve("mvn.log")).exists();
        assertThat(lock).doesNotExist();
    }

    @Test
    void aLiveBuildIsWaitedForAndSaidSo() throws Exception {
        Files.writeString(lock.resolve("pid"), ProcessHandle.current().pid() + "\n");
        Process waiting = engine.start("version");
        try {
            assertThat(waiting.waitFor(3, TimeUnit.SECONDS)).as("still waiting for the live build").isFalse();
            assertThat(tmp.resolve("mvn.log")).doesNotExist();
            deleteTree(lock); // the live build is done
            assertThat(waiting.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String stderr = new String(waiting.getErrorStream().readAllBytes());
            assertThat(waiting.exitValue()).as(stderr).isZero();
            assertThat(stderr).contains("Waiting for another launcher to build the engine (" + lock + ")")
                    .doesNotContain("Taking over");
            assertThat(tmp.resolve("mvn.log")).exists();
        } finally {
            waiting.destroyForcibly();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
