package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.testing.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Black-box, local backend (#17, docs/state.md "Local backend", links inside the history): a symbolic link planted
 * where the history keeps a directory redirects nothing. The run that finds it fails with exit 4 and one line naming
 * the link, writes nothing through it (the directory it points to, which holds the real history moved aside, is
 * unchanged to the byte), keeps its state as an errored copy (never lost), and leaves the mirror {@code pk3s} reads
 * as the last committed run wrote it; once the link is replaced by the real directory, {@code state push} commits
 * the kept state.
 */
class StateHistoryLinksIT extends PackageTestBase {
    private static final String NAME = UncommittedStateIT.NAME;

    private Path tgz;
    private Path site;

    @BeforeEach
    void installedOnce() throws IOException {
        fixture.file("scripts/install.sh", UncommittedStateIT.INSTALLER, true);
        engine.env("TELEMETRY_ENABLED", "false");
        tgz = pack();
        site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result first = engine.env("RUN_TAG", "one").run(install());
        assertThat(first.exitCode()).as(first.toString()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {".history/revisions/" + NAME, ".history/objects", ".history", ".history/mirror"})
    void aLinkInsideTheHistoryIsRefusedAndTheRunsStateIsKept(String where) throws Exception {
        Path real = stateDir.resolve(where);
        Path outside = home.resolve("elsewhere");
        Files.move(real, outside); // the link leads to a real history directory: the most tempting one to write to
        Files.createSymbolicLink(real, outside);
        String before = TreeManifest.scan(outside, TreeManifest.KnownDigests.NONE).digest();

        Engine.Result failed = engine.env("RUN_TAG", "two").run(install());

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(4);
        Path kept = UncommittedStateIT.keptCopy(failed);
        assertThat(failed.stderrLines()).filteredOn(l -> l.contains("ERROR")).singleElement().isEqualTo(
                "[pk3s-infra] ERROR refusing to write profile state through " + real + ": it is a symbolic link (to "
                        + outside + "), and the engine never follows links inside its state directory: move it away"
                        + " and run the command again; this run's state was not committed and is kept in " + kept
                        + ": once that is fixed, run 'state push " + NAME + " --from " + kept + "'");
        assertThat(failed.stdout() + failed.stderr()).doesNotContain("\tat ");
        assertThat(TreeManifest.scan(outside, TreeManifest.KnownDigests.NONE).digest())
                .as("nothing was written or deleted through the link").isEqualTo(before);
        assertThat(kept.resolve(NAME + ".runtime/generated/tag")).hasContent("two");
        assertThat(kept.resolve(NAME + ".runtime/opentofu/terraform.tfstate")).content().contains("\"tag\": \"two\"");
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).as("the mirror keeps the committed run")
                .hasContent("one");

        Files.delete(real);
        Files.move(outside, real);
        Engine.Result pushed = engine.run("state", "push", NAME, "--from", kept.toString());
        assertThat(pushed.exitCode()).as(pushed.toString()).isZero();
        assertThat(pushed.stdout()).isEqualTo("Pushed the state in " + kept + " to '" + NAME + "' as revision 2;"
                + " removed that errored copy\n");
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("two");
        Engine.Result pulled = engine.run("state", "pull", NAME, "--revision", "1", "--output", "one");
        assertThat(pulled.exitCode()).as("revision 1 is intact: " + pulled).isZero();
        assertThat(home.resolve("work/one/" + NAME + ".runtime/generated/tag")).hasContent("one");
    }

    /**
     * A status that changes nothing writes no revision, so the driver is never asked: the mirror's own bookkeeping
     * (its digest memo and clock in {@code .history/mirror}) must refuse the link by itself.
     */
    @org.junit.jupiter.api.Test
    void aLinkForTheMirrorsBookkeepingIsRefusedByAStatusThatChangesNothing() throws Exception {
        Path real = stateDir.resolve(".history/mirror");
        Path outside = home.resolve("elsewhere");
        Files.move(real, outside);
        Files.createSymbolicLink(real, outside);
        String before = TreeManifest.scan(outside, TreeManifest.KnownDigests.NONE).digest();

        Engine.Result status = engine.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString(),
                "--dry-run");

        assertThat(status.exitCode()).as(status.toString()).isEqualTo(4);
        assertThat(status.stderrLines()).filteredOn(l -> l.contains("ERROR")).singleElement().asString().startsWith(
                "[pk3s-infra] ERROR refusing to write profile state through " + real + ": it is a symbolic link (to "
                        + outside + ")");
        assertThat(TreeManifest.scan(outside, TreeManifest.KnownDigests.NONE).digest())
                .as("nothing was written through the link").isEqualTo(before);
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("one");
    }

    /** The lock's holder record ({@code .locks}) is written before the run starts: a link there stops it at once. */
    @org.junit.jupiter.api.Test
    void aLinkForTheLocksIsRefusedBeforeTheRunStarts() throws Exception {
        Path real = stateDir.resolve(".locks");
        Path outside = Files.createDirectories(home.resolve("elsewhere"));
        replaceWithLink(real, outside);

        Engine.Result failed = engine.env("RUN_TAG", "two").run(install());

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(4);
        assertThat(failed.stderrLines()).filteredOn(l -> l.contains("ERROR")).singleElement().isEqualTo(
                "[pk3s-infra] ERROR refusing to write profile state through " + real + ": it is a symbolic link (to "
                        + outside + "), and the engine never follows links inside its state directory: move it away"
                        + " and run the command again");
        try (var entries = Files.list(outside)) {
            assertThat(entries).as("nothing was written through the link").isEmpty();
        }
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("one");
    }

    /**
     * A run that cannot commit keeps its state; when {@code .errored} itself is a link, refusing would lose that
     * state, so the copy goes to a new private {@code .errored-<random>} directory beside it, which the ERROR line names.
     */
    @org.junit.jupiter.api.Test
    void aLinkForTheErroredCopiesSendsTheCopyToANewPrivateDirectory() throws Exception {
        Path objects = stateDir.resolve(".history/objects");
        Path movedObjects = home.resolve("objects-aside");
        Files.move(objects, movedObjects);
        Files.createSymbolicLink(objects, movedObjects); // makes the commit fail after the installer ran
        Path errored = stateDir.resolve(".errored");
        Path outside = Files.createDirectories(home.resolve("elsewhere"));
        replaceWithLink(errored, outside);

        Engine.Result failed = engine.env("RUN_TAG", "two").run(install());

        assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(4);
        Path kept = UncommittedStateIT.keptCopy(failed);
        assertThat(kept.getParent().getParent().getFileName().toString()).startsWith(".errored-");
        assertThat(kept.getParent().getParent().getParent()).isEqualTo(stateDir);
        assertThat(Files.getPosixFilePermissions(kept.getParent().getParent()))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        assertThat(kept.resolve(NAME + ".runtime/generated/tag")).hasContent("two");
        try (var entries = Files.list(outside)) {
            assertThat(entries).as("nothing was written through the link").isEmpty();
        }

        Files.delete(objects);
        Files.move(movedObjects, objects);
        Engine.Result pushed = engine.run("state", "push", NAME, "--from", kept.toString());
        assertThat(pushed.exitCode()).as(pushed.toString()).isZero();
        assertThat(stateDir.resolve(NAME + ".runtime/generated/tag")).hasContent("two");
    }

    /** Set-up: {@code path} (an engine directory, or nothing yet) becomes a link to {@code target}. */
    private static void replaceWithLink(Path path, Path target) throws IOException {
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            io.productivek3s.infra.util.Files2.deleteRecursively(path);
        }
        Files.createSymbolicLink(path, target);
    }

    private String[] install() {
        return List.of("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString())
                .toArray(String[]::new);
    }
}
