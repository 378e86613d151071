package io.productivek3s.infra.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds real gzip tar archives member by member, including hostile ones the engine must refuse. */
public final class TarBuilder {
    private record Member(String name, byte type, byte[] content, int mode, String link) {
    }

    private final List<Member> members = new ArrayList<>();

    public TarBuilder file(String name, String content) {
        return file(name, content, 0644);
    }

    public TarBuilder file(String name, String content, int mode) {
        members.add(new Member(name, TarConstants.LF_NORMAL, content.getBytes(StandardCharsets.UTF_8), mode, null));
        return this;
    }

    public TarBuilder dir(String name) {
        members.add(new Member(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, new byte[0], 0755, null));
        return this;
    }

    public TarBuilder symlink(String name, String target) {
        members.add(new Member(name, TarConstants.LF_SYMLINK, new byte[0], 0777, target));
        return this;
    }

    public TarBuilder hardlink(String name, String target) {
        members.add(new Member(name, TarConstants.LF_LINK, new byte[0], 0644, target));
        return this;
    }

    public TarBuilder file(String name, byte[] content, int mode) {
        members.add(new Member(name, TarConstants.LF_NORMAL, content, mode, null));
        return this;
    }

    public TarBuilder charDevice(String name) {
        members.add(new Member(name, TarConstants.LF_CHR, new byte[0], 0644, null));
        return this;
    }

    public TarBuilder blockDevice(String name) {
        members.add(new Member(name, TarConstants.LF_BLK, new byte[0], 0644, null));
        return this;
    }

    public TarBuilder fifo(String name) {
        members.add(new Member(name, TarConstants.LF_FIFO, new byte[0], 0644, null));
        return this;
    }

    /** Adds every file and directory below {@code dir}, names prefixed with {@code prefix}, in sorted order. */
    public TarBuilder tree(Path dir, String prefix) throws IOException {
        try (var stream = Files.walk(dir)) {
            for (Path path : stream.sorted().toList()) {
                String rel = dir.relativize(path).toString();
                if (rel.isEmpty()) {
                    continue;
                }
                if (Files.isSymbolicLink(path)) {
                    symlink(prefix + rel, Files.readSymbolicLink(path).toString());
                } else if (Files.isDirectory(path)) {
                    dir(prefix + rel);
                } else {
                    members.add(new Member(prefix + rel, TarConstants.LF_NORMAL, Files.readAllBytes(path),
                            Files.isExecutable(path) ? 0755 : 0644, null));
                }
            }
        }
        return this;
    }

    public byte[] bytes() throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        writeTo(buffer);
        return buffer.toByteArray();
    }

    public Path write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, bytes());
        return file;
    }

    private void writeTo(OutputStream target) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(target))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Member member : members) {
                TarArchiveEntry entry = new TarArchiveEntry(member.name(), member.type(), true); // names exactly as given, absolute ones too
                entry.setMode(member.mode());
                if (member.link() != null) {
                    entry.setLinkName(member.link());
                }
                entry.setSize(member.type() == TarConstants.LF_NORMAL ? member.content().length : 0);
                tar.putArchiveEntry(entry);
                if (member.type() == TarConstants.LF_NORMAL) {
                    tar.write(member.content());
                }
                tar.closeArchiveEntry();
            }
        }
    }
}
