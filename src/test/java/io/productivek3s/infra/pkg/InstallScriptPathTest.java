package io.productivek3s.infra.pkg;

import static io.productivek3s.infra.pkg.ProfileArchiveScanTest.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstallScriptPathTest {
    @TempDir
    Path sandbox;
    private Path root;

    @BeforeEach
    void layout() throws IOException {
        root = Files.createDirectories(sandbox.resolve("pkg"));
        Files.createDirectories(root.resolve("scripts"));
        Files.writeString(root.resolve("scripts/install.sh"), "#!/bin/sh\n");
        Files.writeString(sandbox.resolve("outside.sh"), "#!/bin/sh\n");
    }

    @Test
    void resolvesAConfinedRegularFile() {
        assertThat(InstallScriptPath.resolveInside(root, "scripts/install.sh"))
                .isEqualTo(root.toAbsolutePath().resolve("scripts/install.sh"));
        assertThat(InstallScriptPath.resolveInside(root, "./scripts//install.sh"))
                .isEqualTo(root.toAbsolutePath().resolve("scripts/install.sh"));
    }

    @Test
    void symlinksInsideThePackageAreFollowedButThePathIsKept() throws IOException {
        Files.createSymbolicLink(root.resolve("run.sh"), Path.of("scripts/install.sh"));
        assertThat(InstallScriptPath.resolveInside(root, "run.sh")).isEqualTo(root.toAbsolutePath().resolve("run.sh"));
    }

    @Test
    void missingScript() {
        assertInvalid(() -> InstallScriptPath.resolveInside(root, "scripts/absent.sh"),
                "profile package install script not found: scripts/absent.sh");
    }

    @Test
    void danglingSymlinkIsMissing() throws IOException {
        Files.createSymbolicLink(root.resolve("dangling.sh"), Path.of("nowhere.sh"));
        assertInvalid(() -> InstallScriptPath.resolveInside(root, "dangling.sh"),
                "profile package install script not found: dangling.sh");
    }

    @Test
    void lexicalEscapes() {
        for (String script : new String[] {"../outside.sh", "/etc/passwd", "a/../../outside.sh", "", "."}) {
            assertInvalid(() -> InstallScriptPath.resolveInside(root, script),
                    "profile package install script escapes the package: " + script);
        }
    }

    @Test
    void symlinkEscapes() throws IOException {
        Files.createSymbolicLink(root.resolve("out.sh"), sandbox.resolve("outside.sh"));
        Files.createSymbolicLink(root.resolve("up"), Path.of(".."));
        assertInvalid(() -> InstallScriptPath.resolveInside(root, "out.sh"),
                "profile package install script escapes the package: out.sh");
        assertInvalid(() -> InstallScriptPath.resolveInside(root, "up/outside.sh"),
                "profile package install script escapes the package: up/outside.sh");
    }

    @Test
    void directoryIsNotAScript() {
        assertInvalid(() -> InstallScriptPath.resolveInside(root, "scripts"),
                "profile package install script escapes the package: scripts");
    }

    @Test
    void worksOnAWrapperRootReturnedByExtract() throws IOException {
        Path destination = Files.createDirectory(sandbox.resolve("dest"));
        Path tgz = TgzBuilder.validPackage("wrap/").writeTo(sandbox.resolve("p.tgz"));
        Path packageRoot = ProfileArchive.extract(tgz, "p.tgz", destination, ExtractionLimits.defaults());
        assertThat(InstallScriptPath.resolveInside(packageRoot, "scripts/install.sh"))
                .isRegularFile()
                .startsWith(destination.toRealPath().resolve("wrap"));
    }
}
