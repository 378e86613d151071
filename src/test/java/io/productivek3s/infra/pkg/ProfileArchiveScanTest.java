package io.productivek3s.infra.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProfileArchiveScanTest {
    private static final ExtractionLimits LIMITS = ExtractionLimits.defaults();

    @TempDir
    Path tmp;

    private PackageListing scan(TgzBuilder archive) {
        return ProfileArchive.scan(archive.writeTo(tmp.resolve("profile.tgz")), "given/profile.tgz", LIMITS);
    }

    private PackageListing scanBytes(byte[] bytes) {
        return ProfileArchive.scan(TgzBuilder.write(tmp.resolve("profile.tgz"), bytes), "given/profile.tgz", LIMITS);
    }

    static void assertInvalid(Runnable action, String message) {
        assertThatThrownBy(action::run)
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.exitCode()).isEqualTo(EngineException.INVALID);
                });
    }

    @Test
    void rootLayoutIsListedWithoutWritingAnything() throws Exception {
        PackageListing listing = scan(TgzBuilder.validPackage(""));
        assertThat(listing.rootPrefix()).isEmpty();
        assertThat(new String(listing.manifest(), StandardCharsets.UTF_8)).isEqualTo(TgzBuilder.MINIMAL_MANIFEST);
        assertThat(listing.profileEnv()).hasValueSatisfying(
                env -> assertThat(new String(env, StandardCharsets.UTF_8)).isEqualTo("PK3S_INFRA_PROFILE_NAME=demo\n"));
        assertThat(listing.files()).containsExactlyInAnyOrder("profile.yaml", "profile.env", "scripts/install.sh",
                "scenarios/edge/demo/Makefile");
        assertThat(listing.hasDirectory("scenarios/edge/demo")).isTrue();
        assertThat(listing.hasDirectory("scenarios/edge")).isTrue();
        assertThat(listing.hasDirectory("scenarios/cloud")).isFalse();
        assertThat(listing.hasFile("scripts/install.sh")).isTrue();
        assertThat(listing.hasFile("./scripts//install.sh")).isTrue();
        assertThat(listing.hasFile("scripts")).isFalse();
        try (Stream<Path> files = Files.list(tmp)) {
            assertThat(files).containsExactly(tmp.resolve("profile.tgz"));
        }
    }

    @Test
    void dotSlashPrefixedMembersAreNormalized() {
        PackageListing listing = scan(TgzBuilder.validPackage("./"));
        assertThat(listing.rootPrefix()).isEmpty();
        assertThat(listing.files()).contains("profile.yaml", "scripts/install.sh");
        assertThat(listing.directories()).contains("scripts", "scenarios/edge/demo").doesNotContain("", ".");
    }

    @Test
    void singleWrapperDirectoryBecomesThePackageRoot() {
        PackageListing listing = scan(TgzBuilder.validPackage("./demo-0.1.0/"));
        assertThat(listing.rootPrefix()).isEqualTo("demo-0.1.0/");
        assertThat(listing.files()).contains("profile.yaml", "profile.env", "scripts/install.sh");
        assertThat(listing.profileEnv()).isPresent();
        assertThat(listing.hasDirectory("scenarios/edge/demo")).isTrue();
    }

    @Test
    void manifestWithoutProfileEnvIsFine() {
        PackageListing listing = scan(new TgzBuilder().file("profile.yaml", TgzBuilder.MINIMAL_MANIFEST));
        assertThat(listing.profileEnv()).isEmpty();
    }

    @Test
    void twoTopLevelDirectoriesMeanNoPackageRoot() {
        TgzBuilder archive = new TgzBuilder()
                .file("a/profile.yaml", TgzBuilder.MINIMAL_MANIFEST)
                .file("b/profile.yaml", TgzBuilder.MINIMAL_MANIFEST);
        assertInvalid(() -> scan(archive), "profile package is missing profile.yaml");
    }

    @Test
    void manifestDeeperThanAWrapperIsNotFound() {
        TgzBuilder archive = new TgzBuilder().file("a/b/profile.yaml", TgzBuilder.MINIMAL_MANIFEST);
        assertInvalid(() -> scan(archive), "profile package is missing profile.yaml");
    }

    @Test
    void emptyArchiveHasNoManifest() {
        assertInvalid(() -> scan(new TgzBuilder()), "profile package is missing profile.yaml");
    }

    @Test
    void rootManifestWinsOverWrapperOne() {
        PackageListing listing = scan(new TgzBuilder()
                .file("profile.yaml", "root")
                .file("w/profile.yaml", "wrapped"));
        assertThat(listing.rootPrefix()).isEmpty();
        assertThat(new String(listing.manifest(), StandardCharsets.UTF_8)).isEqualTo("root");
    }

    @Test
    void symlinkedManifestIsRejected() {
        TgzBuilder archive = new TgzBuilder().file("real.yaml", "x").symlink("profile.yaml", "real.yaml");
        assertInvalid(() -> scan(archive), "profile package profile.yaml must be a regular file, not a link");
    }

    @Test
    void hardLinkedManifestIsReadFromItsTarget() {
        PackageListing listing = scan(new TgzBuilder()
                .file("w/profile.env", "A=1\n")
                .hardLink("w/profile.yaml", "w/profile.env"));
        assertThat(new String(listing.manifest(), StandardCharsets.UTF_8)).isEqualTo("A=1\n");
    }

    @Test
    void symlinksInsideThePackageAreListedAndFollowed() {
        PackageListing listing = scan(TgzBuilder.validPackage("")
                .symlink("bin", "scripts")
                .symlink("scenarios/edge/current", "demo"));
        assertThat(listing.symlinks()).containsEntry("bin", "scripts").containsEntry("scenarios/edge/current", "demo");
        assertThat(listing.hasFile("bin/install.sh")).isTrue();
        assertThat(listing.hasDirectory("scenarios/edge/current")).isTrue();
        assertThat(listing.hasFile("../profile.yaml")).isFalse();
    }

    static Stream<Arguments> unsafeArchives() {
        return Stream.of(
                Arguments.of("absolute path", TgzBuilder.validPackage("").file("/etc/evil", "x"), "/etc/evil"),
                Arguments.of("dot-dot component", TgzBuilder.validPackage("").file("./a/../../evil", "x"),
                        "./a/../../evil"),
                Arguments.of("dot-dot directory", TgzBuilder.validPackage("").dir("../up/"), "../up/"),
                Arguments.of("symlink out", TgzBuilder.validPackage("").symlink("scripts/out", "../../etc"),
                        "scripts/out"),
                Arguments.of("absolute symlink", TgzBuilder.validPackage("").symlink("passwd", "/etc/passwd"),
                        "passwd"),
                Arguments.of("write through symlink", TgzBuilder.validPackage("")
                        .symlink("link", "scripts").file("link/install.sh", "x"), "link/install.sh"),
                Arguments.of("file replacing symlink", TgzBuilder.validPackage("")
                        .symlink("link", "scripts/install.sh").file("link", "x"), "link"),
                Arguments.of("symlink replacing directory", TgzBuilder.validPackage("")
                        .symlink("scripts", "scenarios"), "scripts"),
                Arguments.of("hard link out", TgzBuilder.validPackage("").hardLink("h", "../../etc/passwd"),
                        "h"),
                Arguments.of("absolute hard link", TgzBuilder.validPackage("").hardLink("h", "/etc/passwd"), "h"),
                Arguments.of("hard link to unseen member", TgzBuilder.validPackage("").hardLink("h", "later")
                        .file("later", "x"), "h"),
                Arguments.of("hard link to symlink", TgzBuilder.validPackage("").symlink("s", "profile.env")
                        .hardLink("h", "s"), "h"),
                Arguments.of("character device", TgzBuilder.validPackage("").charDevice("dev/null"), "dev/null"),
                Arguments.of("block device", TgzBuilder.validPackage("").blockDevice("sda"), "sda"),
                Arguments.of("fifo", TgzBuilder.validPackage("").fifo("pipe"), "pipe"),
                Arguments.of("member under a file", TgzBuilder.validPackage("").file("profile.env/x", "x"),
                        "profile.env/x"),
                // l2 looks confined when declared; the later d/l1 -> .. makes it point above the root.
                Arguments.of("symlink redirected by a later symlink", TgzBuilder.validPackage("")
                        .dir("d/").symlink("l2", "d/l1/..").symlink("d/l1", ".."), "l2"),
                Arguments.of("symlink loop", TgzBuilder.validPackage("")
                        .symlink("x", "y/z").symlink("y", "x"), "x"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unsafeArchives")
    void unsafeMembersAreRejectedByName(String label, TgzBuilder archive, String entry) {
        assertInvalid(() -> scan(archive), "profile package contains an unsafe entry: " + entry);
    }

    @Test
    void unsafeEntryIsReportedEvenWithoutManifest() {
        TgzBuilder archive = new TgzBuilder().file("a/x", "1").file("b/y", "2").symlink("a/out", "../../x");
        assertInvalid(() -> scan(archive), "profile package contains an unsafe entry: a/out");
    }

    @Test
    void firstUnsafeEntryWins() {
        TgzBuilder archive = TgzBuilder.validPackage("").file("/abs", "x").fifo("pipe");
        assertInvalid(() -> scan(archive), "profile package contains an unsafe entry: /abs");
    }

    @Test
    void controlCharactersInEntryNamesAreEscaped() {
        TgzBuilder archive = TgzBuilder.validPackage("").file("../a\nb", "x");
        assertInvalid(() -> scan(archive), "profile package contains an unsafe entry: ../a\\nb");
    }

    @Test
    void unreadabilityIsReportedBeforeAnUnsafeEntry() {
        byte[] tgz = TgzBuilder.validPackage("").file("/abs", "x").file("big", new byte[200_000], 0644).tgz();
        assertInvalid(() -> scanBytes(TgzBuilder.truncate(tgz, 64)),
                "could not extract tgz package: given/profile.tgz");
    }

    @Test
    void entryLimit() {
        Path file = TgzBuilder.validPackage("").writeTo(tmp.resolve("p.tgz"));
        assertInvalid(() -> ProfileArchive.scan(file, "p.tgz", new ExtractionLimits(1 << 20, 3)),
                "profile package exceeds extraction limits: more than 3 entries");
        // 6 members create 8 paths: scenarios/, scenarios/edge/ and scenarios/edge/demo/ are implied
        assertInvalid(() -> ProfileArchive.scan(file, "p.tgz", new ExtractionLimits(1 << 20, 7)),
                "profile package exceeds extraction limits: more than 7 entries");
        assertThat(ProfileArchive.scan(file, "p.tgz", new ExtractionLimits(1 << 20, 8)).files()).hasSize(4);
    }

    @Test
    void directoriesImpliedByDeepNamesCountAsEntries() {
        Path file = new TgzBuilder().file("profile.yaml", TgzBuilder.MINIMAL_MANIFEST)
                .file("a/".repeat(2000) + "f", "x").writeTo(tmp.resolve("p.tgz"));
        assertInvalid(() -> ProfileArchive.scan(file, "p.tgz", new ExtractionLimits(1 << 20, 1000)),
                "profile package exceeds extraction limits: more than 1000 entries");
    }

    @Test
    void overlongNamesAndLinkTargetsAreUnsafe() {
        String longName = "n".repeat(5000);
        assertInvalid(() -> scan(TgzBuilder.validPackage("").file(longName, "x")),
                "profile package contains an unsafe entry: " + "n".repeat(1024) + "...");
        assertInvalid(() -> scan(TgzBuilder.validPackage("").symlink("s", "./".repeat(2100) + "profile.yaml")),
                "profile package contains an unsafe entry: s");
    }

    @Test
    void longSymlinkChainsStayCheap() {
        TgzBuilder archive = TgzBuilder.validPackage("").symlink("x", ".");
        for (int i = 0; i < 2000; i++) {
            archive.symlink("l" + i, "x/".repeat(39) + "scripts");
        }
        long start = System.nanoTime();
        PackageListing listing = scan(archive);
        assertThat(listing.hasDirectory("l1999")).isTrue();
        assertThat(System.nanoTime() - start).isLessThan(10_000_000_000L);
        assertInvalid(() -> scan(TgzBuilder.validPackage("").symlink("x", ".").symlink("y", "x/".repeat(41) + "s")),
                "profile package contains an unsafe entry: y");
    }

    @Test
    void byteLimitCountsTheUncompressedStream() {
        Path file = TgzBuilder.validPackage("").file("data.bin", new byte[100_000], 0644).writeTo(tmp.resolve("p.tgz"));
        assertInvalid(() -> ProfileArchive.scan(file, "p.tgz", new ExtractionLimits(50_000, 100)),
                "profile package exceeds extraction limits: more than 50000 bytes");
        assertThat(ProfileArchive.scan(file, "p.tgz", new ExtractionLimits(200_000, 100)).files())
                .contains("data.bin");
    }

    @Test
    void hardLinkCopiesCountTowardsTheByteLimit() {
        TgzBuilder archive = TgzBuilder.validPackage("").file("data.bin", new byte[40_000], 0644);
        for (int i = 0; i < 10; i++) {
            archive.hardLink("copy" + i, "data.bin");
        }
        Path file = archive.writeTo(tmp.resolve("p.tgz"));
        assertInvalid(() -> ProfileArchive.scan(file, "p.tgz", new ExtractionLimits(200_000, 100)),
                "profile package exceeds extraction limits: more than 200000 bytes");
    }

    @Test
    void oversizedManifestIsALimitsError() {
        byte[] huge = new byte[ArchiveWalk.MAX_METADATA_BYTES + 1];
        TgzBuilder archive = new TgzBuilder().file("profile.yaml", huge, 0644);
        assertInvalid(() -> scan(archive),
                "profile package exceeds extraction limits: profile.yaml is larger than 4194304 bytes");
    }

    @Test
    void hugeMetadataHeaderIsALimitsError() {
        TgzBuilder archive = TgzBuilder.validPackage("").paxRecord("comment", "c".repeat(1_100_000)).file("f", "x");
        assertInvalid(() -> scan(archive),
                "profile package exceeds extraction limits: a member header larger than 1048576 bytes");
    }

    @Test
    void nonGzipFileIsUnreadable() {
        assertInvalid(() -> scanBytes("just text\n".getBytes(StandardCharsets.UTF_8)),
                "could not extract tgz package: given/profile.tgz");
    }

    @Test
    void plainTarIsUnreadable() {
        assertInvalid(() -> scanBytes(TgzBuilder.validPackage("").tar()),
                "could not extract tgz package: given/profile.tgz");
    }

    @Test
    void emptyFileIsUnreadable() {
        assertInvalid(() -> scanBytes(new byte[0]), "could not extract tgz package: given/profile.tgz");
    }

    @Test
    void truncatedArchiveIsUnreadable() {
        byte[] tgz = TgzBuilder.validPackage("").tgz();
        for (int cut : new int[] {1, 4, 8, 20, tgz.length / 2}) {
            assertInvalid(() -> scanBytes(TgzBuilder.truncate(tgz, cut)),
                    "could not extract tgz package: given/profile.tgz");
        }
    }

    @Test
    void corruptedCompressedDataIsUnreadable() {
        byte[] tgz = TgzBuilder.validPackage("").tgz();
        tgz[tgz.length - 6] ^= 0x55; // inside the CRC32 trailer
        assertInvalid(() -> scanBytes(tgz), "could not extract tgz package: given/profile.tgz");
    }

    @Test
    void gzipOfGarbageIsUnreadable() {
        byte[] garbage = new byte[4096];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 31 + 7);
        }
        assertInvalid(() -> scanBytes(TgzBuilder.gzip(garbage)), "could not extract tgz package: given/profile.tgz");
    }

    @Test
    void missingOrDirectoryPathIsUnreadable() {
        assertInvalid(() -> ProfileArchive.scan(tmp.resolve("absent.tgz"), "absent.tgz", LIMITS),
                "could not extract tgz package: absent.tgz");
        assertInvalid(() -> ProfileArchive.scan(tmp, "dir", LIMITS), "could not extract tgz package: dir");
    }

    @Test
    void aBigPackageIsHashedOnASecondThreadToTheSameDigest() throws Exception {
        // Incompressible content makes the file itself bigger than the off-thread threshold.
        byte[] blob = new byte[(int) ArchiveWalk.OFF_THREAD_HASH_MIN_BYTES + 12_345];
        new java.util.Random(7).nextBytes(blob);
        Path tgz = TgzBuilder.validPackage("").file("scenarios/demo/blob.bin", blob, 0644)
                .writeTo(tmp.resolve("big.tgz"));
        assertThat(Files.size(tgz)).isGreaterThanOrEqualTo(ArchiveWalk.OFF_THREAD_HASH_MIN_BYTES);
        ProfileArchive.Scanned scanned = ProfileArchive.scanWithDigest(tgz, "big.tgz", LIMITS);
        assertThat(scanned.sha256()).isEqualTo(io.productivek3s.infra.util.Digests.sha256(tgz));
        assertThat(scanned.listing().files()).contains("scenarios/demo/blob.bin");
        Path out = Files.createDirectory(tmp.resolve("out"));
        ProfileArchive.Extracted extracted = ProfileArchive.extractWithDigest(tgz, "big.tgz", out, LIMITS);
        assertThat(extracted.sha256()).isEqualTo(scanned.sha256());
        assertThat(Files.readAllBytes(extracted.root().resolve("scenarios/demo/blob.bin"))).isEqualTo(blob);
    }

    @Test
    void aDamagedBigPackageIsUnreadableAndLeavesNoHasherBehind() throws Exception {
        byte[] blob = new byte[(int) ArchiveWalk.OFF_THREAD_HASH_MIN_BYTES + 1];
        new java.util.Random(8).nextBytes(blob);
        Path tgz = TgzBuilder.validPackage("").file("scenarios/demo/blob.bin", blob, 0644)
                .writeTo(tmp.resolve("big.tgz"));
        byte[] bytes = Files.readAllBytes(tgz);
        Files.write(tgz, java.util.Arrays.copyOf(bytes, bytes.length - 100));   // truncated download
        assertInvalid(() -> ProfileArchive.scan(tgz, "big.tgz", LIMITS), "could not extract tgz package: big.tgz");
        for (int i = 0; i < 100 && Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("package-digest")); i++) {
            Thread.sleep(50);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("package-digest"));
    }
}
