package io.productivek3s.infra.pkg;

import static io.productivek3s.infra.pkg.ProfileArchiveScanTest.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProfileArchiveExtractTest {
    private static final ExtractionLimits LIMITS = ExtractionLimits.defaults();

    @TempDir
    Path sandbox;
    private Path destination;
    private Path outside;

    @BeforeEach
    void layout() throws IOException {
        destination = Files.createDirectory(sandbox.resolve("dest"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        outside = Files.createDirectory(sandbox.resolve("outside"));
    }

    private Path extract(TgzBuilder archive) {
        return ProfileArchive.extract(archive.writeTo(sandbox.resolve("p.tgz")), "p.tgz", destination, LIMITS);
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static List<Path> tree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> !p.equals(root)).toList();
        }
    }

    private void assertNothingLeftAnywhere() throws IOException {
        assertThat(tree(destination)).isEmpty();
        assertThat(tree(outside)).isEmpty();
        try (Stream<Path> top = Files.list(sandbox)) {
            assertThat(top.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("dest", "outside", "p.tgz");
        }
    }

    @Test
    void extractsWithNormalizedModes() throws IOException {
        Path root = extract(TgzBuilder.validPackage("./")
                .file("scripts/setuid.sh", "x", 04755)
                .file("scripts/owner-exec", "x", 0100)
                .file("scripts/other-exec", "x", 0641)
                .file("secret.txt", "x", 0640)
                .dir("opaque/")
                .file("opaque/readonly", "x", 0444));
        assertThat(root).isEqualTo(destination.toRealPath());
        assertThat(Files.readString(root.resolve("profile.yaml"))).isEqualTo(TgzBuilder.MINIMAL_MANIFEST);
        assertThat(mode(root.resolve("scripts/install.sh"))).isEqualTo("rwx------");
        assertThat(mode(root.resolve("scripts/setuid.sh"))).isEqualTo("rwx------");
        assertThat(mode(root.resolve("scripts/owner-exec"))).isEqualTo("rwx------");
        assertThat(mode(root.resolve("scripts/other-exec"))).isEqualTo("rwx------");
        assertThat(mode(root.resolve("profile.yaml"))).isEqualTo("rw-------");
        assertThat(mode(root.resolve("secret.txt"))).isEqualTo("rw-------");
        assertThat(mode(root.resolve("opaque/readonly"))).isEqualTo("rw-------");
        assertThat(mode(root.resolve("scripts"))).isEqualTo("rwx------");
        assertThat(mode(root.resolve("scenarios/edge/demo"))).isEqualTo("rwx------");
        assertThat(mode(root.resolve("opaque"))).isEqualTo("rwx------");
        Path real = destination.toRealPath();
        for (Path p : tree(root)) {
            assertThat(p.toRealPath()).startsWith(real);
        }
        assertThat(tree(outside)).isEmpty();
    }

    @Test
    void wrapperDirectoryIsReturnedAsPackageRoot() throws IOException {
        Path root = extract(TgzBuilder.validPackage("demo/"));
        assertThat(root).isEqualTo(destination.toRealPath().resolve("demo"));
        assertThat(root.resolve("profile.env")).isRegularFile();
        assertThat(root.resolve("scenarios/edge/demo/Makefile")).isRegularFile();
    }

    @Test
    void confinedSymlinksAndHardLinksAreRecreated() throws IOException {
        Path root = extract(TgzBuilder.validPackage("")
                .symlink("bin", "scripts")
                .symlink("scripts/up.sh", "./install.sh")
                .hardLink("scripts/copy.sh", "scripts/install.sh"));
        assertThat(Files.isSymbolicLink(root.resolve("bin"))).isTrue();
        assertThat(Files.readSymbolicLink(root.resolve("scripts/up.sh")).toString()).isEqualTo("./install.sh");
        assertThat(Files.readString(root.resolve("bin/up.sh"))).contains("echo install");
        Path copy = root.resolve("scripts/copy.sh");
        assertThat(Files.isRegularFile(copy, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.readString(copy)).isEqualTo(Files.readString(root.resolve("scripts/install.sh")));
        assertThat(mode(copy)).isEqualTo("rw-------");
    }

    @Test
    void laterMemberReplacesAnEarlierFile() throws IOException {
        Path root = extract(TgzBuilder.validPackage("").file("profile.env", "A=2\n", 0755));
        assertThat(Files.readString(root.resolve("profile.env"))).isEqualTo("A=2\n");
        assertThat(mode(root.resolve("profile.env"))).isEqualTo("rwx------");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.productivek3s.infra.pkg.ProfileArchiveScanTest#unsafeArchives")
    void hostileArchivesLeaveNothingBehind(String label, TgzBuilder archive, String entry) throws IOException {
        assertInvalid(() -> extract(archive), "profile package contains an unsafe entry: " + entry);
        assertNothingLeftAnywhere();
    }

    @Test
    void symlinkToASiblingDirectoryCannotBeWrittenThrough() throws IOException {
        TgzBuilder archive = TgzBuilder.validPackage("")
                .symlink("escape", "../outside")
                .file("escape/pwned", "x");
        assertInvalid(() -> extract(archive), "profile package contains an unsafe entry: escape");
        assertNothingLeftAnywhere();
    }

    @Test
    void missingManifestCleansUp() throws IOException {
        assertInvalid(() -> extract(new TgzBuilder().file("a/x", "1").file("b/y", "2")),
                "profile package is missing profile.yaml");
        assertNothingLeftAnywhere();
    }

    @Test
    void limitsCleanUp() throws IOException {
        Path file = TgzBuilder.validPackage("").file("big", new byte[300_000], 0644).writeTo(sandbox.resolve("p.tgz"));
        assertInvalid(() -> ProfileArchive.extract(file, "p.tgz", destination, new ExtractionLimits(100_000, 100)),
                "profile package exceeds extraction limits: more than 100000 bytes");
        assertNothingLeftAnywhere();
    }

    @Test
    void truncatedArchiveCleansUp() throws IOException {
        byte[] tgz = TgzBuilder.validPackage("").file("big", new byte[300_000], 0644).tgz();
        Path file = TgzBuilder.write(sandbox.resolve("p.tgz"), TgzBuilder.truncate(tgz, 10));
        assertInvalid(() -> ProfileArchive.extract(file, "p.tgz", destination, LIMITS),
                "could not extract tgz package: p.tgz");
        assertNothingLeftAnywhere();
    }

    @Test
    void destinationMustBeAnEmptyDirectory() throws IOException {
        Path keep = Files.writeString(destination.resolve("keep"), "mine");
        Path file = TgzBuilder.validPackage("").writeTo(sandbox.resolve("p.tgz"));
        assertThatThrownBy(() -> ProfileArchive.extract(file, "p.tgz", destination, LIMITS))
                .isInstanceOfSatisfying(EngineException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(EngineException.RUNTIME))
                .hasMessageStartingWith("extraction destination is not an empty directory: ");
        assertThat(Files.readString(keep, StandardCharsets.UTF_8)).isEqualTo("mine");
    }

    @Test
    void archiveMadeByHostTarIsAccepted() throws Exception {
        Path src = Files.createDirectories(sandbox.resolve("src"));
        Files.writeString(src.resolve("profile.yaml"), TgzBuilder.MINIMAL_MANIFEST);
        Files.createDirectories(src.resolve("scripts"));
        Path script = Files.writeString(src.resolve("scripts/install.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(src.resolve("install"), Path.of("scripts/install.sh"));
        Path tgz = sandbox.resolve("p.tgz");
        // GNU tar is part of every Debian base system (and of CI): a missing or failing tar fails the test
        Process tar = new ProcessBuilder("tar", "-czf", tgz.toString(), "-C", src.toString(), ".")
                .redirectErrorStream(true).start();
        String tarOutput = new String(tar.getInputStream().readAllBytes());
        assertThat(tar.waitFor()).as("host tar: %s", tarOutput).isZero();
        Path root = ProfileArchive.extract(tgz, "p.tgz", destination, LIMITS);
        assertThat(mode(root.resolve("scripts/install.sh"))).isEqualTo("rwx------");
        assertThat(Files.isSymbolicLink(root.resolve("install"))).isTrue();
        PackageListing listing = ProfileArchive.scan(tgz, "p.tgz", LIMITS);
        assertThat(listing.hasFile("install")).isTrue();
        assertThat(listing.symlinks()).containsEntry("install", "scripts/install.sh");
    }
}
