package io.productivek3s.infra.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one tree copier: what each kind of copy keeps, and that no link is ever followed (docs/architecture.md). */
class TreeCopierTest {
    @TempDir
    Path dir;

    private Path source;
    private Path outside;
    private final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "secret");
        source = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(source.resolve("b/inner"));
        Files.writeString(source.resolve("b/inner/f.txt"), "f");
        Files.writeString(source.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(source.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setLastModifiedTime(source.resolve("run.sh"), FileTime.fromMillis(1_000_000_000_000L));
        Files.writeString(source.resolve("a.env"), "A=1\n");
        Files.createSymbolicLink(source.resolve("inside"), Path.of("b/inner/f.txt"));
        Files.createSymbolicLink(source.resolve("escape"), outside);
    }

    private TreeCopier copier() {
        return new TreeCopier(warnings::add);
    }

    @Test
    void aStandardCopyIsPrivateKeepsLinksAsTheyAreAndMtimes() throws IOException {
        Path target = dir.resolve("out/copy");
        copier().copy(source, target, TreeCopier.Options.standard());
        assertThat(mode(target)).isEqualTo("rwx------");
        assertThat(mode(target.resolve("b/inner"))).isEqualTo("rwx------");
        assertThat(mode(target.resolve("run.sh"))).isEqualTo("rwx------");
        assertThat(mode(target.resolve("a.env"))).isEqualTo("rw-------");
        assertThat(Files.getLastModifiedTime(target.resolve("run.sh")).toMillis()).isEqualTo(1_000_000_000_000L);
        assertThat(Files.readSymbolicLink(target.resolve("escape"))).isEqualTo(outside);
        assertThat(Files.readSymbolicLink(target.resolve("inside"))).isEqualTo(Path.of("b/inner/f.txt"));
        assertThat(Files.getAttribute(target.resolve("a.env"), "unix:nlink")).isEqualTo(1);
    }

    @Test
    void keptModesIncludeFilterAndHardLinksAreTheCallersChoice() throws IOException {
        Path target = dir.resolve("kept");
        copier().copy(source, target, TreeCopier.Options.standard().modes(TreeCopier.Modes.KEEP)
                .include((rel, directory) -> !rel.endsWith(".env") && !rel.equals("b/inner"))
                .hardLink(rel -> rel.equals("run.sh")));
        assertThat(mode(target.resolve("run.sh"))).isEqualTo("rwxr-xr-x");
        assertThat(target.resolve("a.env")).doesNotExist();
        assertThat(target.resolve("b")).isDirectory();
        assertThat(target.resolve("b/inner")).doesNotExist();
        assertThat(Files.getAttribute(target.resolve("run.sh"), "unix:ino"))
                .isEqualTo(Files.getAttribute(source.resolve("run.sh"), "unix:ino"));
    }

    @Test
    void confinedLinksStayInsideAndKeepExternalPointsOutAbsolutely() throws IOException {
        Path confined = dir.resolve("confined");
        copier().copy(source, "", confined, TreeCopier.Links.CONFINED, p -> false);
        assertThat(Files.isSymbolicLink(confined.resolve("inside"))).isTrue();
        assertThat(confined.resolve("escape")).doesNotExist();
        assertThat(warnings).anyMatch(w -> w.contains("points outside"));
        Path external = dir.resolve("external");
        copier().copy(source, "", external, TreeCopier.Links.KEEP_EXTERNAL, p -> false);
        assertThat(Files.readSymbolicLink(external.resolve("escape"))).isEqualTo(outside.toRealPath());
    }

    @Test
    void theWatchSeesEveryPathInNameOrderAndALinkedRootIsNotFollowed() throws IOException {
        List<String> seen = new ArrayList<>();
        TreeCopier.walk(source, (rel, path, identity) -> seen.add(rel));
        assertThat(seen).containsExactly("", "a.env", "b", "b/inner", "b/inner/f.txt", "escape", "inside", "run.sh");

        Path linkedRoot = Files.createSymbolicLink(dir.resolve("linked"), outside);
        List<Integer> kinds = new ArrayList<>();
        Path target = dir.resolve("from-link");
        copier().copy(linkedRoot, target, TreeCopier.Options.standard()
                .watch((rel, path, identity) -> kinds.add(identity.mode() & 0170000)));
        assertThat(kinds).containsExactly(0120000);   // the link itself, never what it points at
        assertThat(Files.readSymbolicLink(target)).isEqualTo(outside);
        assertThat(target.resolve("secret")).hasContent("secret");   // through the copied link, not a copy
        assertThat(Files.isSymbolicLink(target)).isTrue();
    }

    @Test
    void nothingInAnExistingTargetIsOverwritten() throws IOException {
        Path target = Files.createDirectories(dir.resolve("existing"));
        Files.writeString(target.resolve("a.env"), "mine");
        assertThatThrownBy(() -> copier().copy(source, target, TreeCopier.Options.standard()))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(target.resolve("a.env")).hasContent("mine");
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
