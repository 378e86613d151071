package io.productivek3s.infra.state;

import io.productivek3s.infra.state.backends.StateBackends;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateLockTest {
    @TempDir
    Path tmp;

    Path stateDir;
    final List<String> warnings = new ArrayList<>();
    StateStore store;

    @BeforeEach
    void setUp() {
        stateDir = tmp.resolve("state");
        store = StateBackends.local(stateDir, 20, warnings::add, d -> { });
    }

    @Test
    void lockIsExclusiveAndReleasedOnClose() throws IOException {
        Path lockFile = stateDir.resolve("p1.lock");
        try (StateLock lock = store.lock("p1", TestLocks.NOW)) {
            assertThat(lock.name()).isEqualTo("p1");
            assertThat(LocalMirrorTest.mode(lockFile)).isEqualTo("rw-------");
            assertThat(LocalMirrorTest.mode(stateDir)).isEqualTo("rwx------");
            assertLocked(() -> store.lock("p1", TestLocks.NOW), "p1", lockFile, "; held by " + TestLocks.NOW.holder().describe());
            // A different profile is independent.
            store.lock("p2", TestLocks.NOW).close();
        }
        try (StateLock again = store.lock("p1", TestLocks.NOW)) {
            assertThat(again.name()).isEqualTo("p1");
        }
        assertThat(lockFile).exists();
    }

    @Test
    void closeIsIdempotent() throws IOException {
        StateLock lock = store.lock("p1", TestLocks.NOW);
        lock.close();
        StateLock second = store.lock("p1", TestLocks.NOW);
        lock.close(); // must not release the second holder
        assertLocked(() -> store.lock("p1", TestLocks.NOW), "p1", stateDir.resolve("p1.lock"), "; held by " + TestLocks.NOW.holder().describe());
        second.close();
    }

    @Test
    void aSecondStoreInTheSameJvmSeesTheLockAsHeld() throws Exception {
        StateStore other = StateBackends.local(stateDir, 20, warnings::add, d -> { });
        try (StateLock held = store.lock("p1", TestLocks.NOW)) {
            // From another thread, as a concurrent run inside one JVM would: OverlappingFileLockException → exit 4.
            CompletableFuture<Throwable> attempt = CompletableFuture.supplyAsync(() -> {
                try {
                    other.lock("p1", TestLocks.NOW).close();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertThat(attempt.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(EngineException.class)
                    .hasMessage("profile state for 'p1' is locked by another run: " + stateDir.resolve("p1.lock")
                            + "; held by " + TestLocks.NOW.holder().describe());
            assertThat(held.name()).isEqualTo("p1");
        }
    }

    @Test
    void staleLockFilesAreReused() throws IOException {
        Files.createDirectories(stateDir);
        Path lockFile = stateDir.resolve("p1.lock");
        Files.writeString(lockFile, "left by a crashed run");
        Object staleFile = Files.readAttributes(lockFile, BasicFileAttributes.class).fileKey();
        try (StateLock lock = store.lock("p1", TestLocks.NOW)) {
            // Nobody held the stale file, so the lock is taken at once, on that very file, and it is a real lock.
            assertThat(lock.name()).isEqualTo("p1");
            assertThat(Files.readAttributes(lockFile, BasicFileAttributes.class).fileKey()).isEqualTo(staleFile);
            assertThat(store.lockHolder("p1")).contains(TestLocks.NOW.holder());
            assertLocked(() -> store.lock("p1", TestLocks.NOW), "p1", lockFile,
                    "; held by " + TestLocks.NOW.holder().describe());
        }
        assertThat(store.lockHolder("p1")).isEmpty();
        assertThat(warnings).isEmpty();
    }

    @Test
    void aLockHeldByAnotherProcessIsExitFour() throws Exception {
        Files.createDirectories(stateDir);
        Path lockFile = stateDir.resolve("p1.lock");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path classes = Path.of(ForeignLockProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process child = new ProcessBuilder(java.toString(), "-cp", classes.toString(), ForeignLockProcess.class.getName(),
                lockFile.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");

            // A foreign holder that recorded nobody: the message names the lock file only.
            assertLocked(() -> store.lock("p1", TestLocks.NOW), "p1", lockFile, "");

            child.getOutputStream().close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            store.lock("p1", TestLocks.NOW).close();
        } finally {
            child.destroyForcibly();
        }
    }

    private static void assertLocked(LocalMirrorTest.ThrowingCall call, String name, Path lockFile,
            String heldBy) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(EngineException.INVALID))
                .hasMessage("profile state for '" + name + "' is locked by another run: " + lockFile + heldBy);
    }
}
