package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ShutdownHooks#end} in a child JVM: a pending hook still runs; without one the code still comes out. */
class ShutdownHooksTest {
    @TempDir
    Path dir;

    /** The child: registers a hook that writes a file (keep), removes it (remove) or re-adds it (re-add), ends with 7. */
    public static final class Probe {
        public static void main(String[] args) {
            Path marker = Path.of(args[0]);
            Thread hook = new Thread(() -> {
                try {
                    Files.writeString(marker, "ran");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            ShutdownHooks.add(hook);
            if (!args[1].equals("keep")) {
                ShutdownHooks.remove(hook);
                ShutdownHooks.remove(hook);   // false: not registered any more, and must not be counted again
            }
            if (args[1].equals("re-add")) {
                ShutdownHooks.add(hook);      // pending again: a miscount would halt and skip it
            }
            ShutdownHooks.end(7);
        }
    }

    @Test
    void aPendingHookRunsBeforeTheProcessEnds() throws Exception {
        Path marker = dir.resolve("marker");
        assertThat(runProbe(marker, "keep")).isEqualTo(7);
        assertThat(marker).hasContent("ran");
    }

    @Test
    void withNoHookPendingTheProcessHaltsWithTheSameCode() throws Exception {
        Path marker = dir.resolve("marker");
        assertThat(runProbe(marker, "remove")).isEqualTo(7);
        assertThat(marker).doesNotExist();
    }

    @Test
    void aHookRemovedTwiceAndAddedAgainStillRuns() throws Exception {
        Path marker = dir.resolve("marker");
        assertThat(runProbe(marker, "re-add")).isEqualTo(7);
        assertThat(marker).hasContent("ran");
    }

    private static int runProbe(Path marker, String mode) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                Probe.class.getName(), marker.toString(), mode)).inheritIO().start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return process.exitValue();
    }
}
