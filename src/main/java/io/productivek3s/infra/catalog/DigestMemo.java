package io.productivek3s.infra.catalog;

import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Remembers the sha256 of package files by {@link FileIdentity}, so that an unchanged 200 MB package is not read
 * again just to learn its digest: {@code <dir>/<sha256 of the real path>} holds the identity line and the digest.
 * A memo is written only when the identity did not change while the file was read, and used only when the identity
 * still matches exactly.
 *
 * <p>The same digest is also written to {@code <seen>/<dev>.<ino>.<size>.<mtime s>.<ctime s>}, a name the launcher
 * computes with one {@code stat}: it gives C2 to a run over a big package only when the run will really hash or
 * inflate it (docs/performance.md "JIT"). A hint only: a stale or missing one changes JIT flags, never a result.
 */
final class DigestMemo {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path dir;
    private final Path seen;

    DigestMemo(Path dir, Path seen) {
        this.dir = dir;
        this.seen = seen;
    }

    Optional<String> lookup(Path realFile, FileIdentity identity) {
        Path memo = dir.resolve(key(realFile));
        try {
            if (!Files.isRegularFile(memo)) {
                return Optional.empty();
            }
            String[] lines = Files.readString(memo, StandardCharsets.UTF_8).split("\n");
            if (lines.length == 2 && FileIdentity.decode(lines[0]).filter(identity::equals).isPresent()
                    && SHA256.matcher(lines[1]).matches()) {
                return Optional.of(lines[1]);
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable memo is a miss
        }
        return Optional.empty();
    }

    /** Stores {@code sha256} for the file read with identity {@code before}, if the file has not changed since. */
    void remember(Path realFile, FileIdentity before, String sha256) {
        if (FileIdentity.of(realFile).filter(before::equals).isEmpty()) {
            return;
        }
        try {
            Files2.writeAtomically(dir.resolve(key(realFile)), before.encode() + "\n" + sha256, Files2.FILE_PRIVATE);
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
