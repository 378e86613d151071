package io.productivek3s.infra.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes left behind, found (or not) through /proc. */
class LingeringProcessesTest {
    @TempDir
    Path sandbox;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process process : started) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process start(Path cwd, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(cwd.toFile()).start();
        started.add(process);
        Thread.sleep(200);   // past the exec and the redirections of the shell
        return process;
    }

    private static String user(Process process) {
        return "process " + process.pid() + ", started by this run, still uses it";
    }

    @Test
    void aMissingDirectoryCannotBeToldAndCountsAsInUse() {
        assertThat(LingeringProcesses.using(sandbox.resolve("gone"))).hasValueSatisfying(
                why -> assertThat(why).startsWith("cannot tell whether a process started by this run still uses it"));
    }

    @Test
    void aProcessWorkingInsideTheTreeIsFoundAndNoLongerOnceItIsGone() throws Exception {
        Path tree = Files.createDirectories(sandbox.resolve("tree/scenario"));
        assertThat(LingeringProcesses.supported()).isTrue();
        assertThat(LingeringProcesses.using(sandbox.resolve("tree"))).isEmpty();

        Process daemon = start(tree, "sleep", "30");
        assertThat(LingeringProcesses.using(sandbox.resolve("tree"))).contains(user(daemon));
        daemon.destroyForcibly().waitFor();
        assertThat(LingeringProcesses.using(sandbox.resolve("tree"))).isEmpty();
    }

    @Test
    void anOpenFileOrAMappingInsideTheTreeCountsAndAProcessElsewhereDoesNot() throws Exception {
        Path tree = Files.createDirectories(sandbox.resolve("tree"));
        Path file = Files.writeString(tree.resolve("state.txt"), "x");
        Path elsewhere = Files.createDirectories(sandbox.resolve("elsewhere"));
        start(elsewhere, "sleep", "30");
        assertThat(LingeringProcesses.using(tree)).isEmpty();

        Process holder = start(elsewhere, "sh", "-c", "exec 3<'" + file + "'; exec sleep 30");
        assertThat(LingeringProcesses.using(tree)).contains(user(holder));
        holder.destroyForcibly().waitFor();

        Path copy = Files.copy(Path.of("/bin/sleep"), tree.resolve("sleep"));
        copy.toFile().setExecutable(true);
        Process mapped = start(elsewhere, copy.toString(), "30");   // its binary is mapped from the tree
        assertThat(LingeringProcesses.using(tree)).contains(user(mapped));
    }

    @Test
    void aCommandNameWithSpacesAndParenthesesIsParsed() throws Exception {
        Path odd = sandbox.resolve("sl (x) y");
        Files.copy(Path.of("/bin/sleep"), odd).toFile().setExecutable(true);
        Process process = start(sandbox, odd.toString(), "30");
        long self = LingeringProcesses.startTicks(Path.of("/proc/self"));
        assertThat(LingeringProcesses.startTicks(Path.of("/proc/" + process.pid()))).isGreaterThanOrEqualTo(self);
    }
}
