package io.productivek3s.infra.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's private directory goes on close, and a link the run left in it is removed, never followed. */
class WorkspaceTest {
    @TempDir
    Path tmp;

    @Test
    void closingRemovesTheDirectoryButNothingALinkInItPointsAt() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path kept = Files.writeString(outside.resolve("kept"), "x");
        Workspace workspace = Workspace.create(Map.of("TMPDIR", tmp.resolve("runs").toString()));
        Path pkg = workspace.subdir("package");
        Files.writeString(pkg.resolve("f"), "x");
        Files.createSymbolicLink(pkg.resolve("link"), outside);
        Files.createSymbolicLink(workspace.dir().resolve("top"), outside);
        workspace.close();
        assertThat(workspace.dir()).doesNotExist();
        assertThat(kept).hasContent("x");
    }
}
