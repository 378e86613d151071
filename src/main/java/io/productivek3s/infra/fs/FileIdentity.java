package io.productivek3s.infra.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What identifies one version of a file without reading it: device, inode, size, modification and change time, mode.
 * An in-place write changes mtime and ctime; {@code touch -d}, {@code cp -p}, {@code rsync -t} and {@code tar -x}
 * can put an old mtime back but not the ctime (only the kernel sets it, to its own clock), and a replacement changes
 * the inode. So a file whose identity did not change kept its bytes, provided the identity was recorded after the
 * clock had moved past its last change: see {@link DigestMemo} for that half of the rule.
 */
public record FileIdentity(long device, long inode, long size, long mtimeNanos, long ctimeNanos, int mode) {
    private static final String ATTRIBUTES = "unix:dev,ino,size,lastModifiedTime,ctime,mode";

    /** The identity of {@code path} itself (a symlink is not followed); empty when it cannot be read. */
    public static Optional<FileIdentity> of(Path path) {
        try {
            return Optional.of(read(path));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public static FileIdentity read(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        return new FileIdentity((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime")), (Integer) a.get("mode"));
    }

    /**
     * Written out rather than generated: a record's generated equals/hashCode is linked on first use through an
     * invokedynamic bootstrap that builds a method-handle chain per component, ~20-40 ms of a cold JVM, and a package
     * command compares identities on every run (docs/performance.md "What the engine loads before main returns").
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof FileIdentity that && device == that.device && inode == that.inode && size == that.size
                && mtimeNanos == that.mtimeNanos && ctimeNanos == that.ctimeNanos && mode == that.mode;
    }

    @Override
    public int hashCode() {
        int hash = Long.hashCode(device);
        hash = 31 * hash + Long.hashCode(inode);
        hash = 31 * hash + Long.hashCode(size);
        hash = 31 * hash + Long.hashCode(mtimeNanos);
        hash = 31 * hash + Long.hashCode(ctimeNanos);
        return 31 * hash + mode;
    }

    /** Same inode, bytes and times but the change time: what a hard link made or removed elsewhere does to a file. */
    public boolean onlyChangeTimeDiffers(FileIdentity other) {
        return device == other.device && inode == other.inode && size == other.size && mtimeNanos == other.mtimeNanos
                && mode == other.mode && ctimeNanos != other.ctimeNanos;
    }

    /** Whether this is the identity of a directory (by the file type bits of its mode). */
    public boolean isDirectory() {
        return (mode & 0170000) == 0040000;
    }

    /** The same file (device and inode), whatever its content. */
    public boolean sameInode(FileIdentity other) {
        return device == other.device && inode == other.inode;
    }

    private static long nanos(FileTime time) {
        return time.to(TimeUnit.NANOSECONDS);
    }

    /** Six numbers separated by spaces: the first half of a {@link DigestMemo.Entry}'s line. */
    public String encode() {
        return device + " " + inode + " " + size + " " + mtimeNanos + " " + ctimeNanos + " " + mode;
    }

    public static Optional<FileIdentity> decode(String text) {
        // six numbers read in place, without splitting: a listing decodes two identities per cluster
        long[] n = new long[6];
        int start = 0;
        String t = text.trim();
        try {
            for (int k = 0; k < 6; k++) {
                int end = k < 5 ? t.indexOf(' ', start) : t.length();
                if (end < 0 || (k == 5 && t.indexOf(' ', start) >= 0)) {
                    return Optional.empty();
                }
                n[k] = Long.parseLong(t, start, end, 10);
                start = end + 1;
            }
            return Optional.of(new FileIdentity(n[0], n[1], n[2], n[3], n[4], Math.toIntExact(n[5])));
        } catch (NumberFormatException | ArithmeticException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

}
