package io.productivek3s.infra.fs;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The engine's one memo of file digests (docs/state.md "Digest memo"): the sha256 of a file, by a key (a path
 * relative to a tree, or a real path), that lets a file be trusted without being read again. Used by the local
 * history, the PostgreSQL mirror and the package cache; only where the entries are kept differs.
 *
 * <p>The rule (git's "racily clean" rule, made exact): an entry vouches for a file only when the file's
 * {@link FileIdentity} now is the one recorded, and the recorded change and modification times are strictly earlier
 * than a filesystem-clock {@link FsClock.Stamp} taken before the content was known. A later change of the file gets
 * a change time no earlier than that stamp, so it cannot keep the recorded identity; a change in the same clock tick
 * as the hashing could, which is why an entry whose times are not before its stamp never vouches for anything.
 *
 * <p>The engine's own hard links (restore, capture, the object store) and its removal of links change a file's
 * change time but not its bytes: {@link #carry} moves the entries of such files to their new identity, and
 * {@link #settle} stamps them once the clock has ticked past the change.
 */
public final class DigestMemo {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** What was known of one file: its identity, a stamp taken before its content was known, its digest. */
    public record Entry(FileIdentity identity, long knownBefore, String sha256) {
        /** An entry for a file of {@code identity} whose content {@code sha256} was known after {@code before}. */
        public static Optional<Entry> of(FileIdentity identity, FsClock.Stamp before, String sha256) {
            Entry entry = new Entry(identity, before.boundFor(identity.device()), sha256);
            return entry.vouchesFor(identity) ? Optional.of(entry) : Optional.empty();
        }

        /** THE rule: the same identity, recorded strictly before the stamp (see the class comment). */
        public boolean vouchesFor(FileIdentity now) {
            return identity.equals(now) && identity.ctimeNanos() < knownBefore && identity.mtimeNanos() < knownBefore
                    && SHA256.matcher(sha256).matches();
        }

        /** One line: the identity's six numbers, the stamp, the digest. */
        public String encode() {
            return identity.encode() + " " + knownBefore + " " + sha256;
        }

        public static Optional<Entry> decode(String line) {
            int cut = line.lastIndexOf(' ');
            int stampCut = cut < 0 ? -1 : line.lastIndexOf(' ', cut - 1);
            if (stampCut < 0) {
                return Optional.empty();
            }
            try {
                long stamp = Long.parseLong(line.substring(stampCut + 1, cut));
                String sha = line.substring(cut + 1);
                return FileIdentity.decode(line.substring(0, stampCut)).filter(i -> SHA256.matcher(sha).matches())
                        .map(i -> new Entry(i, stamp, sha));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }

    private final Map<String, Entry> entries;
    private final Map<String, Pending> pending = new HashMap<>();
    private long hits;

    /** A file the engine re-linked: its new identity, not yet stamped. */
    private record Pending(FileIdentity identity, String sha256) {
    }

    private DigestMemo(Map<String, Entry> entries) {
        this.entries = entries;
    }

    public static DigestMemo empty() {
        return new DigestMemo(new TreeMap<>());
    }

    /**
     * The memo kept in {@code file}: one {@code <entry line>\t<key>} per line. Absent or garbled, it is empty (a
     * memo only saves work; the files are hashed instead).
     */
    public static DigestMemo read(Path file) {
        DigestMemo memo = empty();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    Entry.decode(line.substring(0, tab)).ifPresent(e -> memo.entries.put(line.substring(tab + 1), e));
                }
            }
        } catch (NoSuchFileException absent) {
            // nothing known yet
        } catch (IOException | RuntimeException garbled) {
            memo.entries.clear();
        }
        return memo;
    }

    /** Writes the entries to {@code file} (atomically, private); keys holding a newline are left out. */
    public void write(Path file) throws IOException {
        StringBuilder out = new StringBuilder();
        entries.forEach((key, e) -> {
            if (key.indexOf('\n') < 0 && key.indexOf('\r') < 0) {
                out.append(e.encode()).append('\t').append(key).append('\n');
            }
        });
        Files2.createPrivateDirectories(file.getParent());
        Files2.writeAtomically(file, out.toString(), Files2.FILE_PRIVATE);
    }

    /** The keys with an entry. */
    public Set<String> keys() {
        return Set.copyOf(entries.keySet());
    }

    /** The digest the memo vouches for, if any, for the file of identity {@code now} known as {@code key}. */
    public Optional<String> known(String key, FileIdentity now) {
        Entry entry = entries.get(key);
        if (entry != null && entry.vouchesFor(now)) {
            hits++;
            return Optional.of(entry.sha256());
        }
        return Optional.empty();
    }

    /** As {@link #known(String, FileIdentity)} for the file at {@code file}; empty when it cannot be read. */
    public Optional<String> known(String key, Path file) {
        return FileIdentity.of(file).flatMap(id -> known(key, id));
    }

    /** The entry under {@code key}, vouching or not. */
    public Optional<Entry> entry(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /**
     * Records that the file known as {@code key}, of identity {@code identity} when its content {@code sha256} was
     * read after {@code before}, has that digest. An identity the rule can never vouch for (changed in the stamp's
     * tick or later) removes the key instead.
     */
    public void remember(String key, FileIdentity identity, FsClock.Stamp before, String sha256) {
        Optional<Entry> entry = Entry.of(identity, before, sha256);
        if (entry.isPresent()) {
            entries.put(key, entry.get());
        } else {
            entries.remove(key);
        }
        pending.remove(key);
    }

    /** Keeps {@code entry} (found vouching for its file) under {@code key}. */
    public void keep(String key, Entry entry) {
        entries.put(key, entry);
    }

    public void forget(String key) {
        entries.remove(key);
        pending.remove(key);
    }

    /** Keeps only the given keys. */
    public void retain(Collection<String> keys) {
        entries.keySet().retainAll(keys);
        pending.keySet().retainAll(keys);
    }

    public boolean isEmpty() {
        return entries.isEmpty() && pending.isEmpty();
    }

    /** How many lookups the memo answered (files not hashed). */
    public long hits() {
        return hits;
    }

    /**
     * Notes the identity of every file under {@code root} (keys are paths relative to it) the memo vouches for,
     * before the engine links or unlinks names of those files; {@link Carry#to} then moves each entry to the file's
     * new identity. Only for the engine's own operations, under the state lock, in directories private to it: the
     * content is taken to be unchanged from this check until {@link #settle}, a few milliseconds.
     */
    public Carry carry(Path root) {
        List<Carried> vouched = new ArrayList<>();
        entries.forEach((key, entry) -> FileIdentity.of(root.resolve(key))
                .filter(entry::vouchesFor)
                .ifPresent(id -> vouched.add(new Carried(key, id, entry.sha256()))));
        return new Carry(vouched);
    }

    private record Carried(String key, FileIdentity before, String sha256) {
    }

    /** The files {@link #carry} found vouched for, to be followed to their identity after the operation. */
    public final class Carry {
        private final List<Carried> vouched;

        private Carry(List<Carried> vouched) {
            this.vouched = vouched;
        }

        /**
         * After the operation: each noted file now at {@code root}/key whose only difference is its change time
         * (a link added or removed) gets a pending entry for its new identity; any other difference drops the key.
         */
        public void to(Path root) {
            for (Carried c : vouched) {
                Optional<FileIdentity> now = FileIdentity.of(root.resolve(c.key()));
                if (now.isPresent() && now.get().equals(c.before())) {
                    continue;
                }
                if (now.isPresent() && now.get().onlyChangeTimeDiffers(c.before())) {
                    pending.put(c.key(), new Pending(now.get(), c.sha256()));
                } else {
                    forget(c.key());
                }
            }
        }
    }

    /**
     * Stamps the pending entries once {@code clock}'s filesystem has ticked past their change time (at most one short
     * wait for all of them), so they vouch from now on; when it does not tick in time they are dropped.
     */
    public void settle(FsClock clock) throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        // ctime only: an mtime in the future is refused by the rule anyway, and must not make the run wait for it.
        long latest = pending.values().stream().mapToLong(p -> p.identity().ctimeNanos()).max().orElseThrow();
        Optional<FsClock.Stamp> stamp = clock.after(latest);
        for (Map.Entry<String, Pending> p : pending.entrySet()) {
            Optional<Entry> entry = stamp.flatMap(s -> Entry.of(p.getValue().identity(), s, p.getValue().sha256()));
            if (entry.isPresent()) {
                entries.put(p.getKey(), entry.get());
            } else {
                entries.remove(p.getKey());
            }
        }
        pending.clear();
    }
}
