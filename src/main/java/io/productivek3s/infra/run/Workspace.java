package io.productivek3s.infra.run;

import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.ShutdownHooks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * One private (0700) temp directory per run under {@code $TMPDIR} (else {@code /tmp}) for the extracted package and
 * the normalized env file. Removed on close and, as a safety net, by a shutdown hook when the JVM is stopped by a
 * signal between children (docs/contract/package.md#safe-extraction, D13). A run killed outright (SIGKILL) cannot clean up: its directory is
 * named after its process, and the next run removes it once that process is gone ({@link DeadRunTemp}).
 */
public final class Workspace implements AutoCloseable {
    private final Path dir;
    private final Thread hook;

    private Workspace(Path dir) {
        this.dir = dir;
        this.hook = new Thread(() -> Files2.deleteQuietly(dir), "workspace-cleanup");
        ShutdownHooks.add(hook);
    }

    public static Workspace create(Map<String, String> env) {
        String tmp = env.getOrDefault("TMPDIR", "");
        Path base = Path.of(tmp.isEmpty() ? "/tmp" : tmp);
        try {
            Files2.createPrivateDirectories(base);
            Path dir = Files.createTempDirectory(base, DeadRunTemp.prefixForThisProcess(),
                    PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            Workspace workspace = new Workspace(dir);
            DeadRunTemp.sweep(dir);
            return workspace;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a private temp directory under " + base, e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** A fresh empty subdirectory, e.g. the extraction target. */
    public Path subdir(String name) {
        try {
            return Files2.createPrivateDirectories(dir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        // Links in it are removed, never followed (Files2.deleteRecursively): whatever a run left there.
        Files2.deleteQuietly(dir);
        try {
            ShutdownHooks.remove(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down: the hook runs anyway
        }
    }
}
