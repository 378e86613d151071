package io.productivek3s.infra.cache;

import io.productivek3s.infra.fs.DigestMemo;
import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.fs.FsClock;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the package cache keeps its {@link DigestMemo} entries, so that an unchanged 200 MB package is not read again
 * just to learn its digest: {@code <dir>/<sha256 of the real path>} holds one entry line. The rule is the memo's; a
 * stamp is taken on the cache's filesystem ({@code <dir>/.clock}) before a package is read.

 */
final class PackageDigests {
    private final Path dir;
    private final FsClock clock;

    PackageDigests(Path dir) {
        this.dir = dir;
        this.clock = new FsClock(dir.resolve(".clock"));
    }

    /**
     * The stamp to take before reading a package of {@code identity} whose digest may be remembered: once the clock
     * has passed the file's last change (one short wait at most, and only when the package is read anyway); empty
     * when it cannot be taken.
     */
    Optional<FsClock.Stamp> beforeReading(FileIdentity identity) {
        try {
            return clock.after(identity.ctimeNanos());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the filesystem clock has moved past {@code nanos} (a change time just made on the cache's filesystem),
     * waiting one tick at most: a later change of such a file then gets a later change time, so it cannot keep the
     * identity recorded now (the memo's rule, applied to a cache entry's tree).
     */
    boolean clockPast(long nanos) {
        try {
            return clock.after(nanos).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    Optional<String> lookup(Path realFile, FileIdentity identity) {
        Path memo = dir.resolve(key(realFile));
        try {
            if (Files.isRegularFile(memo)) {
                return DigestMemo.Entry.decode(Files.readString(memo, StandardCharsets.UTF_8).trim())
                        .filter(e -> e.vouchesFor(identity)).map(DigestMemo.Entry::sha256);
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable memo is a miss
        }
        return Optional.empty();
    }

    /**
     * Stores {@code sha256} for the file read with identity {@code before} after {@code stamp}, if the file has not
     * changed since and the rule can vouch for it; whether it did (the next run then does not read the file).
     */
    boolean remember(Path realFile, FileIdentity before, Optional<FsClock.Stamp> stamp, String sha256) {
        if (stamp.isEmpty() || FileIdentity.of(realFile).filter(before::equals).isEmpty()) {
            return false;
        }
        Optional<DigestMemo.Entry> entry = DigestMemo.Entry.of(before, stamp.get(), sha256);
        try {
            if (entry.isEmpty()) {
                Files.deleteIfExists(dir.resolve(key(realFile)));
                return false;
            }
            Files2.writeAtomically(dir.resolve(key(realFile)), entry.get().encode() + "\n", Files2.FILE_PRIVATE);
            return true;
        } catch (IOException e) {
            return false;   // the memo is an optimization; the next run hashes again
        }
    }

    private static String key(Path realFile) {
        return Digests.sha256(realFile.toString().getBytes(StandardCharsets.UTF_8));
    }
}
