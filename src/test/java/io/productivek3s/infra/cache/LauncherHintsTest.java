package io.productivek3s.infra.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.fs.FileIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state lines of {@code <cache root>/launcher-hints} (docs/performance.md "Small encrypted pulls on C1"): one
 * line per name, newest last, {@code small} strictly under 16 MiB; beside the package lines, never through a link,
 * best effort. The package lines are pinned by {@code PackageCacheTest}.
 */
class LauncherHintsTest {
    @TempDir
    Path sandbox;

    @Test
    void aStateMoveIsSmallStrictlyUnderSixteenMebibytes() throws IOException {
        Path root = sandbox.resolve("cache/pk3s");
        LauncherHints hints = new LauncherHints(root);
        hints.noteStateMove("site-a", LauncherHints.SMALL_STATE_BYTES - 1);
        assertThat(lines(root)).containsExactly("state:site-a small");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).as("created private")
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("launcher-hints"))))
                .isEqualTo("rw-------");
        hints.noteStateMove("site-a", LauncherHints.SMALL_STATE_BYTES);
        assertThat(lines(root)).containsExactly("state:site-a big");
        assertThat(LauncherHints.SMALL_STATE_BYTES).isEqualTo(16L << 20);
    }

    @Test
    void oneLinePerNameNewestLastBesideThePackageLines() throws IOException {
        LauncherHints hints = new LauncherHints(sandbox);
        hints.noteStateMove("a", 1);
        hints.note(new FileIdentity(1, 2, 3, 4_000_000_000L, 5_000_000_000L, 0100600), LauncherHints.Hint.TREE);
        hints.noteStateMove("b", 1);
        hints.noteStateMove("a", 1L << 30);
        assertThat(lines(sandbox)).containsExactly("1.2.3.4.5 tree", "state:b small", "state:a big");
    }

    @Test
    void aRepeatWritesNothing() throws IOException {
        LauncherHints hints = new LauncherHints(sandbox);
        hints.noteStateMove("a", 10);
        Path file = sandbox.resolve("launcher-hints");
        FileIdentity before = FileIdentity.read(file);
        hints.noteStateMove("a", 20);
        assertThat(FileIdentity.read(file)).isEqualTo(before);
        hints.noteStateMove("a", 1L << 24);
        assertThat(FileIdentity.read(file).inode()).as("rewritten by a rename").isNotEqualTo(before.inode());
    }

    @Test
    void aLinkInPlaceOfTheFileIsNeitherReadNorWrittenThrough() throws IOException {
        Path elsewhere = Files.writeString(sandbox.resolve("elsewhere"), "state:a small\nstate:b small\n");
        Path file = sandbox.resolve("root/launcher-hints");
        Files.createDirectories(file.getParent());
        Files.createSymbolicLink(file, elsewhere);
        new LauncherHints(file.getParent()).noteStateMove("a", 1L << 30);
        assertThat(elsewhere).hasContent("state:a small\nstate:b small\n");
        assertThat(Files.isSymbolicLink(file)).isFalse();
        assertThat(lines(file.getParent())).containsExactly("state:a big");
    }

    @Test
    void anUnwritableRootCostsOnlyTheHint() throws IOException {
        Path notADirectory = Files.writeString(sandbox.resolve("file"), "x");
        new LauncherHints(notADirectory).noteStateMove("a", 1);   // no exception
        assertThat(notADirectory).hasContent("x");
    }

    @Test
    void theNewestSixtyFourLinesAreKept() throws IOException {
        LauncherHints hints = new LauncherHints(sandbox);
        for (int i = 0; i < 70; i++) {
            hints.noteStateMove("n" + i, i);
        }
        assertThat(lines(sandbox)).hasSize(64).startsWith("state:n6 small").endsWith("state:n69 small");
    }

    private static java.util.List<String> lines(Path root) throws IOException {
        return Files.readAllLines(root.resolve("launcher-hints"));
    }
}
