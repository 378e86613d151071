package io.productivek3s.infra.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds a process that this run started (directly or not) and that still uses a directory after the run's children
 * have exited: a daemon left behind by a scenario, with its working directory, root, an open file or a mapping there.
 * Reparented orphans are no longer our descendants, so the test is "started after this JVM, still alive, and using
 * the directory", read from Linux's {@code /proc} (about a millisecond per hundred processes).
 */
public final class LingeringProcesses {
    private static final Path PROC = Path.of("/proc");

    private LingeringProcesses() {
    }

    /** Whether {@link #using} can answer on this system. */
    public static boolean supported() {
        return Files.isReadable(PROC.resolve("self/stat"));
    }

    /**
     * Why {@code dir} is still in use, if it is: a process started after this one that uses it or anything under it
     * ("process 123, started by this run, still uses it"), or that this cannot be told.
     */
    public static Optional<String> using(Path dir) {
        long self = ProcessHandle.current().pid();
        String root;
        long since;
        try {
            root = dir.toRealPath().toString();
            since = startTicks(PROC.resolve(Long.toString(self)));
        } catch (IOException | RuntimeException e) {
            return Optional.of(cannotTell(e));   // assume the worst
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(PROC)) {
            for (Path proc : all) {
                String name = proc.getFileName().toString();
                if (!isPid(name) || Long.parseLong(name) == self) {
                    continue;
                }
                try {
                    if (startTicks(proc) >= since && uses(proc, root)) {
                        return Optional.of("process " + name + ", started by this run, still uses it");
                    }
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile, or another user's (which cannot reach a 0700 directory of ours)
                }
            }
        } catch (IOException e) {
            return Optional.of(cannotTell(e));
        }
        return Optional.empty();
    }

    private static String cannotTell(Exception e) {
        return "cannot tell whether a process started by this run still uses it (" + e.getMessage() + ")";
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Field 22 of {@code stat}, counted after the command name, which may itself hold spaces and parentheses. */
    static long startTicks(Path proc) throws IOException {
        String stat = Files.readString(proc.resolve("stat"), StandardCharsets.ISO_8859_1);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[19]);
    }

    private static boolean uses(Path proc, String root) throws IOException {
        if (under(link(proc.resolve("cwd")), root) || under(link(proc.resolve("root")), root)) {
            return true;
        }
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
            for (Path fd : fds) {
                if (under(link(fd), root)) {
                    return true;
                }
            }
        }
        for (String line : Files.readAllLines(proc.resolve("maps"), StandardCharsets.ISO_8859_1)) {
            int slash = line.indexOf('/');
            if (slash >= 0 && under(line.substring(slash), root)) {
                return true;
            }
        }
        return false;
    }

    private static String link(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static boolean under(String path, String root) {
        return path.equals(root) || path.startsWith(root) && path.length() > root.length() && path.charAt(root.length()) == '/';
    }
}
