package io.productivek3s.infra.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.testing.TarBuilder;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reuse, eviction and tamper detection of the package extraction cache, on real archives and files. */
class PackageCacheTest {
    private static final ExtractionLimits LIMITS = ExtractionLimits.defaults();

    @TempDir
    Path sandbox;

    private final List<String> debug = new ArrayList<>();
    private Path area;
    private Path tgz;
    private int runs;

    @BeforeEach
    void setUp() throws IOException {
        area = sandbox.resolve("cache/packages");
        tgz = pkg("one", "tf state\n");
    }

    private Path pkg(String name, String content) throws IOException {
        return new TarBuilder()
                .file("./profile.yaml", "metadata:\n  name: " + name + "\n")
                .file("./profile.env", "A=1\n")
                .dir("./scenarios/demo")
                .file("./scenarios/demo/Makefile", "status:\n\ttrue\n")
                .file("./scenarios/demo/run.sh", "#!/bin/sh\necho hi\n", 0755)
                .file("./scenarios/demo/data.txt", content)
                .symlink("./scenarios/demo/link", "data.txt")
                .write(sandbox.resolve(name + ".tgz"));
    }

    private PackageCache cache(long maxBytes) throws IOException {
        Consumer<String> log = debug::add;
        return new PackageCache(area, maxBytes, log);
    }

    private ProfileArchive.Extracted extract(PackageCache cache, Path archive) throws IOException {
        Path target = Files.createDirectory(sandbox.resolve("run-" + ++runs),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return cache.extract(archive, archive.getFileName().toString(), target, LIMITS);
    }

    private boolean reused() {
        return debug.stream().anyMatch(line -> line.endsWith("reused from the cache"));
    }

    @Test
    void secondRunReusesTheEntryAndGetsAnEqualPrivateTree() throws IOException {
        ProfileArchive.Extracted first = extract(cache(1 << 30), tgz);
        assertThat(reused()).isFalse();
        ProfileArchive.Extracted second = extract(cache(1 << 30), tgz);
        assertThat(reused()).isTrue();

        assertThat(second.sha256()).isEqualTo(Digests.sha256(tgz)).isEqualTo(first.sha256());
        assertThat(second.root()).isNotEqualTo(first.root());
        Path script = second.root().resolve("scenarios/demo/run.sh");
        assertThat(Files.readString(script)).isEqualTo("#!/bin/sh\necho hi\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(script))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(second.root().resolve("profile.env"))))
                .isEqualTo("rw-------");
        assertThat(Files.readSymbolicLink(second.root().resolve("scenarios/demo/link"))).isEqualTo(Path.of("data.txt"));
        assertThat(second.scanned().listing().files()).isEqualTo(first.scanned().listing().files());
        // a private copy: no file shares an inode with the cache
        assertThat(Files.getAttribute(script, "unix:nlink")).isEqualTo(1);
    }

    @Test
    void aRunWritingIntoItsTreeLeavesTheCacheIntact() throws IOException {
        Path root = extract(cache(1 << 30), tgz).root();
        Path data = root.resolve("scenarios/demo/data.txt");
        try (var out = Files.newByteChannel(data, StandardOpenOption.WRITE)) {   // rewrite in place
            out.write(java.nio.ByteBuffer.wrap("XX".getBytes(StandardCharsets.UTF_8)));
        }
        Files.writeString(root.resolve("scenarios/demo/run.sh"), "appended\n", StandardOpenOption.APPEND);
        Files.delete(root.resolve("profile.env"));
        Files.setPosixFilePermissions(root.resolve("scenarios/demo/Makefile"), PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(root.resolve("scenarios/demo/new.txt"), "new");

        debug.clear();
        Path again = extract(cache(1 << 30), tgz).root();
        assertThat(reused()).isTrue();
        assertThat(Files.readString(again.resolve("scenarios/demo/data.txt"))).isEqualTo("tf state\n");
        assertThat(Files.readString(again.resolve("scenarios/demo/run.sh"))).isEqualTo("#!/bin/sh\necho hi\n");
        assertThat(again.resolve("profile.env")).hasContent("A=1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(again.resolve("scenarios/demo/Makefile"))))
                .isEqualTo("rw-------");
        assertThat(again.resolve("scenarios/demo/new.txt")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rewrite", "append", "delete", "chmod", "add", "replace", "touch-back"})
    void aTamperedEntryIsDetectedDroppedAndRebuilt(String tampering) throws IOException {
        // no wait: an entry is published only once the filesystem clock is past its last change
        String sha = extract(cache(1 << 30), tgz).sha256();
        Path entryTree = cache(1 << 30).entryDir(sha).resolve("tree");
        Path data = entryTree.resolve("scenarios/demo/data.txt");
        if (!changeFile(data, tampering)) {
            if (!tampering.equals("add")) {
                throw new IllegalArgumentException(tampering);
            }
            Files.writeString(entryTree.resolve("scenarios/demo/evil.sh"), "evil");
        }
        debug.clear();
        Path root = extract(cache(1 << 30), tgz).root();
        assertThat(reused()).isFalse();
        assertThat(debug).anyMatch(line -> line.contains("changed since it was built"));
        assertThat(root.resolve("scenarios/demo/data.txt")).hasContent("tf state");
        assertThat(root.resolve("scenarios/demo/evil.sh")).doesNotExist();
        // rebuilt: the next run trusts it again
        debug.clear();
        Path next = extract(cache(1 << 30), tgz).root();
        assertThat(reused()).isTrue();
        assertThat(next.resolve("scenarios/demo/data.txt")).hasContent("tf state");
    }

    @Test
    void leastRecentlyUsedEntriesAreEvictedBeyondTheLimit() throws IOException {
        Path a = pkg("a", "a".repeat(4000));
        Path b = pkg("b", "b".repeat(4000));
        Path c = pkg("c", "c".repeat(4000));
        long limit = 9000;   // room for two entries of ~4 KB
        String shaA = extract(cache(limit), a).sha256();
        String shaB = extract(cache(limit), b).sha256();
        // last use is the lock's mtime: set explicitly instead of waiting for the clock; a is more recent than b
        Files.setLastModifiedTime(area.resolve("entries/" + shaB + ".lock"), FileTime.fromMillis(1_000_000L));
        Files.setLastModifiedTime(area.resolve("entries/" + shaA + ".lock"), FileTime.fromMillis(2_000_000L));
        String shaC = extract(cache(limit), c).sha256();
        assertThat(cache(limit).entryDir(shaB)).doesNotExist();
        assertThat(cache(limit).entryDir(shaA)).isDirectory();
        assertThat(cache(limit).entryDir(shaC)).isDirectory();
        debug.clear();
        extract(cache(limit), b);
        assertThat(reused()).isFalse();
        assertThat(cache(limit).entryDir(shaB)).isDirectory();
    }

    @Test
    void anUnchangedFileIsNotReadAgainAndAChangedOneIs() throws IOException {
        PackageCache cache = cache(1 << 30);
        ProfileArchive.Scanned first = cache.scan(tgz, "one.tgz", LIMITS);
        debug.clear();
        ProfileArchive.Scanned again = cache.scan(tgz, "one.tgz", LIMITS);
        assertThat(debug).anyMatch(line -> line.contains("already validated"));
        assertThat(again.sha256()).isEqualTo(first.sha256());
        assertThat(again.listing().manifest()).isEqualTo(first.listing().manifest());

        // same path, new content: the identity changed, so the file is read and validated again
        Files.copy(pkg("two", "other"), tgz, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        debug.clear();
        ProfileArchive.Scanned changed = cache.scan(tgz, "one.tgz", LIMITS);
        assertThat(debug).noneMatch(line -> line.contains("already validated"));
        assertThat(changed.sha256()).isEqualTo(Digests.sha256(tgz)).isNotEqualTo(first.sha256());
        assertThat(new String(changed.listing().manifest(), StandardCharsets.UTF_8)).contains("name: two");
    }

    @Test
    void aCachedScanStillHonoursSmallerLimits() throws IOException {
        cache(1 << 30).scan(tgz, "one.tgz", LIMITS);
        assertThatThrownBy(() -> cache(1 << 30).scan(tgz, "one.tgz", new ExtractionLimits(1 << 20, 3)))
                .isInstanceOf(EngineException.class)
                .hasMessageContaining("exceeds extraction limits");
    }

    @Test
    void anInvalidPackageLeavesNothingInTheCache() throws IOException {
        Path evil = new TarBuilder().file("./profile.yaml", "x").file("../escape", "x").write(sandbox.resolve("evil.tgz"));
        PackageCache cache = cache(1 << 30);
        assertThatThrownBy(() -> extract(cache, evil)).isInstanceOf(EngineException.class)
                .hasMessage("profile package contains an unsafe entry: ../escape");
        assertThat(list(area.resolve("entries"))).isEmpty();
        assertThat(list(area.resolve("tmp"))).isEmpty();
    }

    @Test
    void aBuildAbandonedByADeadRunIsNeverUsedAndIsCleanedUp() throws IOException {
        // what kill -9 during population leaves: a temp tree without its lock held, nothing under entries/
        String sha = Digests.sha256(tgz);
        Path abandoned = Files.createDirectories(area.resolve("tmp/dead-run/tree/scenarios"));
        Files.writeString(abandoned.resolve("half"), "half");
        Files.writeString(area.resolve("tmp/dead-run.lock"), "");
        Path root = extract(cache(1 << 30), tgz).root();
        assertThat(reused()).isFalse();
        assertThat(root.resolve("scenarios/demo/data.txt")).hasContent("tf state");
        assertThat(area.resolve("tmp/dead-run")).doesNotExist();
        assertThat(cache(1 << 30).entryDir(sha).resolve("entry.bin")).isRegularFile();
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"truncate", "extend", "garbage"})
    void aDamagedRecordIsRebuiltAndTheRunStillGetsTheWholeTree(String damage) throws IOException {
        String sha = extract(cache(1 << 30), tgz).sha256();
        Path record = cache(1 << 30).entryDir(sha).resolve("entry.bin");
        byte[] bytes = Files.readAllBytes(record);
        switch (damage) {
            case "truncate" -> Files.write(record, java.util.Arrays.copyOf(bytes, bytes.length - 20));
            case "extend" -> Files.write(record, "x".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
            case "garbage" -> {
                bytes[bytes.length - 30] ^= (byte) 0xff;   // inside the last path's identity: always a change
                Files.write(record, bytes);
            }
            default -> throw new IllegalArgumentException(damage);
        }
        debug.clear();
        Path root = extract(cache(1 << 30), tgz).root();
        assertThat(reused()).isFalse();
        assertThat(root.resolve("scenarios/demo/data.txt")).hasContent("tf state");
        assertThat(root.resolve("scenarios/demo/run.sh")).hasContent("#!/bin/sh\necho hi");
        assertThat(Files.readSymbolicLink(root.resolve("scenarios/demo/link")).toString()).isEqualTo("data.txt");
        debug.clear();
        extract(cache(1 << 30), tgz);
        assertThat(reused()).isTrue();
    }

    @Test
    void aPackageLargerThanTheCacheIsHandedToTheRunAsExtractedAndNotKept() throws IOException {
        ProfileArchive.Extracted out = extract(cache(10), tgz);
        assertThat(debug).anyMatch(line -> line.contains("larger than the package cache"));
        assertThat(out.root().resolve("scenarios/demo/data.txt")).hasContent("tf state");
        assertThat(Files.readSymbolicLink(out.root().resolve("scenarios/demo/link"))).isEqualTo(Path.of("data.txt"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out.root()))).isEqualTo("rwx------");
        assertThat(cache(10).entryDir(out.sha256())).doesNotExist();
        assertThat(list(area.resolve("tmp"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"chmod", "link-in-place-of-tree", "link-planted", "xattr"})
    void aTamperedDirectoryOrTopLevelIsSeenAndNothingOutsideTheCacheIsTouched(String tampering) throws Exception {
        String sha = extract(cache(1 << 30), tgz).sha256();
        Path entryTree = cache(1 << 30).entryDir(sha).resolve("tree");
        Path outside = Files.createDirectories(sandbox.resolve("outside/scenarios/demo"));
        Path victim = Files.writeString(outside.resolve("data.txt"), "victim");
        switch (tampering) {
            case "chmod" -> Files.setPosixFilePermissions(entryTree.resolve("scenarios"),
                    PosixFilePermissions.fromString("rwxrwxrwx"));
            case "link-in-place-of-tree" -> {
                Files2.deleteRecursively(entryTree);
                Files.createSymbolicLink(entryTree, sandbox.resolve("outside"));
            }
            case "link-planted" -> {
                Files.delete(entryTree.resolve("scenarios/demo/data.txt"));
                Files.createSymbolicLink(entryTree.resolve("scenarios/demo/data.txt"), victim);
            }
            case "xattr" -> {
                var view = Files.getFileAttributeView(entryTree.resolve("scenarios/demo"),
                        java.nio.file.attribute.UserDefinedFileAttributeView.class);
                view.write("user.pk3s-test", java.nio.ByteBuffer.wrap(new byte[] {1}));
            }
            default -> throw new IllegalArgumentException(tampering);
        }
        debug.clear();
        Path root = extract(cache(1 << 30), tgz).root();
        assertThat(reused()).isFalse();
        assertThat(debug).anyMatch(line -> line.contains("changed since it was built"));
        assertThat(root.resolve("scenarios/demo/data.txt")).isRegularFile().hasContent("tf state");
        assertThat(victim).hasContent("victim");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(outside))).isNotEqualTo("rwx------");
        assertThat(Files.isSymbolicLink(cache(1 << 30).entryDir(sha).resolve("tree"))).isFalse();
    }

    @Test
    void launcherHintsNameThePackageFileByItsStatAndSayWhatIsCached() throws IOException {
        Path hints = area.getParent().resolve("launcher-hints");
        cache(1 << 30).scan(tgz, "one.tgz", LIMITS);
        String key = LauncherHints.key(io.productivek3s.infra.fs.FileIdentity.read(tgz.toRealPath()));
        assertThat(Files.readAllLines(hints)).containsExactly(key + " scan");
        extract(cache(1 << 30), tgz);
        assertThat(Files.readAllLines(hints)).containsExactly(key + " tree");
        cache(1 << 30).scan(tgz, "one.tgz", LIMITS);   // a validate after an install keeps the stronger hint
        assertThat(Files.readAllLines(hints)).containsExactly(key + " tree");
        Path two = pkg("two", "two");
        extract(cache(1 << 30), two);
        String keyTwo = LauncherHints.key(io.productivek3s.infra.fs.FileIdentity.read(two.toRealPath()));
        assertThat(Files.readAllLines(hints)).containsExactly(key + " tree", keyTwo + " tree");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(hints))).isEqualTo("rw-------");
    }

    @Test
    void launcherHintsKeepTheNewestSixtyFourLines() throws IOException {
        Path root = Files.createDirectories(sandbox.resolve("root"));
        LauncherHints hints = new LauncherHints(root);
        for (int i = 0; i < 70; i++) {
            hints.note(new io.productivek3s.infra.fs.FileIdentity(1, i, 2, 3_000_000_000L, 4_000_000_000L, 0100600),
                    LauncherHints.Hint.SCAN);
        }
        List<String> lines = Files.readAllLines(root.resolve("launcher-hints"));
        assertThat(lines).hasSize(64).startsWith("1.6.2.3.4 scan").endsWith("1.69.2.3.4 scan");
    }

    /** The ways a file can be changed in place or replaced; true when {@code how} was one of them. */
    private static boolean changeFile(Path data, String how) throws IOException {
        var mtime = Files.getLastModifiedTime(data);
        switch (how) {
            case "rewrite" -> {
                try (var out = Files.newByteChannel(data, StandardOpenOption.WRITE)) {
                    out.write(java.nio.ByteBuffer.wrap("EVIL".getBytes(StandardCharsets.UTF_8)));
                }
            }
            case "append" -> Files.writeString(data, "evil\n", StandardOpenOption.APPEND);
            case "delete" -> Files.delete(data);
            case "chmod" -> Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
            case "replace" -> {
                Files.delete(data);
                Files.writeString(data, "tf state\n");
            }
            case "touch-back" -> {
                // same size, mtime restored: only ctime can tell
                try (var out = Files.newByteChannel(data, StandardOpenOption.WRITE)) {
                    out.write(java.nio.ByteBuffer.wrap("TF".getBytes(StandardCharsets.UTF_8)));
                }
                Files.setLastModifiedTime(data, mtime);
            }
            default -> {
                return false;
            }
        }
        return true;
    }
}
