package io.productivek3s.infra.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's private directory: actions run before it goes, and it goes even when one of them fails. */
class WorkspaceTest {
    @TempDir
    Path tmp;

    @Test
    void actionsRunBeforeTheDirectoryIsRemovedInTheOrderGiven() throws Exception {
        Workspace workspace = Workspace.create(Map.of("TMPDIR", tmp.toString()));
        Path file = Files.writeString(workspace.subdir("package").resolve("f"), "x");
        List<String> seen = new ArrayList<>();
        workspace.beforeRemoval(() -> seen.add("first saw " + Files.exists(file)));
        workspace.beforeRemoval(() -> seen.add("second"));
        workspace.close();
        assertThat(seen).containsExactly("first saw true", "second");
        assertThat(workspace.dir()).doesNotExist();
    }

    @Test
    void aFailingActionStillLeavesNoDirectoryBehind() {
        Workspace workspace = Workspace.create(Map.of("TMPDIR", tmp.toString()));
        workspace.subdir("package");
        workspace.beforeRemoval(() -> {
            throw new IllegalStateException("boom");
        });
        assertThatThrownBy(workspace::close).hasMessage("boom");
        assertThat(workspace.dir()).doesNotExist();
    }
}
