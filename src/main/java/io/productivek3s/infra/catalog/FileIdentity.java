package io.productivek3s.infra.catalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What identifies one version of a file without reading it: device, inode, size, modification and change time.
 * An in-place write changes mtime and ctime; {@code touch -d} can restore mtime but not ctime (only the kernel sets
 * it), and a replacement changes the inode. So an unchanged identity means unchanged bytes, short of a clock
 * rollback by root.
 */
record FileIdentity(long device, long inode, long size, long mtimeNanos, long ctimeNanos, int mode) {
    private static final String ATTRIBUTES = "unix:dev,ino,size,lastModifiedTime,ctime,mode";

    /** The identity of {@code path} itself (a symlink is not followed); empty when it cannot be read. */
    static Optional<FileIdentity> of(Path path) {
        try {
            return Optional.of(read(path));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static FileIdentity read(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return new FileIdentity((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime")), (Integer) a.get("mode"));
    }

    /**
     * How a directory is recorded: its times change whenever an entry is added or removed, also by a run that has
     * put back what it found, so they are replaced by the number of entries and left out.
     */
    FileIdentity asDirectory(int entries) {
        return new FileIdentity(device, inode, entries, 0, 0, mode);
    }

    private static long nanos(FileTime time) {
        return time.to(TimeUnit.NANOSECONDS);
    }

    /** One line, for the digest memo. */
    String encode() {
        return device + " " + inode + " " + size + " " + mtimeNanos + " " + ctimeNanos + " " + mode;
    }

    static Optional<FileIdentity> decode(String text) {
        String[] parts = text.trim().split(" ");
        if (parts.length != 6) {
            return Optional.empty();
        }
        try {
            return Optional.of(new FileIdentity(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
                    Long.parseLong(parts[2]), Long.parseLong(parts[3]), Long.parseLong(parts[4]),
                    Integer.parseInt(parts[5])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
