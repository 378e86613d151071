package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An exclusive OS file lock on one cache entry, so that engine runs started at the same time download and unpack
 * each artifact once: the second run waits, then finds the verified result. Released by the OS if a run dies.
 */
public final class CacheLock implements AutoCloseable {
    private final FileChannel channel;

    private CacheLock(FileChannel channel) {
        this.channel = channel;
    }

    /** Blocks until the lock on {@code lockFile} is held; {@code onWait} is told once when another run holds it. */
    public static CacheLock acquire(Path lockFile, Consumer<String> onWait) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                onWait.accept("waiting for another engine run that holds " + lockFile);
                channel.lock();
            }
            return new CacheLock(channel);
        } catch (IOException e) {
            closeQuietly(channel);
            throw EngineException.runtime("could not lock cache entry " + lockFile + ": " + e.getMessage());
        }
    }

    /** The lock when no other run holds it, else empty (for work that can be skipped, like eviction). */
    public static Optional<CacheLock> tryAcquire(Path lockFile) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            if (channel.tryLock() == null) {
                closeQuietly(channel);
                return Optional.empty();
            }
            return Optional.of(new CacheLock(channel));
        } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
            closeQuietly(channel);
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        // Closing the channel releases the lock.
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the lock dies with the channel either way
            }
        }
    }
}
