package io.productivek3s.infra.cache;

import io.productivek3s.infra.fs.FileIdentity;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code <cache root>/launcher-hints} (docs/performance.md "Launcher hints"): what the launcher may know before the
 * engine starts, so that it gives C2 only to a run that needs it. One line per key, newest last, at most
 * {@value #MAX_LINES}, {@code <key> <word>}:
 * <ul>
 * <li>a {@code --tgz} file: key {@code <dev>.<ino>.<size>.<mtime s>.<ctime s>}, what {@code stat -L -c
 *     '%d.%i.%s.%Y.%Z'} prints for it; word {@code scan} or {@code tree} (what the package cache holds of it);</li>
 * <li>an encrypted state move: key {@code state:<name>}; word {@code small} when the newest revision of that name
 *     this user persisted or pulled with a key set holds under {@link #SMALL_STATE_BYTES}, else {@code big}
 *     (docs/performance.md "Small encrypted pulls on C1").</li>
 * </ul>
 * A hint only: a stale, missing or forged line changes JIT flags, never a result.
 */
public final class LauncherHints {
    static final String FILE = "launcher-hints";
    static final int MAX_LINES = 64;
    /**
     * An encrypted revision under this many bytes is pulled on C1 only: C1 opens AES-GCM at ~45 MB/s, and C2 costs
     * a 10,000-file pull ~0.3 s of CPU more than it saves (docs/performance.md "Small encrypted pulls on C1").
     */
    public static final long SMALL_STATE_BYTES = 16L << 20;
    /** Far above 64 lines of ~60 bytes: anything bigger is not a file this class wrote, and is replaced. */
    private static final long MAX_BYTES = 64 * 1024;

    /** {@code scan}: a validate of the file needs no hashing; {@code tree}: its extracted tree is cached as well. */
    enum Hint {
        SCAN, TREE;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Path file;

    public LauncherHints(Path cacheRoot) {
        this.file = cacheRoot.resolve(FILE);
    }

    /** Notes {@code hint} for the package file of {@code identity}; best effort (a lost line only costs JIT time). */
    void note(FileIdentity identity, Hint hint) {
        // a cached tree implies a cached scan: a validate after an install keeps the stronger word
        put(key(identity), hint.word(), hint == Hint.SCAN ? Set.of(Hint.SCAN.word(), Hint.TREE.word()) : Set.of(hint.word()));
    }

    /**
     * Notes the size of the revision of {@code name} a run with a state key just persisted or pulled: {@code small}
     * under {@link #SMALL_STATE_BYTES}, else {@code big}. Best effort, and nothing is written when the file already
     * says so (a repeat run writes nothing).
     */
    public void noteStateMove(String name, long bytes) {
        String word = bytes < SMALL_STATE_BYTES ? "small" : "big";
        put(stateKey(name), word, Set.of(word));
    }

    static String stateKey(String name) {
        return "state:" + name;
    }

    /** Makes {@code key word} the newest line, unless the key's line already holds one of {@code enough}. */
    private void put(String key, String word, Set<String> enough) {
        List<String> lines = read();
        String prefix = key + " ";
        if (lines.stream().anyMatch(l -> l.startsWith(prefix) && enough.contains(l.substring(prefix.length())))) {
            return;   // already known: a repeat run writes nothing
        }
        lines.removeIf(l -> l.startsWith(prefix));
        lines.add(prefix + word);
        List<String> kept = lines.subList(Math.max(0, lines.size() - MAX_LINES), lines.size());
        try {
            Files2.createPrivateDirectories(file.getParent());
            Files2.writeAtomically(file, String.join("\n", kept) + "\n", Files2.FILE_PRIVATE);
        } catch (IOException | RuntimeException e) {
            // the launcher then gives C2 to a run that may not need it
        }
    }

    List<String> read() {
        try {
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.size(file) <= MAX_BYTES) {
                return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            // unreadable or not UTF-8: rewritten from scratch
        }
        return new ArrayList<>();
    }

    /** As the launcher's {@code stat -L -c '%d.%i.%s.%Y.%Z'}: whole seconds, which is all a hint needs. */
    static String key(FileIdentity id) {
        return id.device() + "." + id.inode() + "." + id.size() + "." + Math.floorDiv(id.mtimeNanos(), 1_000_000_000L)
                + "." + Math.floorDiv(id.ctimeNanos(), 1_000_000_000L);
    }
}
