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
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive and shared OS locks on files (fcntl, what {@link FileChannel#tryLock()} takes on Linux). POSIX locks
 * belong to the process, and closing <em>any</em> descriptor of the file drops all of them, so a second channel opened
 * in this JVM would silently release a lock another store instance holds. The JVM-wide registries below are therefore
 * the one piece of static mutable state here, mirroring a process-wide OS resource: a file is opened only by the
 * exclusive claimant, or once by all of this JVM's shared holders together (counted).
 */
public final class FileLocks {
    private static final Set<Path> CLAIMED = ConcurrentHashMap.newKeySet();
    /** Files this JVM holds shared, with the one channel that holds it; guarded by itself. */
    private static final Map<Path, Readers> READERS = new HashMap<>();
    private static final long POLL_MILLIS = 20;

    private static final class Readers {
        final FileChannel channel;
        int count = 1;

        Readers(FileChannel channel) {
            this.channel = channel;
        }
    }

    private FileLocks() {
    }

    /** An OS lock held by this JVM; {@link #close()} releases it (repeatable). */
    public static final class Held implements AutoCloseable {
        private final Runnable release;
        private boolean open = true;

        private Held(Runnable release) {
            this.release = release;
        }

        private Held(Path file, FileChannel channel) {
            this(() -> {
                try {
                    closeChannel(channel);
                } finally {
                    CLAIMED.remove(file);
                }
            });
        }

        /** Holds nothing: for a reader of a store that does not exist yet. */
        public static Held none() {
            return new Held(() -> { });
        }

        @Override
        public synchronized void close() {
            if (!open) {
                return;
            }
            open = false;
            release.run();
        }
    }

    private static void closeChannel(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the descriptor is gone either way; process exit releases the lock at the latest
        }
    }

    /** Claims {@code file} for an exclusive lock in this JVM: nobody here holds it, exclusively or shared. */
    private static boolean claim(Path file) {
        synchronized (READERS) {
            return !READERS.containsKey(file) && CLAIMED.add(file);
        }
    }

    /**
     * Waits as long as it takes for a shared lock (for readers of the shared object store: any number of them at
     * once, in this JVM and in other processes, while nobody holds the lock exclusively). Polls, so that waiting
     * never holds this JVM's registry.
     */
    public static Held lockShared(Path file) throws IOException {
        while (true) {
            synchronized (READERS) {
                Readers readers = READERS.get(file);
                if (readers != null) {
                    readers.count++;
                    return sharedHold(file, readers);
                }
                if (!CLAIMED.contains(file)) {
                    FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE,
                            StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                            PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
                    FileLock lock;
                    try {
                        lock = channel.tryLock(0, Long.MAX_VALUE, true);
                    } catch (IOException | RuntimeException e) {
                        closeChannel(channel);
                        throw e;
                    }
                    if (lock != null) {
                        Readers first = new Readers(channel);
                        READERS.put(file, first);
                        return sharedHold(file, first);
                    }
                    closeChannel(channel); // held exclusively by another process
                }
            }
            pause(POLL_MILLIS);
        }
    }

    private static Held sharedHold(Path file, Readers readers) {
        return new Held(() -> {
            synchronized (READERS) {
                if (--readers.count == 0) {
                    READERS.remove(file);
                    closeChannel(readers.channel);
                }
            }
        });
    }

    /** Takes the lock if nobody (this JVM or another process) holds it; creates the file 0600 if missing. */
    public static Optional<Held> tryLock(Path file) throws IOException {
        if (!claim(file)) {
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

    /** Waits as long as it takes for an exclusive lock (short critical sections such as the shared object store). */
    public static Held lock(Path file) throws IOException {
        while (true) {
            if (claim(file)) {
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
    public static boolean isHeld(Path file) throws IOException {
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
