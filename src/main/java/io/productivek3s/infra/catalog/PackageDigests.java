package io.productivek3s.infra.catalog;

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
 *
 * <p>The same digest is also written to {@code <seen>/<dev>.<ino>.<size>.<mtime s>.<ctime s>}, a name the launcher
 * computes with one {@code stat}: it gives C2 to a run over a big package only when the run will really hash or
 * inflate it (docs/performance.md "JIT"). A hint only: a stale or missing one changes JIT flags, never a result.
 */
final class PackageDigests {
    private final Path dir;
    private final Path seen;
    private final FsClock clock;

    PackageDigests(Path dir, Path seen) {
        this.dir = dir;
        this.seen = seen;
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
     * changed since and the rule can vouch for it.
     */
    void remember(Path realFile, FileIdentity before, Optional<FsClock.Stamp> stamp, String sha256) {
        if (stamp.isEmpty() || FileIdentity.of(realFile).filter(before::equals).isEmpty()) {
            return;
        }
        Optional<DigestMemo.Entry> entry = DigestMemo.Entry.of(before, stamp.get(), sha256);
        try {
            if (entry.isEmpty()) {
                Files.deleteIfExists(dir.resolve(key(realFile)));
                return;
            }
            Files2.writeAtomically(dir.resolve(key(realFile)), entry.get().encode() + "\n", Files2.FILE_PRIVATE);
            Files2.writeAtomically(seen.resolve(seenName(before)), sha256 + "\n", Files2.FILE_PRIVATE);
        } catch (IOException e) {
            // the memo is an optimization; the next run hashes again
        }
    }

    /** As the launcher's {@code stat -L -c '%d.%i.%s.%Y.%Z'}: whole seconds, which is all a hint needs. */
    static String seenName(FileIdentity id) {
        return id.device() + "." + id.inode() + "." + id.size() + "." + Math.floorDiv(id.mtimeNanos(), 1_000_000_000L)
                + "." + Math.floorDiv(id.ctimeNanos(), 1_000_000_000L);
    }

    private static String key(Path realFile) {
        return Digests.sha256(realFile.toString().getBytes(StandardCharsets.UTF_8));
    }
}
