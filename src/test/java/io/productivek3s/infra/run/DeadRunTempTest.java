package io.productivek3s.infra.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Temp dirs of killed runs are removed by a later run, and nothing else is. */
class DeadRunTempTest {
    @TempDir
    Path tmp;

    @Test
    void aLaterRunRemovesOnlyTheTempDirsOfDeadRuns() throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        long deadPid = finished.pid();
        long myPid = ProcessHandle.current().pid();
        long myStart = ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();

        Path dead = dir("pk3s-infra-" + deadPid + "-1700000000000-123");
        Files.writeString(Files.createDirectories(dead.resolve("package/scripts")).resolve("secret.env"), "TOKEN=x\n");
        Path reusedPid = dir("pk3s-infra-" + myPid + "-" + (myStart - 60_000) + "-456");
        Path alive = dir("pk3s-infra-" + myPid + "-" + myStart + "-789");
        Path oldStyle = dir("pk3s-infra-8731462871");
        Path foreign = dir("other-" + deadPid + "-1-1");
        Path outside = Files.createDirectories(tmp.getParent().resolve(tmp.getFileName() + "-outside"));
        Path link = Files.createSymbolicLink(tmp.resolve("pk3s-infra-" + deadPid + "-1-link"), outside);
        Path file = Files.writeString(tmp.resolve("pk3s-infra-" + deadPid + "-1-file"), "x");

        Workspace workspace = Workspace.create(Map.of("TMPDIR", tmp.toString()));
        try {
            assertThat(dead).doesNotExist();
            assertThat(reusedPid).doesNotExist();
            assertThat(alive).isDirectory();
            assertThat(oldStyle).isDirectory();
            assertThat(foreign).isDirectory();
            assertThat(link).isSymbolicLink();
            assertThat(outside).isDirectory();
            assertThat(file).isRegularFile();
            assertThat(workspace.dir().getFileName().toString()).startsWith("pk3s-infra-" + myPid + "-" + myStart + "-");
        } finally {
            workspace.close();
            Files.deleteIfExists(outside);
        }
        assertThat(workspace.dir()).doesNotExist();
    }

    private Path dir(String name) throws Exception {
        return Files.createDirectories(tmp.resolve(name));
    }
}
