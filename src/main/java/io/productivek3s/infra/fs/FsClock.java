package io.productivek3s.infra.fs;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The clock a filesystem stamps files with, read through a marker file the engine owns: writing the marker makes
 * the kernel set its change time to "now" as that filesystem sees it (the same coarse clock and granularity as every
 * other change there), which is what a {@link DigestMemo} entry's times must be compared with. Concurrent writers of
 * the marker are harmless: whatever time is read back was set no later than the read.
 */
public final class FsClock {
    /** How long {@link #after} waits for the clock to tick before giving up (a filesystem with coarse times). */
    static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final byte[] TICK = {'\n'};

    private final Path marker;

    /** A clock read through {@code marker} (created private if absent; its directory must exist). */
    public FsClock(Path marker) {
        this.marker = marker;
    }

    /** A time read on one filesystem (its device): files changed after it was read get a later change time. */
    public record Stamp(long device, long nanos) {
        /**
         * This stamp as a bound for a file on {@code fileDevice}: itself on the same filesystem; one second earlier
         * on another, whose times may be cut to a coarser granularity (the kernel clock is the same).
         */
        public long boundFor(long fileDevice) {
            return fileDevice == device ? nanos : nanos - TimeUnit.SECONDS.toNanos(1);
        }
    }

    /** The filesystem's "now". */
    public Stamp now() throws IOException {
        if (!Files.exists(marker)) {
            try {
                Files.createFile(marker, PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE));
            } catch (FileAlreadyExistsException raced) {
                // another run created it: it is written below all the same
            }
        }
        // Looking at the marker first makes kernels with multigrain timestamps (Linux 6.13+) give its next change a
        // fine-grained time instead of the last coarse tick: fewer waits, the same ordering.
        FileIdentity.read(marker);
        // never through a link planted in its place: a marker is the engine's own file
        Files.write(marker, TICK, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING,
                LinkOption.NOFOLLOW_LINKS);
        FileIdentity id = FileIdentity.read(marker);
        return new Stamp(id.device(), id.ctimeNanos());
    }

    /** {@link #now()}, or empty when the marker cannot be written (a read-only state directory, say). */
    public Optional<Stamp> tryNow() {
        try {
            return Optional.of(now());
        } catch (IOException | RuntimeException cannotWrite) {
            return Optional.empty();
        }
    }

    /**
     * A stamp strictly later than {@code nanos} (a change time just made on this filesystem), waiting for the clock
     * to tick when needed (a few milliseconds at most on Linux); empty when it did not tick within 100 ms.
     */
    public Optional<Stamp> after(long nanos) throws IOException {
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        Stamp stamp = now();
        while (stamp.nanos() <= nanos) {
            if (System.nanoTime() - deadline > 0) {
                return Optional.empty();
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(500));
            stamp = now();
        }
        return Optional.of(stamp);
    }
}
