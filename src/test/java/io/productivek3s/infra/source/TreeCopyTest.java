package io.productivek3s.infra.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which scenario files a normalized package may carry (docs/contract/source.md#normalized-package, D17) and how they are copied. */
class TreeCopyTest {
    @TempDir
    Path dir;

    @Test
    void privateRuntimeLeftoversAndLocalEnvFilesAreExcluded() {
        for (String rel : new String[] {"generated", "opentofu/.terraform", "test-artifacts", ".git", "sub/generated"}) {
            assertThat(TreeCopy.scenarioFile(rel, true)).as(rel).isFalse();
        }
        for (String rel : new String[] {"opentofu/terraform.tfstate", "opentofu/terraform.tfstate.backup", "onprem.env", "aws.env",
            ".env", "aws.env.local", "nested/site.env"}) {
            assertThat(TreeCopy.scenarioFile(rel, false)).as(rel).isFalse();
        }
        for (String rel : new String[] {"Makefile", "onprem.env.example", "opentofu/main.tf", "opentofu/.terraform.lock.hcl",
            "scripts/run.sh", "environment.md", "generated"}) {
            assertThat(TreeCopy.scenarioFile(rel, false)).as(rel).isTrue();
        }
        assertThat(TreeCopy.scenarioFile("opentofu", true)).isTrue();
    }

    @Test
    void copyKeepsExecuteBitsAndLinksAndSkipsExcludedTrees() throws Exception {
        Path source = Files.createDirectories(dir.resolve("src"));
        Files.createDirectories(source.resolve("generated"));
        Files.writeString(source.resolve("generated/cluster.json"), "{}");
        Files.writeString(source.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(source.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(source.resolve("link"), Path.of("run.sh"));
        Files.writeString(source.resolve("site.env"), "SECRET=1\n");
        Path target = dir.resolve("out");
        TreeCopy.copy(source, target, TreeCopy::scenarioFile);
        assertThat(target.resolve("generated")).doesNotExist();
        assertThat(target.resolve("site.env")).doesNotExist();
        assertThat(Files.isExecutable(target.resolve("run.sh"))).isTrue();
        assertThat(Files.readSymbolicLink(target.resolve("link"))).isEqualTo(Path.of("run.sh"));
    }
}
