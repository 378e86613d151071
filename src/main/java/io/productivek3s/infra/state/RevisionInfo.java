package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Printable;
import java.time.Instant;

/**
 * One revision of a profile's state (oldest is 1, numbers never reused): who wrote it, when, with which command and
 * outcome, from which package, and the digest of its tree (so two backends can be compared byte for byte).
 * {@code removed} marks the revision a successful destroy wrote: the cluster is gone, its history stays.
 * Nullable: {@code result}, {@code exitCode}, {@code packageSha256}, {@code profileVersion}, {@code treeSha256}.
 * Revisions are read back from history files and shared databases that others write, and their strings end up in
 * messages, tables and logs: every string is made {@link Printable} here, whatever built the record.
 */
public record RevisionInfo(
        String name,
        long revision,
        Instant createdAt,
        String who,
        String command,
        String result,
        Integer exitCode,
        String profileName,
        String profileVersion,
        String packageSha256,
        String treeSha256,
        long files,
        long bytes,
        boolean removed) {
    public RevisionInfo {
        name = Printable.clean(name);
        who = Printable.clean(who);
        command = Printable.clean(command);
        result = Printable.clean(result);
        profileName = Printable.clean(profileName);
        profileVersion = Printable.clean(profileVersion);
        packageSha256 = Printable.clean(packageSha256);
        treeSha256 = Printable.clean(treeSha256);
    }
}
