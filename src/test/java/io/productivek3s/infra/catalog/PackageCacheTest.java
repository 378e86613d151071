package io.productivek3s.infra.catalog;

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
    void aTamperedEntryIsDetectedDroppedAndRebuilt(String tampering) throws IOException, InterruptedException {
        String sha = extract(cache(1 << 30), tgz).sha256();
        Thread.sleep(30);   // past the kernel's timestamp granularity, as any later tampering is
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
    void leastRecentlyUsedEntriesAreEvictedBeyondTheLimit() throws IOException, InterruptedException {
        Path a = pkg("a", "a".repeat(4000));
        Path b = pkg("b", "b".repeat(4000));
        Path c = pkg("c", "c".repeat(4000));
        long limit = 9000;   // room for two entries of ~4 KB
        String shaA = extract(cache(limit), a).sha256();
        Thread.sleep(20);
        String shaB = extract(cache(limit), b).sha256();
        Thread.sleep(20);
        extract(cache(limit), a);   // a is now more recent than b
        Thread.sleep(20);
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
                bytes[bytes.length - 30] = (byte) 0x55;   // inside the last path's identity or name
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

    // --- lending: the entry's own tree moved into the run and put back when unchanged ---

    private PackageCache.Checkout borrow(Path archive) throws IOException {
        Path target = Files.createDirectory(sandbox.resolve("run-" + ++runs),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new PackageCache(area, 1 << 30, PackageCache.Lend.ALWAYS, debug::add)
                .checkout(archive, archive.getFileName().toString(), target, LIMITS, true);
    }

    private boolean said(String text) {
        return debug.stream().anyMatch(line -> line.contains(text));
    }

    @Test
    void aLentTreeComesBackWithoutWhatTheRunAddedAndIsLentAgain() throws IOException {
        PackageCache.Checkout first = borrow(tgz);
        assertThat(first.loan()).isPresent();
        String sha = first.extracted().sha256();
        Path entry = cache(1 << 30).entryDir(sha);
        Path root = first.extracted().root();
        assertThat(entry.resolve("tree")).doesNotExist();   // nobody else sees it while lent
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(first.loan().get().tree())))
                .isEqualTo("rwx------");
        assertThat(root.resolve("scenarios/demo/data.txt")).hasContent("tf state");
        // what a run adds: restored state, generated files, a new top-level file, a whole new directory tree
        Files.createDirectories(root.resolve("scenarios/demo/generated/many"));
        Files.writeString(root.resolve("scenarios/demo/generated/many/f1"), "state");
        Files.writeString(root.resolve("scenarios/demo/.terraform.lock.hcl"), "lock");
        Files.writeString(root.resolve("top.txt"), "top");
        Files.writeString(first.loan().get().tree().resolve("beside-root"), "x");
        // and what the engine itself does: the normalized env file written over profile.env (docs/contract/env-files.md#make-safe-env-file)
        Files2.writeAtomically(root.resolve("profile.env"), "# normalized\nA=1\nB=2\n", Files2.FILE_PRIVATE);

        first.loan().get().giveBack();
        assertThat(said("put back into the cache")).as(String.join("\n", debug)).isTrue();
        assertThat(entry.resolve("tree/scenarios/demo/generated")).doesNotExist();
        assertThat(entry.resolve("tree/top.txt")).doesNotExist();
        assertThat(entry.resolve("tree/profile.env")).hasContent("A=1");
        assertThat(entry.resolve("lent")).doesNotExist();

        debug.clear();
        PackageCache.Checkout second = borrow(tgz);
        assertThat(said("lent from the cache")).isTrue();
        assertThat(second.extracted().root().resolve("scenarios/demo/run.sh")).hasContent("#!/bin/sh\necho hi");
        assertThat(second.extracted().root().resolve("scenarios/demo/generated")).doesNotExist();
        assertThat(Files.readSymbolicLink(second.extracted().root().resolve("scenarios/demo/link"))).isEqualTo(Path.of("data.txt"));
        second.loan().get().giveBack();
    }

    @ParameterizedTest
    @ValueSource(strings = {"rewrite", "append", "delete", "chmod", "replace", "touch-back", "dir-to-link", "rename"})
    void aLentTreeChangedByTheRunNeverGoesBackAndThePackageIsCopiedFromThen(String change)
            throws IOException, InterruptedException {
        PackageCache.Checkout first = borrow(tgz);
        Path root = first.extracted().root();
        Thread.sleep(30);   // past the kernel's timestamp granularity
        Path data = root.resolve("scenarios/demo/data.txt");
        if (!changeFile(data, change)) {
            switch (change) {
                case "dir-to-link" -> {
                    Files.move(root.resolve("scenarios/demo"), root.resolve("elsewhere"));
                    Files.createSymbolicLink(root.resolve("scenarios/demo"), root.resolve("elsewhere"));
                }
                case "rename" -> {   // renamed away and back: same bytes, same inode, but a new ctime
                    Files.move(data, root.resolve("moved"));
                    Files.move(root.resolve("moved"), data);
                }
                default -> throw new IllegalArgumentException(change);
            }
        }
        first.loan().get().giveBack();
        assertThat(said("not put back")).as(String.join("\n", debug)).isTrue();
        assertThat(cache(1 << 30).entryDir(first.extracted().sha256())).doesNotExist();

        debug.clear();
        PackageCache.Checkout next = borrow(tgz);
        assertThat(next.loan()).as("a package whose runs change it is copied, not lent").isEmpty();
        assertThat(next.extracted().root().resolve("scenarios/demo/data.txt")).hasContent("tf state");
        debug.clear();
        PackageCache.Checkout third = borrow(tgz);
        assertThat(said("reused from the cache")).isTrue();
        assertThat(third.loan()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"add", "add-top", "rewrite", "remove-dir-entry", "env", "env-mode"})
    void aTamperedEntryIsNeverLent(String tampering) throws IOException, InterruptedException {
        PackageCache.Checkout first = borrow(tgz);
        first.loan().get().giveBack();
        Thread.sleep(30);
        Path tree = cache(1 << 30).entryDir(first.extracted().sha256()).resolve("tree");
        switch (tampering) {
            case "add" -> Files.writeString(tree.resolve("scenarios/demo/evil.sh"), "evil");
            case "add-top" -> Files.writeString(tree.resolve("evil.sh"), "evil");
            case "rewrite" -> Files.writeString(tree.resolve("scenarios/demo/data.txt"), "EVIL\n");
            case "remove-dir-entry" -> Files.delete(tree.resolve("scenarios/demo/link"));
            case "env" -> Files.writeString(tree.resolve("profile.env"), "A=2\n");   // checked by content
            case "env-mode" -> Files.setPosixFilePermissions(tree.resolve("profile.env"), PosixFilePermissions.fromString("rwxrwxrwx"));
            default -> throw new IllegalArgumentException(tampering);
        }
        debug.clear();
        PackageCache.Checkout next = borrow(tgz);
        assertThat(said("changed since it was built")).as(String.join("\n", debug)).isTrue();
        Path root = next.extracted().root();
        assertThat(root.resolve("scenarios/demo/data.txt")).hasContent("tf state");
        assertThat(root.resolve("scenarios/demo/evil.sh")).doesNotExist();
        assertThat(root.resolve("evil.sh")).doesNotExist();
        assertThat(root.resolve("scenarios/demo/link")).isSymbolicLink();
        assertThat(root.resolve("profile.env")).hasContent("A=1");
    }

    @Test
    void whileATreeIsLentAnotherRunGetsItsOwnAndOnlyTheNewerEntryStays() throws IOException {
        PackageCache.Checkout first = borrow(tgz);
        debug.clear();
        PackageCache.Checkout second = borrow(tgz);
        assertThat(said("is lent to another run")).isTrue();
        assertThat(second.loan()).isPresent();
        assertThat(second.extracted().root()).isNotEqualTo(first.extracted().root());
        assertThat(second.extracted().root().resolve("scenarios/demo/data.txt")).hasContent("tf state");

        debug.clear();
        first.loan().get().giveBack();
        assertThat(said("rebuilt or evicted while lent")).isTrue();
        second.loan().get().giveBack();
        assertThat(said("put back into the cache")).isTrue();
        debug.clear();
        PackageCache.Checkout third = borrow(tgz);
        assertThat(said("lent from the cache")).isTrue();
        assertThat(third.extracted().root().resolve("scenarios/demo/data.txt")).hasContent("tf state");
    }

    @Test
    void aForfeitedLoanDropsTheEntryAndARunThatDiedWithItsLoanCostsOnlyARebuild() throws IOException {
        PackageCache.Checkout first = borrow(tgz);
        first.loan().get().forfeit("a process still uses it");
        assertThat(said("not put back into the cache: a process still uses it")).isTrue();
        assertThat(cache(1 << 30).entryDir(first.extracted().sha256())).doesNotExist();

        // a run killed while holding a loan leaves the entry without its tree: the next run rebuilds it
        Files.delete(area.resolve("scans").resolve(first.extracted().sha256() + ".copy-only"));
        PackageCache.Checkout dead = borrow(tgz);
        assertThat(dead.loan()).isPresent();
        Files2.deleteRecursively(dead.loan().get().tree());
        debug.clear();
        PackageCache.Checkout next = borrow(tgz);
        assertThat(said("is lent to another run")).isTrue();
        assertThat(next.extracted().root().resolve("scenarios/demo/data.txt")).hasContent("tf state");
        next.loan().get().giveBack();
        assertThat(said("put back into the cache")).isTrue();
    }

    @Test
    void aPackageLargerThanTheCacheIsHandedToTheRunAsExtractedAndNotKept() throws IOException {
        Path target = Files.createDirectory(sandbox.resolve("run-big"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        PackageCache.Checkout out = new PackageCache(area, 10, PackageCache.Lend.ALWAYS, debug::add)
                .checkout(tgz, "one.tgz", target, LIMITS, true);
        assertThat(said("larger than the package cache")).isTrue();
        assertThat(out.loan()).isEmpty();
        assertThat(out.extracted().root().resolve("scenarios/demo/data.txt")).hasContent("tf state");
        assertThat(Files.readSymbolicLink(out.extracted().root().resolve("scenarios/demo/link"))).isEqualTo(Path.of("data.txt"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(target))).isEqualTo("rwx------");
        assertThat(cache(10).entryDir(out.extracted().sha256())).doesNotExist();
        assertThat(list(area.resolve("tmp"))).isEmpty();
    }

    @Test
    void onlyBigPackagesAreLentByDefault() throws IOException {
        ProfileArchive.Scanned small = cache(1 << 30).scan(tgz, "one.tgz", LIMITS);
        assertThat(PackageCache.Lend.AUTO.lends(small)).isFalse();
        assertThat(PackageCache.Lend.AUTO.lends(new ProfileArchive.Scanned(small.listing(), small.sha256(),
                small.tarBytes(), PackageCache.LEND_MIN_MEMBERS))).isTrue();
        assertThat(PackageCache.Lend.AUTO.lends(new ProfileArchive.Scanned(small.listing(), small.sha256(),
                PackageCache.LEND_MIN_BYTES, small.members()))).isTrue();
        assertThat(PackageCache.Lend.NEVER.lends(new ProfileArchive.Scanned(small.listing(), small.sha256(),
                PackageCache.LEND_MIN_BYTES, PackageCache.LEND_MIN_MEMBERS))).isFalse();
        assertThat(PackageCache.Lend.from(java.util.Map.of(PackageCache.LEND_VARIABLE, "never"))).isEqualTo(PackageCache.Lend.NEVER);
        assertThat(PackageCache.Lend.from(java.util.Map.of())).isEqualTo(PackageCache.Lend.AUTO);
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
