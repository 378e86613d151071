package io.productivek3s.infra.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The general-purpose extractor: same member rules as profile packages, the caller's wording, no package root. */
class SafeArchiveTest {
    private static final ArchiveWording CORE = new ArchiveWording("core bundle", "could not extract core bundle");

    @TempDir
    Path tmp;

    private Path destination() throws Exception {
        return Files.createDirectory(tmp.resolve("out"));
    }

    @Test
    void extractsAnyTreeAndListsIt() throws Exception {
        Path tgz = new TgzBuilder().dir("top/").file("top/run.sh", "echo", 0755).file("top/scripts/a.sh", "a")
                .symlink("top/alias", "run.sh").writeTo(tmp.resolve("a.tgz"));
        Path out = destination();
        ArchiveTree tree = SafeArchive.extract(tgz, "a.tgz", out, ExtractionLimits.defaults(), CORE);
        assertThat(tree.files()).containsExactlyInAnyOrder("top/run.sh", "top/scripts/a.sh");
        assertThat(tree.directories()).contains("top", "top/scripts");
        assertThat(tree.symlinks()).containsEntry("top/alias", "run.sh");
        assertThat(tree.topLevelDirectories()).containsExactly("top");
        assertThat(tree.topLevelNames()).containsExactly("top");
        assertThat(Files.isExecutable(out.resolve("top/run.sh"))).isTrue();
        assertThat(out.resolve("top/scripts/a.sh")).hasContent("a");
    }

    @Test
    void failuresUseTheCallersWordingAndLeaveNothing() throws Exception {
        Path evil = new TgzBuilder().file("top/ok", "1").file("../escape", "x").writeTo(tmp.resolve("evil.tgz"));
        Path out = destination();
        assertThatThrownBy(() -> SafeArchive.extract(evil, "evil.tgz", out, ExtractionLimits.defaults(), CORE))
                .isInstanceOf(EngineException.class).hasMessage("core bundle contains an unsafe entry: ../escape");
        assertThat(out).isEmptyDirectory();

        Path garbage = Files.writeString(tmp.resolve("g.tgz"), "not gzip");
        assertThatThrownBy(() -> SafeArchive.extract(garbage, "g.tgz", out, ExtractionLimits.defaults(), CORE))
                .hasMessage("could not extract core bundle: g.tgz");

        Path big = new TgzBuilder().file("top/a", "1").file("top/b", "2").file("top/c", "3").writeTo(tmp.resolve("big.tgz"));
        assertThatThrownBy(() -> SafeArchive.extract(big, "big.tgz", out, new ExtractionLimits(1 << 20, 2), CORE))
                .hasMessageStartingWith("core bundle exceeds extraction limits: ");
        assertThat(out).isEmptyDirectory();
    }

    @Test
    void needsNoProfileYaml() throws Exception {
        Path tgz = new TgzBuilder().file("a/x", "1").file("b/y", "2").writeTo(tmp.resolve("two.tgz"));
        ArchiveTree tree = SafeArchive.extract(tgz, "two.tgz", destination(), ExtractionLimits.defaults(), CORE);
        assertThat(tree.topLevelNames()).containsExactly("a", "b");
    }
}
