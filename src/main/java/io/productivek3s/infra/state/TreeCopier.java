package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Copies state trees with private modes (docs/contract/state-files.md#layout): directories 0700, files 0600 or 0700 when the source was
 * executable. Symbolic links are never followed; how they are kept depends on {@link Links}. Selected files are
 * hard-linked instead of copied when the filesystem allows it.
 */
final class TreeCopier {
    private static final Set<PosixFilePermission> EXECUTE_BITS = EnumSet.of(PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);

    enum Links {
        /** Links resolving inside the copied root are kept (as relative links); others are skipped with a WARN. */
        CONFINED,
        /** As CONFINED, but links leaving the root are kept pointing at their absolute target (plugin caches). */
        KEEP_EXTERNAL
    }

    private final Consumer<String> warn;

    TreeCopier(Consumer<String> warn) {
        this.warn = warn;
    }

    /**
     * Copies {@code root/relative} (a directory, file or link) to {@code target}, which must not exist. {@code root}
     * bounds where links may point; {@code hardLink} selects, by path relative to {@code root}, the files that may
     * share the source's inode.
     */
    void copy(Path root, String relative, Path target, Links links, Predicate<Path> hardLink) throws IOException {
        Path realRoot = root.toRealPath();
        Path start = realRoot.resolve(relative);
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path to = map(dir);
                Files.createDirectory(to, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
                Files.setPosixFilePermissions(to, Files2.DIR_PRIVATE);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isSymbolicLink()) {
                    copyLink(realRoot, file, map(file), links);
                } else if (attrs.isRegularFile()) {
                    copyFile(file, map(file), hardLink.test(realRoot.relativize(file)));
                } else {
                    warn.accept("skipping " + file + ": not a regular file, directory or symbolic link");
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                throw exc;
            }

            private Path map(Path source) {
                return target.resolve(start.relativize(source).toString());
            }
        });
    }

    private void copyLink(Path realRoot, Path link, Path to, Links links) throws IOException {
        Path lexical = link.getParent().resolve(Files.readSymbolicLink(link)).normalize();
        Path resolved;
        try {
            resolved = lexical.toRealPath();
        } catch (IOException dangling) {
            resolved = lexical;
        }
        if (resolved.startsWith(realRoot)) {
            // Relative, so the copy points into the copied tree, not back into the (temporary) source.
            Path relativeTarget = link.getParent().relativize(resolved);
            Files.createSymbolicLink(to, relativeTarget.toString().isEmpty() ? Path.of(".") : relativeTarget);
        } else if (links == Links.KEEP_EXTERNAL) {
            Files.createSymbolicLink(to, resolved);
        } else {
            warn.accept("skipping symbolic link " + link + ": it points outside " + realRoot);
        }
    }

    private static void copyFile(Path source, Path to, boolean tryHardLink) throws IOException {
        PosixFileAttributes attrs = Files.readAttributes(source, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        boolean executable = attrs.permissions().stream().anyMatch(EXECUTE_BITS::contains);
        Set<PosixFilePermission> mode = executable ? Files2.FILE_PRIVATE_EXEC : Files2.FILE_PRIVATE;
        if (tryHardLink && hardLink(source, to, mode)) {
            return;
        }
        try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
             FileChannel out = FileChannel.open(to, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                     PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE))) {
            long size = in.size();
            long position = 0;
            while (position < size) {
                long copied = in.transferTo(position, size - position, out);
                if (copied <= 0) {
                    break;
                }
                position += copied;
            }
        }
        // Set after writing: the creation mode was filtered by the umask, which could drop the execute bit.
        Files.setPosixFilePermissions(to, mode);
        Files.setLastModifiedTime(to, attrs.lastModifiedTime());
    }

    /** Shares the inode when possible (same filesystem, file we may chmod); false means "copy instead". */
    private static boolean hardLink(Path source, Path to, Set<PosixFilePermission> mode) {
        try {
            Files.createLink(to, source);
            Files.setPosixFilePermissions(to, mode);
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            try {
                Files.deleteIfExists(to);
            } catch (IOException ignored) {
                // the copy that follows fails on the leftover with a clear error
            }
            return false;
        }
    }
}
