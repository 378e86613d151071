package io.productivek3s.infra.util;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** File helpers the JDK lacks: private modes, atomic replace, recursive delete without following links. */
public final class Files2 {
    // Immutable (Set.copyOf): a caller that widened a shared mode would widen it for every later file.
    public static final Set<PosixFilePermission> DIR_PRIVATE = mode("rwx------");
    public static final Set<PosixFilePermission> FILE_PRIVATE = mode("rw-------");
    public static final Set<PosixFilePermission> FILE_PRIVATE_EXEC = mode("rwx------");
    public static final Set<PosixFilePermission> FILE_PUBLIC_EXEC = mode("rwxr-xr-x");
    public static final Set<PosixFilePermission> FILE_PUBLIC = mode("rw-r--r--");

    private Files2() {
    }

    /** An unmodifiable permission set from {@code rwxr-x---} notation. */
    public static Set<PosixFilePermission> mode(String symbolic) {
        return Set.copyOf(PosixFilePermissions.fromString(symbolic));
    }

    /** Creates {@code dir} and missing parents; directories created here get mode 0700. */
    public static Path createPrivateDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.isDirectory(absolute)) {
            return absolute;
        }
        Path parent = absolute.getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            createPrivateDirectories(parent);
        }
        try {
            Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(DIR_PRIVATE));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(absolute)) {
                throw e;
            }
        }
        Files.setPosixFilePermissions(absolute, DIR_PRIVATE);
        return absolute;
    }

    /**
     * Creates {@code dir} and its missing parents below {@code root} (each created one gets mode 0700) without
     * following a link: every component of {@code dir} below {@code root} must be a real directory, checked with
     * {@code NOFOLLOW_LINKS}. A symbolic link in the way is {@link NotDirectoryException} naming it; a file in the
     * way is {@link FileAlreadyExistsException}, as with {@link #createPrivateDirectories}. {@code root} itself may be reached through links (it is the caller's choice of place, e.g. a
     * state directory on another disk); what lies below it is the engine's own layout, which a planted link must not
     * redirect. A component created concurrently is checked like an existing one.
     */
    public static Path createPrivateDirectoriesBelow(Path root, Path dir) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        Path target = dir.toAbsolutePath().normalize();
        if (!target.startsWith(base)) {
            throw new IllegalArgumentException(target + " is not below " + base);
        }
        Path current = createPrivateDirectories(base);
        for (Path name : base.relativize(target)) {
            if (name.toString().isEmpty()) {
                continue; // dir is root itself
            }
            current = current.resolve(name);
            if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(current, PosixFilePermissions.asFileAttribute(DIR_PRIVATE));
                    Files.setPosixFilePermissions(current, DIR_PRIVATE); // the umask may have narrowed it
                } catch (FileAlreadyExistsException taken) {
                    // mkdir(2) never follows a link in the last component: a link or a file is there
                    if (Files.isSymbolicLink(current)) {
                        throw new NotDirectoryException(current.toString());
                    }
                    if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                        throw taken;
                    }
                }
            }
        }
        return current;
    }

    /** Writes {@code content} to a temp file beside {@code target} with {@code mode}, then renames it over target. */
    public static void writeAtomically(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
                PosixFilePermissions.asFileAttribute(FILE_PRIVATE));
        try {
            Files.write(tmp, content);
            Files.setPosixFilePermissions(tmp, mode);
            moveAtomically(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void writeAtomically(Path target, String content, Set<PosixFilePermission> mode) throws IOException {
        writeAtomically(target, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    /**
     * The names in the directory {@code dir} (unsorted; a link to a directory is listed, as
     * {@link Files#newDirectoryStream} does), read as {@code java.io} lists them: no {@link Path} is made per entry,
     * which is most of a listing's cost with thousands of entries (docs/performance.md "Local `state list` at 1,000
     * clusters").
     */
    public static String[] names(Path dir) throws IOException {
        String[] names = dir.toFile().list();
        if (names == null) {
            if (!Files.isDirectory(dir)) {
                throw new NotDirectoryException(dir.toString());
            }
            throw new IOException("cannot list the directory " + dir);
        }
        return names;
    }

    /**
     * {@code Files.isRegularFile(file, NOFOLLOW_LINKS)}, without the exception JDK 17 builds and discards for an absent
     * file (a {@code NoSuchFileException} with its stack trace: 10-50 us, several times the stat itself). The
     * link-following form answers an absent file from a stat alone; only a present one is looked at again without
     * following links. For lookups that usually miss (docs/performance.md "Encryption at rest").
     */
    public static boolean isRegularNoFollow(Path file) {
        return Files.isRegularFile(file) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS);
    }

    /** Rename that replaces the target; atomic where the filesystem allows it. */
    public static void moveAtomically(Path source, Path target) throws IOException {
        try {
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a tree; symbolic links are removed, never followed. Missing paths are ignored. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(root);
            return;
        }
        boolean emptied = false;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root)) {
            if (stream instanceof SecureDirectoryStream<Path> secure) {
                deleteContents(secure);
                emptied = true;
            }
        }
        if (!emptied) {
            walkAndDelete(root);
            return;
        }
        root.toFile().setWritable(true, true);
        Files.deleteIfExists(root);
    }

    /**
     * Empties a directory through its open handle (Linux): one {@code unlinkat} per file, relative to the directory,
     * instead of a {@code stat} walk plus a {@code stat} and an {@code unlink} of the full path per file. Only a
     * name that refuses to be unlinked is looked at (a directory, or no permission).
     */
    private static void deleteContents(SecureDirectoryStream<Path> dir) throws IOException {
        List<Path> names = new ArrayList<>();
        for (Path entry : dir) {
            names.add(entry.getFileName());   // listed first: unlinking while reading may skip names
        }
        for (Path name : names) {
            try {
                dir.deleteFile(name);
                continue;
            } catch (NoSuchFileException gone) {
                continue;
            } catch (IOException notAFile) {
                PosixFileAttributeView view = dir.getFileAttributeView(name, PosixFileAttributeView.class,
                        LinkOption.NOFOLLOW_LINKS);
                PosixFileAttributes attributes;
                try {
                    attributes = view.readAttributes();
                } catch (NoSuchFileException gone) {
                    continue;
                }
                if (!attributes.isDirectory()) {
                    throw notAFile;
                }
                if (!attributes.permissions().containsAll(DIR_PRIVATE)) {
                    // A directory without write/exec bits (e.g. extracted 0500) must still be emptied.
                    view.setPermissions(DIR_PRIVATE);
                }
            }
            try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, LinkOption.NOFOLLOW_LINKS)) {
                deleteContents(child);
            }
            try {
                dir.deleteDirectory(name);
            } catch (NoSuchFileException gone) {
                // removed meanwhile
            }
        }
    }

    private static void walkAndDelete(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) {
                    throw exc;
                }
                // A directory without write/exec bits (e.g. extracted 0500) must still be removable.
                dir.toFile().setWritable(true, true);
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Best-effort delete for cleanup paths, where a failure must not mask the primary error. */
    public static void deleteQuietly(Path root) {
        if (root == null) {
            return;
        }
        try {
            deleteRecursively(root);
        } catch (IOException | RuntimeException ignored) {
            // cleanup is best effort; the caller already has its result
        }
    }
}
