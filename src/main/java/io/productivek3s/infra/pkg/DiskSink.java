package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Writes validated members under a real, private destination directory. The model already rules out every
 * escape; this class re-checks on the filesystem itself (no symlink is ever followed, every parent must
 * canonicalize to itself) so that a model bug cannot turn into a write outside the destination.
 */
final class DiskSink implements ArchiveSink {
    private final Path root;
    private final ArchiveWording wording;

    /** @param root destination; must already be a real (canonical) path */
    DiskSink(Path root) {
        this(root, ArchiveWording.PROFILE_PACKAGE);
    }

    DiskSink(Path root, ArchiveWording wording) {
        this.root = root;
        this.wording = wording;
    }

    @Override
    public void directory(ArchiveModel.Member member) {
        run(member, () -> {
            Path dir = ensureDirectories(member.path(), member);
            setMode(dir, Files2.DIR_PRIVATE);
        });
    }

    @Override
    public OutputStream openFile(ArchiveModel.Member member) {
        Path target = prepareTarget(member);
        OutputStream out = call(member, () -> Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
        return new OutputStream() {
            @Override
            public void write(int b) {
                run(member, () -> out.write(b));
            }

            @Override
            public void write(byte[] buffer, int offset, int length) {
                run(member, () -> out.write(buffer, offset, length));
            }

            @Override
            public void close() {
                run(member, out::close);
            }
        };
    }

    @Override
    public void closeFile(ArchiveModel.Member member) {
        run(member, () -> setMode(root.resolve(member.path()), fileMode(member)));
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

    /** Creates the parent directories and removes a regular file that an earlier member left at the path. */
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

    private Path ensureDirectories(String rel, ArchiveModel.Member member) throws IOException {
        Path current = root;
        for (String segment : ArchivePaths.segments(rel)) {
            current = current.resolve(segment);
            if (Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            if (Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                throw wording.unsafe(member.rawName());
            }
            Files.createDirectory(current);
            setMode(current, Files2.DIR_PRIVATE);
        }
        if (!current.toRealPath().equals(current)) {
            throw wording.unsafe(member.rawName());
        }
        return current;
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
