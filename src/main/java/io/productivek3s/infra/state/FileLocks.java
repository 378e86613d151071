package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive OS locks on files (fcntl, what {@link FileChannel#tryLock()} takes on Linux). POSIX locks belong to the
 * process, and closing <em>any</em> descriptor of the file drops all of them, so a second channel opened in this JVM
 * would silently release a lock another store instance holds. The JVM-wide registry below is therefore the one piece
 * of static mutable state here, mirroring a process-wide OS resource: a file is opened only by the claimant.
 */
final class FileLocks {
    private static final Set<Path> CLAIMED = ConcurrentHashMap.newKeySet();
    private static final long POLL_MILLIS = 20;

    private FileLocks() {
    }

    /** An OS lock held by this JVM; {@link #close()} releases it (repeatable). */
    static final class Held implements AutoCloseable {
        private final Path file;
        private final FileChannel channel;
        private boolean open = true;

        private Held(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        @Override
        public synchronized void close() {
            if (!open) {
                return;
            }
            open = false;
            try {
                channel.close();
            } catch (IOException ignored) {
                // the descriptor is gone either way; process exit releases the lock at the latest
            } finally {
                CLAIMED.remove(file);
            }
        }
    }

    /** Takes the lock if nobody (this JVM or another process) holds it; creates the file 0600 if missing. */
    static Optional<Held> tryLock(Path file) throws IOException {
        if (!CLAIMED.add(file)) {
            return Optional.empty();
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file,
                    Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // cannot happen while we hold the claim; treated as "held" all the same
            }
            if (lock == null) {
                channel.close();
                CLAIMED.remove(file);
                return Optional.empty();
            }
            return Optional.of(new Held(file, channel));
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            CLAIMED.remove(file);
            throw e;
        }
    }

    /** Waits as long as it takes (for short critical sections such as the shared object store). */
    static Held lock(Path file) throws IOException {
        while (true) {
            if (CLAIMED.add(file)) {
                try {
                    FileChannel channel = FileChannel.open(file,
                            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                            PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
                    try {
                        channel.lock();
                    } catch (IOException | RuntimeException e) {
                        channel.close();
                        throw e;
                    }
                    return new Held(file, channel);
                } catch (IOException | RuntimeException e) {
                    CLAIMED.remove(file);
                    throw e;
                }
            }
            pause(POLL_MILLIS);
        }
    }

    /** Whether someone holds the lock on {@code file} right now (this JVM included); never creates the file. */
    static boolean isHeld(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Optional<Held> probe = tryLock(file);
        probe.ifPresent(Held::close);
        return probe.isEmpty();
    }

    static void pause(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for a lock");
        }
    }
}
