package io.productivek3s.infra.state;

import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Digests already known from the previous revision: a file at the same path with the same size and modification
 * time (nanoseconds) is taken to have the same content, as git's index does. The copier and the restore keep
 * modification times, so a provider binary is hashed once, not on every {@code profile status}. Racy files (modified
 * within {@link #RACY} before the previous scan, where a rewrite could keep the same timestamp) are hashed again.
 * Every file met is recorded, to become the next revision's memo.
 */
final class DigestMemo implements TreeManifest.KnownDigests {
    static final Duration RACY = Duration.ofSeconds(2);

    /** A file's size and modification time when it was hashed. */
    record Seen(long size, long mtimeNanos) {
    }

    private final Path root;
    private final Map<String, Seen> previous;
    private final Map<String, String> previousSha;
    private final long trustedBeforeNanos;
    private final Map<String, Seen> observed = new HashMap<>();
    private int hits;

    DigestMemo(Path root, Optional<RevisionRecord> previousRecord) {
        this.root = root;
        this.previous = previousRecord.map(RevisionRecord::memo).orElse(Map.of());
        this.previousSha = new HashMap<>();
        previousRecord.ifPresent(r -> r.tree().entries().stream()
                .filter(e -> e.kind() == TreeManifest.Kind.FILE)
                .forEach(e -> previousSha.put(e.path(), e.sha256())));
        Instant memoAt = previousRecord.map(RevisionRecord::memoAt).orElse(Instant.EPOCH);
        this.trustedBeforeNanos = nanos(memoAt.minus(RACY));
    }

    @Override
    public Optional<String> lookup(Path file, BasicFileAttributes attributes) {
        String path = root.relativize(file).toString().replace('\\', '/');
        Seen now = new Seen(attributes.size(), attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        observed.put(path, now);
        Seen then = previous.get(path);
        String sha = previousSha.get(path);
        if (then != null && sha != null && then.equals(now) && now.mtimeNanos() < trustedBeforeNanos) {
            hits++;
            return Optional.of(sha);
        }
        return Optional.empty();
    }

    /** What this scan saw, for the record it produces. */
    Map<String, Seen> observed() {
        return Map.copyOf(observed);
    }

    int hits() {
        return hits;
    }

    private static long nanos(Instant instant) {
        return TimeUnit.SECONDS.toNanos(instant.getEpochSecond()) + instant.getNano();
    }
}
