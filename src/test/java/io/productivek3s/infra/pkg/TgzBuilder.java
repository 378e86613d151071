package io.productivek3s.infra.pkg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/** Builds real (possibly hostile) tar.gz archives; member names are written exactly as given. */
final class TgzBuilder {
    private record Member(String name, byte type, byte[] content, int mode, String link) {
    }

    private final List<Member> members = new ArrayList<>();

    static final String MINIMAL_MANIFEST = """
            apiVersion: infra.productive-k3s.io/v1
            kind: Profile
            metadata:
              name: demo
              version: 0.1.0
            spec:
              scenario:
                type: demo
              engine:
                type: shell
              execution:
                installScript: scripts/install.sh
            """;

    /** A small, runnable-looking package rooted at {@code prefix} ("" or "./" or "wrapper/"). */
    static TgzBuilder validPackage(String prefix) {
        return new TgzBuilder()
                .dir(prefix.isEmpty() ? "./" : prefix)
                .file(prefix + "profile.yaml", MINIMAL_MANIFEST)
                .file(prefix + "profile.env", "PK3S_INFRA_PROFILE_NAME=demo\n")
                .dir(prefix + "scripts/")
                .file(prefix + "scripts/install.sh", "#!/usr/bin/env bash\necho install\n", 0755)
                .file(prefix + "scenarios/edge/demo/Makefile", "up:\n\t@echo up\n", 0644);
    }

    TgzBuilder dir(String name) {
        return add(name, TarConstants.LF_DIR, new byte[0], 0755, null);
    }

    TgzBuilder file(String name, String content) {
        return file(name, content, 0644);
    }

    TgzBuilder file(String name, String content, int mode) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    TgzBuilder file(String name, byte[] content, int mode) {
        return add(name, TarConstants.LF_NORMAL, content, mode, null);
    }

    TgzBuilder symlink(String name, String target) {
        return add(name, TarConstants.LF_SYMLINK, new byte[0], 0777, target);
    }

    TgzBuilder hardLink(String name, String target) {
        return add(name, TarConstants.LF_LINK, new byte[0], 0644, target);
    }

    TgzBuilder charDevice(String name) {
        return add(name, TarConstants.LF_CHR, new byte[0], 0644, null);
    }

    TgzBuilder blockDevice(String name) {
        return add(name, TarConstants.LF_BLK, new byte[0], 0644, null);
    }

    TgzBuilder fifo(String name) {
        return add(name, TarConstants.LF_FIFO, new byte[0], 0644, null);
    }

    /** A raw PAX extended header ('x') holding one record; it applies to the next member. */
    TgzBuilder paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int length = body.length() + 1;
        while (String.valueOf(length).length() + body.length() != length) {
            length++;
        }
        return add("./PaxHeaders/x", TarConstants.LF_PAX_EXTENDED_HEADER_LC,
                (length + body).getBytes(StandardCharsets.UTF_8), 0644, null);
    }

    private TgzBuilder add(String name, byte type, byte[] content, int mode, String link) {
        members.add(new Member(name, type, content, mode, link));
        return this;
    }

    byte[] tar() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Member m : members) {
                TarArchiveEntry entry = new TarArchiveEntry(m.name(), m.type(), true);
                entry.setMode(m.mode());
                if (m.link() != null) {
                    entry.setLinkName(m.link());
                }
                if (m.type() == TarConstants.LF_CHR || m.type() == TarConstants.LF_BLK) {
                    entry.setDevMajor(1);
                    entry.setDevMinor(3);
                }
                entry.setSize(m.content().length);
                tar.putArchiveEntry(entry);
                tar.write(m.content());
                tar.closeArchiveEntry();
            }
            tar.finish();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    byte[] tgz() {
        return gzip(tar());
    }

    Path writeTo(Path file) {
        return write(file, tgz());
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static byte[] truncate(byte[] data, int removeFromEnd) {
        return Arrays.copyOf(data, data.length - removeFromEnd);
    }

    static Path write(Path file, byte[] data) {
        try {
            return Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
