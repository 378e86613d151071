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

/**
 * {@code <cache root>/launcher-hints} (docs/performance.md "Launcher hints"): what the launcher may know about a
 * {@code --tgz} file without reading the cache, so that it gives C2 only to a run that will really hash or inflate a
 * big package. One line per package file, newest last, at most {@value #MAX_LINES}:
 * {@code <dev>.<ino>.<size>.<mtime s>.<ctime s> <scan|tree>}, the key being what {@code stat -L -c '%d.%i.%s.%Y.%Z'}
 * prints for the file. A hint only: a stale or missing line changes JIT flags, never a result.
 */
final class LauncherHints {
    static final String FILE = "launcher-hints";
    static final int MAX_LINES = 64;
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

    LauncherHints(Path cacheRoot) {
        this.file = cacheRoot.resolve(FILE);
    }

    /** Notes {@code hint} for the package file of {@code identity}; best effort (a lost line only costs JIT time). */
    void note(FileIdentity identity, Hint hint) {
        String line = key(identity) + " " + hint.word();
        List<String> lines = read();
        if (lines.contains(line) || hint == Hint.SCAN && lines.contains(key(identity) + " " + Hint.TREE.word())) {
            return;   // already known (a cached tree implies a cached scan): a repeat run writes nothing
        }
        lines.removeIf(l -> l.startsWith(key(identity) + " "));
        lines.add(line);
        List<String> kept = lines.subList(Math.max(0, lines.size() - MAX_LINES), lines.size());
        try {
            Files2.writeAtomically(file, String.join("\n", kept) + "\n", Files2.FILE_PRIVATE);
        } catch (IOException e) {
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
