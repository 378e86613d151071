package io.productivek3s.infra.pkg;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a directory tree as a gzip tar that depends only on the tree's content: entries in byte order of their
 * path, fixed timestamp, uid/gid 0 with empty owner names, modes normalized to 0755/0644 (or chosen per file with
 * {@link #writeWithModes}). The same sources give the same bytes, so a package's sha256 identifies its content.
 */
public final class ReproducibleTarGz {
    /** 2026-01-01T00:00:00Z: fixed so archives do not change with checkout times. */
    public static final long FIXED_MTIME_MILLIS = 1_767_225_600_000L;

    /** Mode (permission bits) of a regular file's entry, from its path relative to root and the file itself. */
    @FunctionalInterface
    public interface FileMode {
        int of(String rel, Path file) throws IOException;
    }

    /** Keeps each file's own permission bits: export bundles carry 0600 secrets and 0755 launchers as staged. */
    public static final FileMode KEEP_MODE = (rel, file) -> {
        int mode = 0;
        for (PosixFilePermission permission : Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)) {
            mode |= 0400 >> permission.ordinal();
        }
        return mode;
    };

    private ReproducibleTarGz() {
    }

    /**
     * @param root   directory whose content becomes the archive
     * @param prefix member name prefix, e.g. {@code "./"} for packages or {@code "bundle/"} for export archives
     * @param include filter on the path relative to root ({@code /}-separated); excluded directories are pruned
     * @param executable override for the execute bit, or null to take it from the file
     */
    public static void write(Path root, String prefix, Predicate<String> include, Predicate<String> executable, OutputStream target)
            throws IOException {
        writeWithModes(root, prefix, include, (rel, file) -> executable != null && executable.test(rel) || Files.isExecutable(file)
                ? 0755 : 0644, target);
    }

    /**
     * Same as {@link #write} with an explicit mode per regular file. A prefix ending in {@code /} gets its own
     * directory entry first ({@code ./} for packages, {@code bundle/} for export archives).
     */
    public static void writeWithModes(Path root, String prefix, Predicate<String> include, FileMode fileMode, OutputStream target)
            throws IOException {
        List<Path> paths = collect(root, include);
        GZIPOutputStream gzip = new GZIPOutputStream(target, 64 * 1024);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip, "UTF-8")) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            if (prefix.endsWith("/")) {
                tar.putArchiveEntry(directoryEntry(prefix));
                tar.closeArchiveEntry();
            }
            for (Path path : paths) {
                String rel = relative(root, path);
                if (Files.isSymbolicLink(path)) {
                    TarArchiveEntry link = new TarArchiveEntry(prefix + rel, TarConstants.LF_SYMLINK);
                    link.setLinkName(Files.readSymbolicLink(path).toString());
                    normalize(link, 0120777);
                    tar.putArchiveEntry(link);
                    tar.closeArchiveEntry();
                } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    tar.putArchiveEntry(directoryEntry(prefix + rel + "/"));
                    tar.closeArchiveEntry();
                } else {
                    TarArchiveEntry entry = new TarArchiveEntry(prefix + rel);
                    normalize(entry, 0100000 | (fileMode.of(rel, path) & 07777));
                    entry.setSize(Files.size(path));
                    tar.putArchiveEntry(entry);
                    Files.copy(path, tar);
                    tar.closeArchiveEntry();
                }
            }
            tar.finish();
        }
    }

    private static TarArchiveEntry directoryEntry(String name) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        normalize(entry, 040755);
        return entry;
    }

    private static void normalize(TarArchiveEntry entry, int mode) {
        entry.setMode(mode);
        entry.setModTime(new Date(FIXED_MTIME_MILLIS));
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
    }

    private static List<Path> collect(Path root, Predicate<String> include) throws IOException {
        List<Path> paths = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (dir.equals(root)) {
                    return FileVisitResult.CONTINUE;
                }
                if (!include.test(relative(root, dir))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                paths.add(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (include.test(relative(root, file))) {
                    paths.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        paths.sort((a, b) -> compareBytes(relative(root, a), relative(root, b)));
        return paths;
    }

    static int compareBytes(String a, String b) {
        byte[] x = a.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] y = b.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return java.util.Arrays.compareUnsigned(x, y);
    }

    private static String relative(Path root, Path path) {
        return root.relativize(path).toString().replace('\\', '/');
    }
}
