package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.Repo;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exported bundle of the committed example, moved to a "machine" without this repository (own directory, HOME
 * and PATH), installs, reports status and is destroyed with its embedded engine and real GNU make (docs/export.md#release-identity).
 */
class ExportedBundleIT {
    private static final String SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin";

    @TempDir
    Path root;

    private Path bundle;
    private Path machineHome;

    @BeforeEach
    void exportTheExample() throws IOException {
        Path exporterWork = Files.createDirectories(root.resolve("exporter/work"));
        Files.copy(Repo.root().resolve("examples/local-demo.tgz"), exporterWork.resolve("local-demo.tgz"));
        Files.copy(Repo.root().resolve("examples/local-demo/site.env.example"), exporterWork.resolve("site.env"));
        Engine exporter = Engine.fromRepo(root.resolve("exporter")).cwd(exporterWork);
        Engine.Result exported = exporter.run("profile", "export", "--tgz", "local-demo.tgz", "--env-file", "site.env", "--output", "bundle");
        assertThat(exported.exitCode()).as(exported.toString()).isZero();

        bundle = copyTree(exporterWork.resolve("bundle"), root.resolve("machine/opt/local-demo-installer"));
        machineHome = Files.createDirectories(root.resolve("machine/home"));
    }

    private Engine onMachine(Path program) {
        return new Engine(program, machineHome).env("PATH", SYSTEM_PATH).cwd(bundle);
    }

    @Test
    void bundleInstallsOperatesAndDestroysWithoutTheRepository() throws IOException {
        String repo = Repo.root().toString();
        for (Path file : textFiles(bundle)) {
            assertThat(Files.readString(file)).as(file.toString()).doesNotContain(repo);
        }
        Path state = machineHome.resolve(".cache/pk3s/profiles");

        Engine.Result install = onMachine(bundle.resolve("install.sh")).run();
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.stdout()).contains("[pk3s-infra] INFO  Executing packaged profile installer: scripts/install.sh",
                "local-demo: hello from demo; cluster 'demo' at site 'my-laptop' with 3 node(s), state serial 1",
                "[pk3s-infra] INFO  Persisted profile state: " + state.resolve("local-demo.json"));
        assertThat(install.stderr()).doesNotContain("ERROR");
        assertThat(Files.readString(state.resolve("local-demo.json"))).contains("\"site\": \"my-laptop\"");

        Engine launcher = onMachine(bundle.resolve("productive-k3s-infra.sh"));
        Engine.Result status = launcher.run("profile", "status", "--tgz", "./profile.tgz", "--env-file", "./override.env");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("local-demo: cluster 'demo' is up (state serial 1)");

        // through a symlink, from another directory: user arguments come last and win, relative to the caller
        Path elsewhere = Files.createDirectories(root.resolve("machine/elsewhere"));
        Files.writeString(elsewhere.resolve("my-site.env"), "DEMO_SITE=branch-office\nDEMO_NODE_COUNT=2\n");
        Files.createSymbolicLink(elsewhere.resolve("install-demo"), bundle.resolve("install.sh"));
        Engine.Result again = onMachine(elsewhere.resolve("install-demo")).cwd(elsewhere).run("--env-file", "my-site.env");
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.stdout()).contains("cluster 'demo' at site 'branch-office' with 2 node(s), state serial 2");
        assertThat(names(elsewhere)).containsExactlyInAnyOrder("install-demo", "my-site.env");

        Engine.Result dryRun = onMachine(bundle.resolve("install.sh")).run("--dry-run");
        assertThat(dryRun.exitCode()).as(dryRun.toString()).isZero();
        assertThat(dryRun.stdout()).contains("[pk3s-infra] INFO  Dry-run requested; switching install to plan");

        Engine.Result destroy = launcher.run("profile", "destroy", "--tgz", "./profile.tgz", "--env-file", "./override.env");
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        assertThat(destroy.stdout()).contains("local-demo: destroyed",
                "[pk3s-infra] INFO  Removed profile state: " + state.resolve("local-demo.json"));
        assertThat(state.resolve("local-demo.json")).doesNotExist();

        Engine.Result gone = launcher.run("profile", "status", "--tgz", "./profile.tgz", "--env-file", "./override.env");
        assertThat(gone.exitCode()).as(gone.toString()).isNotZero();
        assertThat(gone.stderr()).contains("local-demo: not installed");
    }

    @Test
    void installWithoutJavaExits5AndSaysWhatIsMissing() throws IOException {
        Path bin = Files.createDirectories(root.resolve("machine/bin-without-java"));
        for (String tool : List.of("bash", "dirname", "readlink")) {
            Path real = Path.of("/usr/bin", tool);
            Files.createSymbolicLink(bin.resolve(tool), Files.exists(real) ? real : Path.of("/bin", tool));
        }
        Engine.Result result = onMachine(bundle.resolve("install.sh")).env("PATH", bin.toString()).unset("JAVA_HOME").run();
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(5);
        assertThat(result.stderrLines()).containsExactly("[pk3s-infra] ERROR missing dependency: java (this bundle runs the embedded "
                + "Productive K3S Infra engine, which needs Java 17 or newer: install a Java 17+ runtime and put it on PATH, or set JAVA_HOME)");
        assertThat(result.stdout()).isEmpty();
        assertThat(machineHome.resolve(".cache")).doesNotExist();

        // the bundle's launcher itself keeps the contract's exact message
        Engine.Result launcher = onMachine(bundle.resolve("productive-k3s-infra.sh")).env("PATH", bin.toString()).unset("JAVA_HOME").run("version");
        assertThat(launcher.exitCode()).isEqualTo(5);
        assertThat(launcher.stderrLines()).containsExactly("[pk3s-infra] ERROR missing dependency: java");
    }

    @Test
    void bundleReExportsItselfWithTheSameReleaseIdentity() throws IOException {
        Engine.Result result = onMachine(bundle.resolve("productive-k3s-infra.sh"))
                .run("profile", "export", "--tgz", "./profile.tgz", "--env-file", "./override.env", "--output", "../copy");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        Path copy = bundle.resolveSibling("copy");
        for (String same : List.of("profile.tgz", "override.env", "scripts/release.env", "LICENSE", "productive-k3s-infra.sh",
                "lib/productive-k3s-infra.jar")) {
            assertThat(copy.resolve(same)).as(same).hasSameBinaryContentAs(bundle.resolve(same));
        }
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                Files.copy(file, target);
                Files.setPosixFilePermissions(target, Files.getPosixFilePermissions(file));
                return FileVisitResult.CONTINUE;
            }
        });
        return to;
    }

    private static List<Path> textFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.toString().endsWith(".jar") && !p.toString().endsWith(".tgz"))
                    .toList();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }
}
