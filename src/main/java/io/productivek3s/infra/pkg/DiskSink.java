package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes validated members under a real, private destination directory. The model already rules out every
 * escape; this class re-checks on the filesystem itself so that a model bug cannot turn into a write outside the
 * destination: no symlink is ever followed (files are created with {@code O_NOFOLLOW|O_EXCL}), and a parent
 * directory is used only if this sink created it itself ({@code mkdir} never follows a link) or found it to be a
 * real directory.
 *
 * <p>Per-file cost matters for packages of 100,000 files: known directories are remembered instead of being
 * re-checked, modes are given at creation instead of by a {@code chmod} per file (unless the umask turns out to
 * strip owner bits), and nothing is synced (the tree is a temporary copy).
 */
final class DiskSink implements ArchiveSink {
    private static final Set<OpenOption> CREATE_FILE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);

    private final Path root;
    private final ArchiveWording wording;
    /** Directories (relative, normalized) known to be real directories inside {@code root}; "" is the root. */
    private final Set<String> directories = new HashSet<>();
    /** Per requested mode: whether creating with it yields exactly that mode (the umask does not interfere). */
    private final Map<Set<PosixFilePermission>, Boolean> modeExact = new HashMap<>();

    /** @param root destination; must already be a real (canonical) path */
    DiskSink(Path root) {
        this(root, ArchiveWording.PROFILE_PACKAGE);
    }

    DiskSink(Path root, ArchiveWording wording) {
        this.root = root;
        this.wording = wording;
        directories.add("");
    }

    @Override
    public void directory(ArchiveModel.Member member) {
        run(member, () -> ensureDirectories(member.path(), member));
    }

    @Override
    public OutputStream openFile(ArchiveModel.Member member) {
        Set<PosixFilePermission> mode = fileMode(member);
        Path target = call(member, () -> ensureDirectories(ArchivePaths.parentOf(member.path()), member)
                .resolve(member.path().substring(member.path().lastIndexOf('/') + 1)));
        FileChannel channel = call(member, () -> create(target, member, mode));
        return new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] buffer, int offset, int length) {
                run(member, () -> {
                    ByteBuffer bytes = ByteBuffer.wrap(buffer, offset, length);
                    while (bytes.hasRemaining()) {
                        channel.write(bytes);
                    }
                });
            }

            @Override
            public void close() {
                run(member, channel::close);
            }
        };
    }

    @Override
    public void closeFile(ArchiveModel.Member member) {
        // the mode was given at creation
    }

    @Override
    public void symlink(ArchiveModel.Member member) {
        Path target = prepareTarget(member);
        run(member, () -> Files.createSymbolicLink(target, Path.of(member.linkTarget())));
    }

    @Override
    public void hardLink(ArchiveModel.Member member) {
        // A copy instead of a real link: the two paths must not share modes, and nothing outside can be reached.
        Path source = root.resolve(member.linkTarget());
        Path target = prepareTarget(member);
        run(member, () -> {
            if (!Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)
                    || !source.toRealPath().equals(source)) {
                throw wording.unsafe(member.rawName());
            }
            Files.copy(source, target, LinkOption.NOFOLLOW_LINKS);
            setMode(target, fileMode(member));
        });
    }

    /** Creates a new file with its final mode; a regular file an earlier member left there is replaced. */
    private FileChannel create(Path target, ArchiveModel.Member member, Set<PosixFilePermission> mode)
            throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(target, CREATE_FILE, PosixFilePermissions.asFileAttribute(mode));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                throw wording.unsafe(member.rawName());
            }
            Files.delete(target);
            channel = FileChannel.open(target, CREATE_FILE, PosixFilePermissions.asFileAttribute(mode));
        }
        fixMode(target, mode);
        return channel;
    }

    /** The parent directories of a link member, and no regular file an earlier member left at its path. */
    private Path prepareTarget(ArchiveModel.Member member) {
        return call(member, () -> {
            Path parent = ensureDirectories(ArchivePaths.parentOf(member.path()), member);
            Path target = parent.resolve(member.path().substring(member.path().lastIndexOf('/') + 1));
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw wording.unsafe(member.rawName());
                }
                Files.delete(target);
            }
            return target;
        });
    }

    /** {@code rel} and its parents as real directories (mode 0700), created where missing. */
    private Path ensureDirectories(String rel, ArchiveModel.Member member) throws IOException {
        Path dir = rel.isEmpty() ? root : root.resolve(rel);
        if (directories.contains(rel)) {
            return dir;
        }
        String parent = ArchivePaths.parentOf(rel);
        ensureDirectories(parent, member);
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(Files2.DIR_PRIVATE));
            fixMode(dir, Files2.DIR_PRIVATE);
        } catch (FileAlreadyExistsException e) {
            // Not created by this sink: usable only if it is a real directory, never a link to one.
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !dir.toRealPath().equals(dir)) {
                throw wording.unsafe(member.rawName());
            }
            setMode(dir, Files2.DIR_PRIVATE);
        }
        directories.add(rel);
        return dir;
    }

    /** Applies {@code mode} after creation only while the umask is seen to strip owner bits. */
    private void fixMode(Path path, Set<PosixFilePermission> mode) throws IOException {
        Boolean exact = modeExact.get(mode);
        if (Boolean.TRUE.equals(exact)) {
            return;
        }
        if (exact == null) {
            Set<PosixFilePermission> actual = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
            modeExact.put(mode, actual.equals(mode));
            if (actual.equals(mode)) {
                return;
            }
        }
        setMode(path, mode);
    }

    private static Set<PosixFilePermission> fileMode(ArchiveModel.Member member) {
        return member.executable() ? Files2.FILE_PRIVATE_EXEC : Files2.FILE_PRIVATE;
    }

    private static void setMode(Path path, Set<PosixFilePermission> mode) throws IOException {
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setPermissions(mode);
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private interface IoSupplier<T> {
        T get() throws IOException;
    }

    private void run(ArchiveModel.Member member, IoAction action) {
        call(member, () -> {
            action.run();
            return null;
        });
    }

    private <T> T call(ArchiveModel.Member member, IoSupplier<T> action) {
        try {
            return action.get();
        } catch (IOException e) {
            throw EngineException.runtime("could not write extracted package member " + member.path() + ": "
                    + OneLine.of(e));
        }
    }
}
