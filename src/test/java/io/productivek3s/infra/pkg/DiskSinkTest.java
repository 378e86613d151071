package io.productivek3s.infra.pkg;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesystem-level guard holds even if the model were wrong about a path. */
class DiskSinkTest {
    @TempDir
    Path sandbox;

    private static ArchiveModel.Member file(String path) {
        return new ArchiveModel.Member(path, ArchiveModel.MemberType.FILE, path, null, false);
    }

    @Test
    void refusesToWriteThroughASymlinkItDidNotExpect() throws IOException {
        Path root = Files.createDirectory(sandbox.resolve("root")).toRealPath();
        Path outside = Files.createDirectory(sandbox.resolve("outside"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        DiskSink sink = new DiskSink(root);

        assertThatThrownBy(() -> sink.openFile(file("link/pwned")))
                .isInstanceOf(EngineException.class)
                .hasMessage("profile package contains an unsafe entry: link/pwned");
        assertThatThrownBy(() -> sink.openFile(file("link")))
                .isInstanceOf(EngineException.class)
                .hasMessage("profile package contains an unsafe entry: link");
        assertThatThrownBy(() -> sink.directory(
                new ArchiveModel.Member("link/d/", ArchiveModel.MemberType.DIRECTORY, "link/d", null, false)))
                .isInstanceOf(EngineException.class);
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void hardLinkSourceMustBeARegularFileInside() throws IOException {
        Path root = Files.createDirectory(sandbox.resolve("root")).toRealPath();
        Path secret = Files.writeString(sandbox.resolve("secret"), "s");
        Files.createSymbolicLink(root.resolve("alias"), secret);
        DiskSink sink = new DiskSink(root);
        assertThatThrownBy(() -> sink.hardLink(
                new ArchiveModel.Member("copy", ArchiveModel.MemberType.HARDLINK, "copy", "alias", false)))
                .isInstanceOf(EngineException.class)
                .hasMessage("profile package contains an unsafe entry: copy");
        assertThat(root.resolve("copy")).doesNotExist();
    }
}
