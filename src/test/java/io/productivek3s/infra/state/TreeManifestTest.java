package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeManifestTest {
    @TempDir
    Path tmp;

    @Test
    void equalTreesHaveEqualDigestsWhateverTheirRootOrTimes() throws IOException {
        Path a = tree(tmp.resolve("a"));
        Path b = tree(tmp.resolve("b"));
        Files.setLastModifiedTime(b.resolve("dir/file.txt"), FileTime.fromMillis(0));

        TreeManifest ma = TreeManifest.scan(a, TreeManifest.KnownDigests.NONE);
        TreeManifest mb = TreeManifest.scan(b, TreeManifest.KnownDigests.NONE);

        assertThat(ma.digest()).matches("[0-9a-f]{64}").isEqualTo(mb.digest());
        assertThat(TreeManifest.fromJson(ma.toJson())).isEqualTo(ma);
        assertThat(TreeManifest.fromJson(ma.toJson()).digest()).isEqualTo(ma.digest());
        assertThat(ma.files()).isEqualTo(2);
        assertThat(ma.bytes()).isEqualTo("hello".length() + "#!/bin/sh\n".length());
        assertThat(ma.entries()).extracting(TreeManifest.Entry::path)
                .containsExactly("bin", "bin/run", "dir", "dir/file.txt", "dir/link");
    }

    @Test
    void contentTheExecutableBitAndLinkTargetsAllChangeTheDigest() throws IOException {
        String base = TreeManifest.scan(tree(tmp.resolve("base")), TreeManifest.KnownDigests.NONE).digest();

        Path content = tree(tmp.resolve("content"));
        Files.writeString(content.resolve("dir/file.txt"), "hellO");
        Path exec = tree(tmp.resolve("exec"));
        Files.setPosixFilePermissions(exec.resolve("bin/run"), PosixFilePermissions.fromString("rw-------"));
        Path link = tree(tmp.resolve("link"));
        Files.delete(link.resolve("dir/link"));
        Files.createSymbolicLink(link.resolve("dir/link"), Path.of("../bin/run"));

        for (Path changed : List.of(content, exec, link)) {
            assertThat(TreeManifest.scan(changed, TreeManifest.KnownDigests.NONE).digest()).as(changed.toString())
                    .isNotEqualTo(base);
        }
    }

    @Test
    void linksAreRecordedNotFollowedAndMaterializedAsLinks() throws IOException {
        Path source = tree(tmp.resolve("src"));
        TreeManifest manifest = TreeManifest.scan(source, TreeManifest.KnownDigests.NONE);
        assertThat(manifest.entries()).filteredOn(e -> e.path().equals("dir/link")).singleElement()
                .satisfies(e -> {
                    assertThat(e.kind()).isEqualTo(TreeManifest.Kind.LINK);
                    assertThat(e.target()).isEqualTo("file.txt");
                });

        Path copy = tmp.resolve("copy");
        manifest.materialize(copy, blobsFrom(source, manifest));

        assertThat(Files.isSymbolicLink(copy.resolve("dir/link"))).isTrue();
        assertThat(Files.readSymbolicLink(copy.resolve("dir/link"))).isEqualTo(Path.of("file.txt"));
        assertThat(Files.isExecutable(copy.resolve("bin/run"))).isTrue();
        assertThat(LocalStateStoreTest.mode(copy.resolve("dir/file.txt"))).isEqualTo("rw-------");
        assertThat(TreeManifest.scan(copy, TreeManifest.KnownDigests.NONE).digest()).isEqualTo(manifest.digest());
    }

    @Test
    void knownDigestsAreUsedInsteadOfReading() throws IOException {
        Path source = tree(tmp.resolve("src"));
        AtomicInteger asked = new AtomicInteger();
        TreeManifest lying = TreeManifest.scan(source, (file, attrs) -> {
            asked.incrementAndGet();
            return Optional.of("0".repeat(64));
        });
        assertThat(asked).hasValue(2);
        assertThat(lying.entries()).filteredOn(e -> e.kind() == TreeManifest.Kind.FILE)
                .extracting(TreeManifest.Entry::sha256).containsOnly("0".repeat(64));
    }

    @Test
    void materializeRejectsABlobThatDoesNotMatchItsDigest() throws IOException {
        Path source = tree(tmp.resolve("src"));
        TreeManifest manifest = TreeManifest.scan(source, TreeManifest.KnownDigests.NONE);
        TreeManifest.Blobs blobs = blobsFrom(source, manifest);
        String fileSha = manifest.entries().stream().filter(e -> e.path().equals("dir/file.txt")).findFirst()
                .orElseThrow().sha256();
        TreeManifest.Blobs corrupted = (sha, size) -> sha.equals(fileSha)
                ? new ByteArrayInputStream("jello".getBytes(StandardCharsets.UTF_8)) : blobs.open(sha, size);

        assertThatThrownBy(() -> manifest.materialize(tmp.resolve("out"), corrupted))
                .isInstanceOf(IOException.class)
                .hasMessage("stored content of dir/file.txt does not match its digest " + fileSha);
    }

    @Test
    void materializeRejectsPathsEscapingTheRoot() throws IOException {
        String sha = TreeManifest.sha256(Files.writeString(tmp.resolve("blob"), "x"));
        for (String path : List.of("../escaped", "a/../../escaped", "/tmp/escaped-abs")) {
            TreeManifest evil = TreeManifest.fromJson("[{\"path\":\"" + path + "\",\"kind\":\"file\",\"size\":1,"
                    + "\"sha256\":\"" + sha + "\",\"executable\":false}]");
            Path root = tmp.resolve("root-" + Math.abs(path.hashCode()));
            assertThatThrownBy(() -> evil.materialize(root, (s, n) -> Files.newInputStream(tmp.resolve("blob"))))
                    .isInstanceOf(IOException.class)
                    .hasMessage("tree manifest path escapes its root: " + path);
        }
        assertThat(tmp.resolve("escaped")).doesNotExist();
        assertThat(Path.of("/tmp/escaped-abs")).doesNotExist();
    }

    @Test
    void malformedManifestsAreIoExceptions() {
        for (String json : List.of("{}", "[{\"kind\":\"file\"}]", "[{\"path\":\"a\",\"kind\":\"socket\"}]",
                "[{\"path\":\"a\",\"kind\":\"file\",\"size\":1}]")) {
            assertThatThrownBy(() -> TreeManifest.fromJson(json)).as(json).isInstanceOf(IOException.class);
        }
    }

    /** bin/run (0755 script), dir/file.txt ("hello"), dir/link → file.txt. */
    private static Path tree(Path root) throws IOException {
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("dir"));
        Path run = Files.writeString(root.resolve("bin/run"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(root.resolve("dir/file.txt"), "hello");
        Files.createSymbolicLink(root.resolve("dir/link"), Path.of("file.txt"));
        return root;
    }

    private static TreeManifest.Blobs blobsFrom(Path root, TreeManifest manifest) {
        Map<String, Path> bySha = new HashMap<>();
        manifest.entries().stream().filter(e -> e.kind() == TreeManifest.Kind.FILE)
                .forEach(e -> bySha.put(e.sha256(), root.resolve(e.path())));
        return (sha, size) -> Files.newInputStream(bySha.get(sha), LinkOption.NOFOLLOW_LINKS);
    }
}
