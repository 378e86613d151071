package io.productivek3s.infra.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/catalogs.md: an existing file is a path, {@code ://} is a URL, anything else a catalog reference. */
class TgzArgumentTest {
    @TempDir
    Path dir;

    private Function<String, Path> paths() {
        return value -> dir.resolve(value).normalize();
    }

    private static int exitCode(Throwable e) {
        return ((EngineException) e).exitCode();
    }

    @Test
    void anExistingFileIsAlwaysAPathEvenWhenItLooksLikeAName() throws Exception {
        Files.writeString(dir.resolve("demo"), "x");
        Files.writeString(dir.resolve("odd@1.0"), "x");
        assertThat(TgzArgument.classify("demo", paths())).isEqualTo(new TgzArgument.LocalFile(dir.resolve("demo")));
        assertThat(TgzArgument.classify("odd@1.0", paths())).isInstanceOf(TgzArgument.LocalFile.class);
    }

    @Test
    void urls() throws Exception {
        assertThat(TgzArgument.classify("https://example.test/p.tgz", paths()))
                .isEqualTo(new TgzArgument.Url(java.net.URI.create("https://example.test/p.tgz"), Optional.empty()));
        assertThat(TgzArgument.classify("https://example.test/p.tgz?x=1#sha256=" + "AB".repeat(32), paths()))
                .isEqualTo(new TgzArgument.Url(java.net.URI.create("https://example.test/p.tgz?x=1"), Optional.of("ab".repeat(32))));
        assertThatThrownBy(() -> TgzArgument.classify("https://example.test/p.tgz#md5=abc", paths()))
                .satisfies(e -> assertThat(exitCode(e)).isEqualTo(2))
                .hasMessage("unsupported URL fragment in --tgz: #md5=abc (use #sha256=<64 hex digits>)");
        Path file = Files.writeString(dir.resolve("p.tgz"), "x");
        assertThat(TgzArgument.classify(file.toUri().toString(), paths())).isEqualTo(new TgzArgument.LocalFile(file));
        assertThatThrownBy(() -> TgzArgument.classify("file:///nonexistent/p.tgz", paths()))
                .hasMessage("tgz package not found: file:///nonexistent/p.tgz");
        assertThatThrownBy(() -> TgzArgument.classify("ftp://example.test/p.tgz", paths()))
                .satisfies(e -> assertThat(exitCode(e)).isEqualTo(2))
                .hasMessage("unsupported URL scheme in --tgz: ftp (use http, https or file, or a catalog name)");
    }

    @Test
    void missingPathsKeepTheirContractMessage() throws Exception {
        // resolved one level below the temp dir, so "../x" stays inside it (a stray /tmp/x must not matter)
        Function<String, Path> nested = value -> dir.resolve("cwd").resolve(value).normalize();
        for (String value : new String[] {"./missing.tgz", "missing.tgz", "dist/p.tar.gz", "../x", "~/p"}) {
            assertThatThrownBy(() -> TgzArgument.classify(value, nested))
                    .satisfies(e -> assertThat(exitCode(e)).isEqualTo(3))
                    .hasMessage("tgz package not found: " + value);
        }
    }

    @Test
    void existingPathsThatAreNoFileAreNamedAndNeverOpened() throws Exception {
        Files.createDirectory(dir.resolve("somedir"));
        Path fifo = dir.resolve("pipe.tgz");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        String[][] cases = {
            {"somedir", "tgz package is not a regular file: somedir (a directory)"},
            {"pipe.tgz", "tgz package is not a regular file: pipe.tgz (a FIFO)"},
            {"/dev/zero", "tgz package is not a regular file: /dev/zero (a device or other special file)"},
            {"file://" + fifo, "tgz package is not a regular file: file://" + fifo + " (a FIFO)"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> TgzArgument.classify(c[0], paths()))
                    .satisfies(e -> assertThat(exitCode(e)).isEqualTo(3))
                    .hasMessage(c[1]);
        }
    }

    @Test
    void anythingElseIsACatalogReference() {
        assertThat(TgzArgument.classify("on-prem-basic", paths()))
                .isEqualTo(new TgzArgument.Catalog(new CatalogReference("on-prem-basic", Optional.empty())));
        assertThat(TgzArgument.classify("on-prem-basic@0.9.62-0.9.4", paths()))
                .isEqualTo(new TgzArgument.Catalog(new CatalogReference("on-prem-basic", Optional.of("0.9.62-0.9.4"))));
        for (String bad : new String[] {"name@", "@1.0"}) {
            assertThatThrownBy(() -> TgzArgument.classify(bad, paths()))
                    .satisfies(e -> assertThat(exitCode(e)).isEqualTo(2))
                    .hasMessage("invalid catalog reference: '" + bad + "' (use NAME or NAME@VERSION)");
        }
    }
}
