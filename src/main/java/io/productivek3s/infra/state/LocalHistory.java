package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local revisions of every name: {@code <dir>/.history/revisions/<name>/<revision>.json}, the last {@code limit}
 * per name, over the shared {@link ObjectStore}. A record is first written as {@code <revision>.staged-<txn>} (only
 * meaningful once the name's commit journal exists) and published by renaming.
 */
final class LocalHistory {
    static final String LIMIT_VARIABLE = "PK3S_STATE_HISTORY_LIMIT";
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 10_000;
    /** The command of a read-only poll's revision (see {@link #newestChange}). */
    static final String STATUS = "profile status";
    private static final Pattern COMMITTED = Pattern.compile("([0-9]{1,18})\\.json");
    private static final Pattern STAGED = Pattern.compile("([0-9]{1,18})\\.staged-[0-9a-f]{16}");

    private final Path revisions;
    private final ObjectStore objects;
    private final int limit;

    LocalHistory(Path stateDir, int limit) {
        Path root = stateDir.resolve(".history");
        this.revisions = root.resolve("revisions");
        this.objects = new ObjectStore(root);
        this.limit = limit;
    }

    /** {@code PK3S_STATE_HISTORY_LIMIT}: unset or empty → 20; otherwise an integer 1..10000, else exit 4. */
    static int limit(Map<String, String> env) {
        String value = env.getOrDefault(LIMIT_VARIABLE, "").trim();
        if (value.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw EngineException.invalid(LIMIT_VARIABLE + " must be an integer from 1 to " + MAX_LIMIT + ": "
                + value.replaceAll("\\p{Cntrl}", "?"));
    }

    ObjectStore objects() {
        return objects;
    }

    /** Names with at least one committed revision directory, as they appear on disk (validated by the caller). */
    List<String> names() throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(revisions, LinkOption.NOFOLLOW_LINKS)) {
            return names;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(revisions)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS) && !numbers(entry.getFileName().toString()).isEmpty()) {
                    names.add(entry.getFileName().toString());
                }
            }
        }
        return names;
    }

    /** Committed revision numbers of {@code name}, ascending. */
    List<Long> numbers(String name) throws IOException {
        List<Long> numbers = new ArrayList<>();
        Path dir = revisions.resolve(name);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return numbers;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                Matcher m = COMMITTED.matcher(entry.getFileName().toString());
                if (m.matches()) {
                    numbers.add(Long.parseLong(m.group(1)));
                }
            }
        }
        numbers.sort(null);
        return numbers;
    }

    Optional<RevisionRecord> read(String name, long revision) throws IOException {
        Path file = revisions.resolve(name).resolve(revision + ".json");
        try {
            return Optional.of(RevisionRecord.fromJson(Files.readString(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    Optional<RevisionRecord> latest(String name) throws IOException {
        List<Long> numbers = numbers(name);
        return numbers.isEmpty() ? Optional.empty() : read(name, numbers.get(numbers.size() - 1));
    }

    /** The next number: one past the highest ever kept (numbers are never reused while a record remains). */
    long next(String name) throws IOException {
        List<Long> numbers = numbers(name);
        return numbers.isEmpty() ? 1 : numbers.get(numbers.size() - 1) + 1;
    }

    void stage(RevisionRecord record, String txn) throws IOException {
        Path dir = Files2.createPrivateDirectories(revisions.resolve(record.info().name()));
        String file = record.info().revision() + ".staged-" + txn;
        // Written aside and renamed, so a staged record is always whole (the GC reads staged records too).
        Path partial = dir.resolve("." + file + ".tmp");
        Files.write(partial, record.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("r--------"));
        Files.move(partial, dir.resolve(file), StandardCopyOption.ATOMIC_MOVE);
    }

    /** Whether {@code txn} staged a record for {@code revision} that is not published yet. */
    boolean isStaged(String name, long revision, String txn) {
        return Files.exists(revisions.resolve(name).resolve(revision + ".staged-" + txn), LinkOption.NOFOLLOW_LINKS);
    }

    /** The record {@code txn} staged for {@code revision}; empty when there is none or it is not a readable record. */
    Optional<RevisionRecord> staged(String name, long revision, String txn) throws IOException {
        Path file = revisions.resolve(name).resolve(revision + ".staged-" + txn);
        try {
            return Optional.of(RevisionRecord.fromJson(Files.readString(file)));
        } catch (NoSuchFileException absent) {
            return Optional.empty();
        } catch (IOException unreadable) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                throw unreadable;
            }
            return Optional.empty(); // malformed content: not a record this engine staged
        }
    }

    /** Publishes a staged record; a no-op when it already was (roll-forward is repeatable). */
    void publish(String name, long revision, String txn) throws IOException {
        Path dir = revisions.resolve(name);
        Path staged = dir.resolve(revision + ".staged-" + txn);
        if (Files.exists(staged, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(staged, dir.resolve(revision + ".json"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes staged records of runs that never committed; true when there were any. */
    boolean discardStaged(String name) throws IOException {
        Path dir = revisions.resolve(name);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        boolean any = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                String file = entry.getFileName().toString();
                if (STAGED.matcher(file).matches() || file.startsWith(".")) {
                    Files.deleteIfExists(entry);
                    any = true;
                }
            }
        }
        return any;
    }

    /**
     * Drops the oldest committed records beyond the limit and, when it dropped any (or {@code collectAlways}: a
     * recovery finishing an interrupted collection), deletes objects that no record references. Both happen under
     * the object store's lock held exclusively, so a reader holding it shared ({@link ObjectStore#lockShared()}) still
     * finds every record it listed, and their objects, until it is done. True when a record was dropped.
     */
    boolean prune(String name, boolean collectAlways) throws IOException {
        try (FileLocks.Held lock = objects.lock()) {
            List<Long> numbers = numbers(name);
            boolean any = false;
            long keep = numbers.size() > limit ? newestChange(name, numbers) : 0;
            for (int i = 0; i < numbers.size() - limit; i++) {
                if (numbers.get(i) == keep) {
                    continue;
                }
                Files.deleteIfExists(revisions.resolve(name).resolve(numbers.get(i) + ".json"));
                any = true;
            }
            if (any) {
                CrashPoints.reach("history.pruned");
            }
            if (any || collectAlways) {
                collectLocked();
            }
            return any;
        }
    }

    /**
     * The newest revision written by a command that changes state on purpose (install, apply, destroy, rollback,
     * push, import: anything but {@value #STATUS}), which pruning keeps even beyond the limit: polling {@code profile
     * status} must never push out the revision an operator would roll back to (docs/state.md "History"). 0: none.
     * An unreadable record counts as such a revision (it is never the reason another one goes).
     */
    private long newestChange(String name, List<Long> numbers) throws IOException {
        for (int i = numbers.size() - 1; i >= 0; i--) {
            Optional<RevisionRecord> record;
            try {
                record = read(name, numbers.get(i));
            } catch (IOException unreadable) {
                return numbers.get(i);
            }
            if (record.isPresent() && !STATUS.equals(record.get().info().command())) {
                return numbers.get(i);
            }
        }
        return 0;
    }

    /** Deletes objects that no record (committed or staged, of any name) references. */
    void collectGarbage() throws IOException {
        try (FileLocks.Held lock = objects.lock()) {
            collectLocked();
        }
    }

    private void collectLocked() throws IOException {
        Optional<Set<String>> referenced = referenced();
        if (referenced.isPresent()) {
            objects.collect(referenced.get());
        }
    }

    /**
     * Every object referenced by any record; empty (collect nothing) when a record cannot be read, so a damaged or
     * half-written record never costs another revision its content. Retries a name whose listing changed under us
     * (a concurrent publish renames staged to committed).
     */
    private Optional<Set<String>> referenced() throws IOException {
        Set<String> shas = new HashSet<>();
        if (!Files.isDirectory(revisions, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(shas);
        }
        try (DirectoryStream<Path> names = Files.newDirectoryStream(revisions)) {
            for (Path name : names) {
                if (!collectName(name, shas)) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(shas);
    }

    private boolean collectName(Path name, Set<String> shas) throws IOException {
        for (int attempt = 0; attempt < 5; attempt++) {
            Set<String> found = new HashSet<>();
            boolean changed = false;
            boolean readable = true;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(name)) {
                for (Path entry : entries) {
                    String file = entry.getFileName().toString();
                    if (!COMMITTED.matcher(file).matches() && !STAGED.matcher(file).matches()) {
                        continue;
                    }
                    try {
                        RevisionRecord.fromJson(Files.readString(entry)).tree().entries().stream()
                                .filter(e -> e.kind() == TreeManifest.Kind.FILE)
                                .forEach(e -> found.add(e.sha256()));
                    } catch (NoSuchFileException renamed) {
                        changed = true;
                    } catch (IOException unreadable) {
                        readable = false;
                    }
                }
            } catch (NoSuchFileException gone) {
                return true;
            }
            if (!changed) {
                shas.addAll(found);
                return readable;
            }
        }
        return false;
    }
}
