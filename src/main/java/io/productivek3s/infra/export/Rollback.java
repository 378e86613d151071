package io.productivek3s.infra.export;

import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.ShutdownHooks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Undo log of one publication. Until {@link #commit()} (or a publishing move) succeeds, closing it, or a signal that
 * stops the JVM, deletes what was created and puts a moved-aside old output back; temporaries are always deleted.
 * The moves that change what the output path holds run under the same lock as the undo, so a signal never sees
 * half of a swap.
 */
final class Rollback implements AutoCloseable {
    private final List<Path> temporaries = new ArrayList<>();
    private final List<Path> created = new ArrayList<>();
    private final Thread hook = new Thread(this::finish, "export-rollback");
    private Path original;
    private Path aside;
    private boolean committed;
    private boolean finished;

    Rollback() {
        ShutdownHooks.add(hook);
    }

    /** Deleted when the publication ends, whatever the outcome (staging trees, temp files). */
    synchronized Path temporary(Path path) {
        temporaries.add(path);
        return path;
    }

    /** Moves {@code source} to {@code target}, which is deleted again unless the publication commits. */
    synchronized void moveIn(Path source, Path target) throws IOException {
        Files.move(source, target);
        created.add(target);
    }

    /** Moves the current output out of the way; it comes back unless the publication commits. */
    synchronized void moveAside(Path target, Path asideTarget) throws IOException {
        Files.move(target, asideTarget);
        original = target;
        aside = asideTarget;
    }

    /** The final rename: {@code source} becomes {@code target} and the publication is committed. */
    synchronized void publish(Path source, Path target, boolean replace) throws IOException {
        if (replace) {
            Files2.moveAtomically(source, target);
        } else {
            Files.move(source, target);
        }
        committed = true;
    }

    synchronized void commit() {
        committed = true;
    }

    /** The old output that was moved aside, if its deletion after commit failed (null otherwise). */
    synchronized Path leftover() {
        return aside != null && Files.exists(aside, LinkOption.NOFOLLOW_LINKS) ? aside : null;
    }

    private synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (committed) {
            if (aside != null) {
                Files2.deleteQuietly(aside);
            }
        } else {
            for (int i = created.size() - 1; i >= 0; i--) {
                Files2.deleteQuietly(created.get(i));
            }
            if (aside != null && !Files.exists(original, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.move(aside, original);
                } catch (IOException e) {
                    // the old output stays at its aside name; leftover() reports it
                }
            }
        }
        temporaries.forEach(Files2::deleteQuietly);
    }

    @Override
    public void close() {
        finish();
        try {
            ShutdownHooks.remove(hook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down and runs the hook, which finds the work done
        }
    }
}
