package io.productivek3s.infra.state.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Objects a writer is about to reference (docs/state.md "Local backend", garbage collection): between the layer's
 * {@code missing}/{@code put} and its {@code append}, no record names the objects yet, so a collection by another
 * process (another name's prune) would delete them. Each driver registers them, before it looks them up or stores
 * them, in its own file {@code .history/pending/<pid>-<start>-<random>}, and the collector keeps every object a file
 * of a live process names. A file of a dead process (killed mid-persist) is deleted by the next collection, which
 * then also collects the objects only it kept. Written and read under the history lock held exclusively.
 */
final class PendingObjects {
    private final Path dir;
    private final Path mine;
    /** What this driver registered already: each digest is written once per write. */
    private final Set<String> registered = new java.util.HashSet<>();

    PendingObjects(Path historyDir) {
        this.dir = historyDir.resolve("pending");
        ProcessHandle self = ProcessHandle.current();
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        this.mine = dir.resolve(self.pid() + "-" + start(self).map(Instant::toEpochMilli).orElse(0L) + "-"
                + HexFormat.of().formatHex(random));
    }

    /** Registers {@code addresses} as about to be referenced by this process. */
    synchronized void add(Collection<String> addresses) throws IOException {
        java.util.List<String> fresh = addresses.stream().filter(a -> !registered.contains(a)).distinct().toList();
        if (fresh.isEmpty()) {
            return;
        }
        HistoryDirs.create(dir.getParent(), dir);
        Files.writeString(mine, String.join("\n", fresh) + "\n", StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        registered.addAll(fresh);
    }

    /** Forgets this process's registrations: its record now references them (or it gave up). */
    synchronized void clear() throws IOException {
        registered.clear();
        Files.deleteIfExists(mine);
    }

    /** Whether a process that died left registrations (its objects are then garbage to collect). */
    boolean anyDead() throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                if (!alive(file.getFileName().toString())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Adds what live processes registered to {@code referenced}; deletes the files of dead ones. */
    void keep(Set<String> referenced) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                if (!alive(file.getFileName().toString())) {
                    Files.deleteIfExists(file);
                    continue;
                }
                try {
                    for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                        if (!line.isEmpty()) {
                            referenced.add(line);
                        }
                    }
                } catch (NoSuchFileException cleared) {
                    // its writer committed meanwhile
                }
            }
        }
    }

    /** A registration file's process runs still (same pid and start time); anything unparseable is dead. */
    private static boolean alive(String file) {
        String[] parts = file.split("-");
        if (parts.length != 3) {
            return false;
        }
        try {
            long pid = Long.parseLong(parts[0]);
            long started = Long.parseLong(parts[1]);
            Optional<ProcessHandle> process = ProcessHandle.of(pid);
            return process.isPresent() && process.get().isAlive()
                    && (started == 0 || start(process.get()).map(Instant::toEpochMilli).orElse(started) == started);
        } catch (NumberFormatException garbled) {
            return false;
        }
    }

    private static Optional<Instant> start(ProcessHandle process) {
        return process.info().startInstant();
    }
}
