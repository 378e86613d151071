package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared file modes cannot be widened by a caller, and still work wherever a mode is expected. */
class Files2Test {
    @TempDir
    Path dir;

    @Test
    void sharedModesAreImmutable() {
        for (Set<PosixFilePermission> mode : List.of(Files2.DIR_PRIVATE, Files2.FILE_PRIVATE, Files2.FILE_PRIVATE_EXEC,
                Files2.FILE_PUBLIC, Files2.FILE_PUBLIC_EXEC)) {
            assertThatThrownBy(() -> mode.add(PosixFilePermission.OTHERS_WRITE)).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(mode::clear).isInstanceOf(UnsupportedOperationException.class);
        }
        assertThat(PosixFilePermissions.toString(Files2.DIR_PRIVATE)).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files2.FILE_PRIVATE)).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files2.FILE_PUBLIC)).isEqualTo("rw-r--r--");
    }

    @Test
    void immutableModesApplyToFilesAndNewDirectories() throws IOException {
        Path file = dir.resolve("f");
        Files2.writeAtomically(file, "x", Files2.FILE_PRIVATE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Path nested = Files2.createPrivateDirectories(dir.resolve("a/b"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(nested))).isEqualTo("rwx------");
        Path created = Files.createDirectory(dir.resolve("c"), PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(created))).isEqualTo("rwx------");
    }

    /** The exception-free probe answers as {@code Files.isRegularFile(f, NOFOLLOW_LINKS)} does, links included. */
    @Test
    void isRegularNoFollowIsIsRegularFileWithoutFollowingLinks() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path linkToFile = Files.createSymbolicLink(dir.resolve("link"), file);
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("nowhere"));
        for (Path p : List.of(file, sub, linkToFile, dangling, dir.resolve("absent"), dir.resolve("absent/below"))) {
            assertThat(Files2.isRegularNoFollow(p)).as("%s", p)
                    .isEqualTo(Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
        assertThat(Files2.isRegularNoFollow(file)).isTrue();
        assertThat(Files2.isRegularNoFollow(linkToFile)).as("a link to a file is no regular file").isFalse();
    }

    @Test
    void deleteRecursivelyRemovesATreeWithoutFollowingLinks() throws IOException {
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep.txt"), "keep");
        Path tree = dir.resolve("tree");
        for (int d = 0; d < 3; d++) {
            Path sub = Files.createDirectories(tree.resolve("d" + d + "/inner"));
            for (int f = 0; f < 5; f++) {
                Files.writeString(sub.resolve("f" + f), "x");
            }
        }
        Files.createSymbolicLink(tree.resolve("link-to-outside"), outside);
        Files.createSymbolicLink(tree.resolve("d0/inner/link-to-file"), outside.resolve("keep.txt"));
        Files.createSymbolicLink(tree.resolve("dangling"), dir.resolve("nowhere"));
        Files.createDirectories(tree.resolve("empty"));
        // read-only directories (an extracted 0500 tree) are emptied too
        Files.setPosixFilePermissions(tree.resolve("d1/inner"), PosixFilePermissions.fromString("r-x------"));
        Files.setPosixFilePermissions(tree.resolve("d2"), PosixFilePermissions.fromString("r-x------"));

        Files2.deleteRecursively(tree);

        assertThat(tree).doesNotExist();
        assertThat(outside.resolve("keep.txt")).hasContent("keep");
        Files2.deleteRecursively(tree);   // missing: nothing to do
    }

    @Test
    void deleteRecursivelyRemovesASingleFileOrLink() throws IOException {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        Files2.deleteRecursively(link);
        assertThat(link).doesNotExist();
        assertThat(file).exists();
        Files2.deleteRecursively(file);
        assertThat(file).doesNotExist();
    }

    /** Below its root, a directory is created or used only as a real directory: a link in the way is never followed. */
    @Test
    void createPrivateDirectoriesBelowNeverFollowsALinkBelowTheRoot() throws IOException {
        Path real = Files.createDirectories(dir.resolve("disk/state"));
        Path root = Files.createSymbolicLink(dir.resolve("state"), real); // the root itself may be reached by a link
        Path made = Files2.createPrivateDirectoriesBelow(root, root.resolve("a/b"));
        assertThat(made).isEqualTo(root.resolve("a/b"));
        assertThat(real.resolve("a/b")).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real.resolve("a")))).isEqualTo("rwx------");
        assertThat(Files2.createPrivateDirectoriesBelow(root, root)).isEqualTo(root);

        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createSymbolicLink(real.resolve("a/link"), outside);
        assertThatThrownBy(() -> Files2.createPrivateDirectoriesBelow(root, root.resolve("a/link/c")))
                .isInstanceOf(java.nio.file.NotDirectoryException.class).hasMessage(root.resolve("a/link").toString());
        Files.createSymbolicLink(real.resolve("a/dangling"), dir.resolve("nowhere"));
        assertThatThrownBy(() -> Files2.createPrivateDirectoriesBelow(root, root.resolve("a/dangling")))
                .isInstanceOf(java.nio.file.NotDirectoryException.class);
        assertThat(outside).isEmptyDirectory();
        assertThat(dir.resolve("nowhere")).doesNotExist();

        Files.writeString(real.resolve("a/file"), "x");
        assertThatThrownBy(() -> Files2.createPrivateDirectoriesBelow(root, root.resolve("a/file/c")))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThatThrownBy(() -> Files2.createPrivateDirectoriesBelow(root, dir.resolve("elsewhere")))
                .isInstanceOf(IllegalArgumentException.class);
    }
    /** Names lists what a directory stream lists, and a missing path or a file is refused as no directory. */
    @Test
    void namesListsADirectoryAndRefusesWhatIsNotOne(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.json"), "x");
        Files.createDirectory(dir.resolve("b.runtime"));
        Files.createSymbolicLink(dir.resolve("c"), dir.resolve("gone"));
        assertThat(Files2.names(dir)).containsExactlyInAnyOrder("a.json", "b.runtime", "c");
        assertThatThrownBy(() -> Files2.names(dir.resolve("a.json")))
                .isInstanceOf(java.nio.file.NotDirectoryException.class).hasMessageContaining("a.json");
        assertThatThrownBy(() -> Files2.names(dir.resolve("missing")))
                .isInstanceOf(java.nio.file.NotDirectoryException.class).hasMessageContaining("missing");
    }
}
