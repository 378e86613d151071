package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shared locks (readers of the object store) against exclusive ones (its GC), in this JVM and across processes. */
class FileLocksTest {
    @TempDir
    Path tmp;

    @Test
    void sharedHoldsCoexistAndKeepTheExclusiveLockOutUntilTheLastOneGoes() throws Exception {
        Path file = tmp.resolve("objects.lock");
        FileLocks.Held first = FileLocks.lockShared(file);
        FileLocks.Held second = FileLocks.lockShared(file);
        assertThat(FileLocks.tryLock(file)).isEmpty();
        first.close();
        assertThat(FileLocks.tryLock(file)).as("one reader is still there").isEmpty();
        second.close();
        second.close(); // repeatable
        try (FileLocks.Held exclusive = FileLocks.tryLock(file).orElseThrow()) {
            CompletableFuture<FileLocks.Held> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return FileLocks.lockShared(file);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(200);
            assertThat(reader).as("a reader waits for the exclusive holder").isNotDone();
            exclusive.close();
            reader.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void aReaderWaitsForAnExclusiveHolderInAnotherProcess() throws Exception {
        Path file = tmp.resolve("objects.lock");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path classes = Path.of(ForeignLockProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process child = new ProcessBuilder(java.toString(), "-cp", classes.toString(), ForeignLockProcess.class.getName(),
                file.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("locked");
            CompletableFuture<FileLocks.Held> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return FileLocks.lockShared(file);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(300);
            assertThat(reader).isNotDone();
            child.getOutputStream().close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.get(10, TimeUnit.SECONDS).close();
        } finally {
            child.destroyForcibly();
        }
    }
}
