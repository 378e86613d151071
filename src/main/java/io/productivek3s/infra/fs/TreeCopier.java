package io.productivek3s.infra.fs;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The engine's one tree copier (docs/architecture.md "Copying trees"): state snapshots, the package cache's private
 * copy per run and source packaging all copy through it. Links are never followed: every path is read with
 * {@code lstat} ({@link FileIdentity#read}), a directory is listed only after it was seen to be one, files are opened
 * {@code O_NOFOLLOW} and created {@code O_EXCL}. Children are visited in name order, so a walk of an unchanged tree
 * always yields the same sequence (the package cache checks a tree against its record that way, {@link Watch}).
 * Modification times are kept.
 *
 * <p>Hard links only where the caller names files that nobody edits in place ({@code hardLink}; state's provider
 * binaries): a linked file is the source's inode, so an in-place write through either name changes both, and adding
 * the link changes the inode's change time, which the file identity of a cached tree relies on. The package cache
 * therefore never links. Files of 8 MiB and more are cloned with {@code cp --reflink=always} where the filesystem
 * shares blocks copy-on-write (btrfs, XFS; probed once per copier, Java cannot issue FICLONE); everything else is
 * copied in the kernel ({@code sendfile}).
 *
 * <p>A caller that already holds an identical file elsewhere may name it ({@code reuse}): that file is hard-linked in
 * place of the copy, as it is (its mode and times are the caller's promise, nothing is changed on it). The state
 * mirror does so for files of its current tree that a persist would copy again unchanged (docs/state.md "The local
 * mirror").
 */
public final class TreeCopier {
    /** Below this, a process per file costs more than copying the bytes. */
    static final long REFLINK_MIN_BYTES = 8L * 1024 * 1024;
    private static final BiPredicate<String, Boolean> EVERYTHING = (rel, directory) -> true;

    public enum Links {
        /** Copied as they are, target unchanged (packages: the validator judges them). */
        AS_IS,
        /** Links resolving inside the copied root are kept (as relative links); others are skipped with a WARN. */
        CONFINED,
        /** As CONFINED, but links leaving the root are kept pointing at their absolute target (plugin caches). */
        KEEP_EXTERNAL
    }

    /** Which modes the copies get. */
    public enum Modes {
        /** Directories 0700, files 0600, or 0700 when the source has an execute bit (docs/architecture.md "Copying trees"). */
        PRIVATE,
        /** Files keep their permission bits; directories get the process's default. */
        KEEP
    }

    /**
     * Sees every path of the walk, in order, before it is copied ({@code rel} is relative to the copied root, {@code ""}
     * for the root itself, '/'-separated), and every regular file again after its bytes were copied; may throw to
     * stop the copy.
     */
    public interface Watch {
        void visit(String rel, Path path, FileIdentity identity) throws IOException;

        default void copied(String rel, Path path, FileIdentity identity) throws IOException {
        }
    }

    /**
     * Names, for a regular file about to be copied, a file elsewhere with exactly the bytes and the mode the copy
     * would get, to be hard-linked instead; empty: copy it. {@code rel} is the path relative to the copied root,
     * {@code identity} the source's as the walk read it.
     */
    @FunctionalInterface
    public interface Reuse {
        Optional<Path> same(String rel, Path source, FileIdentity identity) throws IOException;

        Reuse NONE = (rel, source, identity) -> Optional.empty();
    }

    /**
     * How one copy is made. {@code include} is asked with the path relative to the copied root and whether it is a
     * directory (a refused directory is skipped whole); {@code hardLink} and {@code reuse} with the path relative to
     * the copied root ({@code hardLink} first: a file it names shares the source's inode).
     */
    public record Options(Links links, Modes modes, BiPredicate<String, Boolean> include, Predicate<String> hardLink,
            Watch watch, Reuse reuse) {
        /** Private modes, links as they are, every path, nothing hard-linked. */
        public static Options standard() {
            return new Options(Links.AS_IS, Modes.PRIVATE, EVERYTHING, rel -> false, null, Reuse.NONE);
        }

        public Options links(Links value) {
            return new Options(value, modes, include, hardLink, watch, reuse);
        }

        public Options modes(Modes value) {
            return new Options(links, value, include, hardLink, watch, reuse);
        }

        public Options include(BiPredicate<String, Boolean> value) {
            return new Options(links, modes, value, hardLink, watch, reuse);
        }

        public Options hardLink(Predicate<String> value) {
            return new Options(links, modes, include, value, watch, reuse);
        }

        public Options watch(Watch value) {
            return new Options(links, modes, include, hardLink, value, reuse);
        }

        public Options reuse(Reuse value) {
            return new Options(links, modes, include, hardLink, watch, value);
        }
    }

    private final Consumer<String> warn;
    private Boolean reflinks;

    /** {@code warn} hears of what is skipped: special files, links leaving a confined root. */
    public TreeCopier(Consumer<String> warn) {
        this.warn = warn;
    }

    /**
     * Copies {@code root/relative} (a directory, file or link) to {@code target}, which must not exist, with private
     * modes. {@code root} bounds where links may point; {@code hardLink} selects, by path relative to {@code root},
     * the files that may share the source's inode.
     */
    public void copy(Path root, String relative, Path target, Links links, Predicate<Path> hardLink) throws IOException {
        copy(root, relative, target, links, hardLink, Reuse.NONE);
    }

    /** As above; {@code reuse} is asked with the path relative to {@code root} ('/'-separated). */
    public void copy(Path root, String relative, Path target, Links links, Predicate<Path> hardLink, Reuse reuse)
            throws IOException {
        Path prefix = Path.of(relative);
        String prefixText = relative.isEmpty() ? "" : prefix.toString().replace('\\', '/');
        copy(root, relative, target, Options.standard().links(links)
                .hardLink(rel -> hardLink.test(rel.isEmpty() ? prefix : prefix.resolve(rel)))
                .reuse((rel, source, identity) -> reuse.same(rel.isEmpty() ? prefixText
                        : prefixText.isEmpty() ? rel : prefixText + "/" + rel, source, identity)));
    }

    /**
     * Copies {@code source} (a directory) to {@code target}, which is either absent (created, with its parents) or
     * an existing directory (nothing in it is overwritten: a name already there fails the copy).
     */
    public void copy(Path source, Path target, Options options) throws IOException {
        copy(source, "", target, options);
    }

    /** Visits {@code root} as {@link #copy} would, without copying anything. */
    public static void walk(Path root, Watch watch) throws IOException {
        new TreeCopier(message -> { }).run(root, root, null, Options.standard().watch(watch));
    }

    private void copy(Path root, String relative, Path target, Options options) throws IOException {
        // Links are judged against the real root; copied as they are, nothing is resolved, not even the root itself
        // (a link in place of a package cache's tree is then seen by its Watch as a link, never followed).
        Path base = options.links() == Links.AS_IS ? root : root.toRealPath();
        Path start = relative.isEmpty() ? base : base.resolve(relative);
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        run(base, start, target, options);
    }

    /** One pre-order walk with an explicit stack (no recursion limit on deep trees); null {@code target}: visit only. */
    private void run(Path realRoot, Path start, Path target, Options options) throws IOException {
        Deque<String> pending = new ArrayDeque<>();
        pending.push("");
        while (!pending.isEmpty()) {
            String rel = pending.pop();
            Path from = rel.isEmpty() ? start : start.resolve(rel);
            FileIdentity identity = FileIdentity.read(from);
            if (options.watch() != null) {
                options.watch().visit(rel, from, identity);
            }
            boolean directory = (identity.mode() & 0170000) == 0040000;
            if (!rel.isEmpty() && !options.include().test(rel, directory)) {
                continue;
            }
            Path to = target == null ? null : rel.isEmpty() ? target : target.resolve(rel);
            if (directory) {
                if (to != null) {
                    makeDirectory(to, options.modes());
                }
                List<String> children = children(from);
                for (int i = children.size() - 1; i >= 0; i--) {
                    pending.push(rel.isEmpty() ? children.get(i) : rel + "/" + children.get(i));
                }
            } else if (to == null) {
                continue;
            } else if ((identity.mode() & 0170000) == 0120000) {
                copyLink(realRoot, from, to, options.links());
            } else if ((identity.mode() & 0170000) == 0100000) {
                copyFile(from, to, identity, options, rel);
                if (options.watch() != null) {
                    options.watch().copied(rel, from, identity);
                }
            } else {
                warn.accept("skipping " + from + ": not a regular file, directory or symbolic link");
            }
        }
    }

    /** The names in {@code dir}, sorted: the walk's order does not depend on the filesystem's. */
    public static List<String> children(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            stream.forEach(child -> names.add(child.getFileName().toString()));
        }
        names.sort(null);
        return names;
    }

    private static void makeDirectory(Path to, Modes modes) throws IOException {
        if (Files.isDirectory(to, LinkOption.NOFOLLOW_LINKS)) {
            return;   // the caller's target directory (files are created O_EXCL: nothing in it is overwritten)
        }
        if (modes == Modes.PRIVATE) {
            Files.createDirectory(to, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            Files.setPosixFilePermissions(to, Files2.DIR_PRIVATE);   // in case the umask stripped an owner bit
        } else {
            Files.createDirectory(to);
        }
    }

    private void copyLink(Path realRoot, Path link, Path to, Links links) throws IOException {
        Path target = Files.readSymbolicLink(link);
        if (links == Links.AS_IS) {
            Files.createSymbolicLink(to, target);
            return;
        }
        Path lexical = link.getParent().resolve(target).normalize();
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

    private void copyFile(Path from, Path to, FileIdentity identity, Options options, String rel)
            throws IOException {
        Set<PosixFilePermission> mode = options.modes() == Modes.KEEP
                ? Files.getPosixFilePermissions(from, LinkOption.NOFOLLOW_LINKS)
                : (identity.mode() & 0111) != 0 ? Files2.FILE_PRIVATE_EXEC : Files2.FILE_PRIVATE;
        if (options.hardLink().test(rel) && hardLink(from, to, mode)) {
            return;
        }
        Optional<Path> same = options.reuse().same(rel, from, identity);
        if (same.isPresent() && reuse(same.get(), to)) {
            return;
        }
        if (identity.size() < REFLINK_MIN_BYTES || !reflink(from, to)) {
            try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                 FileChannel out = FileChannel.open(to, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                         LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE))) {
                long size = identity.size();
                long done = 0;
                while (done < size) {
                    long n = in.transferTo(done, size - done, out);
                    if (n <= 0) {
                        break;
                    }
                    done += n;
                }
            }
        }
        // Set after writing: the creation mode was filtered by the umask, which could drop the execute bit.
        Files.setPosixFilePermissions(to, mode);
        Files.setLastModifiedTime(to, FileTime.from(identity.mtimeNanos(), TimeUnit.NANOSECONDS));
    }

    /** Shares the inode when possible (same filesystem, file we may chmod); false means "copy instead". */
    private static boolean hardLink(Path source, Path to, Set<PosixFilePermission> mode) {
        try {
            Files.createLink(to, source);
            Files.setPosixFilePermissions(to, mode);
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            Files2.deleteQuietly(to);   // the copy that follows fails on a leftover with a clear error
            return false;
        }
    }

    /** Links the caller's identical file as it is (no chmod: that would change a file the caller still uses). */
    private static boolean reuse(Path same, Path to) {
        try {
            Files.createLink(to, same);
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            Files2.deleteQuietly(to);   // copied instead
            return false;
        }
    }

    /** A copy-on-write clone; false (and nothing left at {@code to}) where the filesystem cannot share blocks. */
    private boolean reflink(Path from, Path to) throws IOException {
        if (Boolean.FALSE.equals(reflinks)) {
            return false;
        }
        boolean cloned;
        try {
            Process cp = new ProcessBuilder("cp", "--reflink=always", "--no-dereference", "--", from.toString(),
                    to.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (cp.waitFor(60, TimeUnit.SECONDS)) {
                cloned = cp.exitValue() == 0;
            } else {
                cp.destroyForcibly().waitFor();
                cloned = false;
            }
        } catch (IOException e) {
            cloned = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while cloning " + from, e);
        }
        if (!cloned) {
            Files.deleteIfExists(to);
        }
        reflinks = cloned;
        return cloned;
    }
}
