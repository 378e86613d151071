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
        assertThat(LocalMirrorTest.mode(copy.resolve("dir/file.txt"))).isEqualTo("rw-------");
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
        Map<String, String> refusals = Map.of(
                "../escaped", "tree manifest path is not normalised: ../escaped",
                "a/../../escaped", "tree manifest path is not normalised: a/../../escaped",
                "/tmp/escaped-abs", "tree manifest path is not relative: /tmp/escaped-abs");
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            TreeManifest evil = TreeManifest.fromJson("[" + file(refusal.getKey(), sha, 1) + "]");
            Path root = tmp.resolve("root-" + Math.abs(refusal.getKey().hashCode()));
            assertThatThrownBy(() -> evil.materialize(root, (s, n) -> Files.newInputStream(tmp.resolve("blob"))))
                    .isInstanceOf(TreeManifest.Refused.class)
                    .hasMessage(refusal.getValue());
            assertThat(root).as("nothing written before the manifest is validated").doesNotExist();
        }
        assertThat(tmp.resolve("escaped")).doesNotExist();
        assertThat(Path.of("/tmp/escaped-abs")).doesNotExist();
    }

    @Test
    void aFileBelowALinkOfTheTreeIsRefusedAndNothingIsWrittenThroughTheLink() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        String sha = TreeManifest.sha256(Files.writeString(tmp.resolve("blob"), "x"));
        TreeManifest evil = TreeManifest.fromJson("[" + dir("generated") + ","
                + "{\"path\":\"generated/x\",\"kind\":\"link\",\"target\":\"" + outside + "\"},"
                + file("generated/x/pwned.sh", sha, 1) + "]");

        assertThatThrownBy(evil::validate).isInstanceOf(TreeManifest.Refused.class)
                .hasMessage("tree manifest has an entry below the link generated/x: generated/x/pwned.sh");
        Path root = tmp.resolve("root");
        assertThatThrownBy(() -> evil.materialize(root, (s, n) -> Files.newInputStream(tmp.resolve("blob"))))
                .isInstanceOf(TreeManifest.Refused.class);
        assertThat(outside).isEmptyDirectory();
        assertThat(root).doesNotExist();
    }

    @Test
    void validationRefusesEveryManifestThatCouldLeaveItsRoot() throws IOException {
        String sha = "a".repeat(64);
        Map<String, String> refusals = new java.util.LinkedHashMap<>();
        refusals.put("[" + file("a/b", sha, 1) + "]",
                "tree manifest entry's parent a is not a directory of the tree: a/b");
        refusals.put("[" + file("a", sha, 1) + "," + file("a/b", sha, 1) + "]",
                "tree manifest entry's parent a is not a directory of the tree: a/b");
        refusals.put("[" + dir("a") + "," + file("a", sha, 1) + "]", "tree manifest lists a path twice: a");
        refusals.put("[" + dir("a") + "," + dir("a/") + "]", "tree manifest path is not normalised: a/");
        refusals.put("[" + dir("a") + "," + dir("a//b") + "]", "tree manifest path is not normalised: a//b");
        refusals.put("[" + dir("./a") + "]", "tree manifest path is not normalised: ./a");
        refusals.put("[" + dir("") + "]", "tree manifest path is not relative: ");
        refusals.put("[{\"path\":\"l\",\"kind\":\"link\",\"target\":\"/x\"}," + dir("l/d") + "]",
                "tree manifest has an entry below the link l: l/d");
        refusals.put("[{\"path\":\"l\",\"kind\":\"link\",\"target\":\"/x\"}," + dir("l/d") + ","
                + file("l/d/f", sha, 1) + "]", "tree manifest has an entry below the link l: l/d");
        refusals.put("[" + file("f", "../../etc/passwd", 1) + "]",
                "tree manifest file has no valid sha256 and size: f");
        refusals.put("[" + file("f", sha, -1) + "]", "tree manifest file has no valid sha256 and size: f");
        refusals.put("[{\"path\":\"l\",\"kind\":\"link\",\"target\":\"\"}]",
                "tree manifest link has no valid target: l");
        refusals.put("[" + dir("a\\u001b[2J\\nb") + "]", null);
        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            TreeManifest manifest = TreeManifest.fromJson(refusal.getKey());
            if (refusal.getValue() == null) {
                manifest.validate(); // a strange but relative name is a name
                continue;
            }
            assertThatThrownBy(manifest::validate).as(refusal.getKey()).isInstanceOf(TreeManifest.Refused.class)
                    .hasMessage(refusal.getValue());
        }
        // a path's control characters never reach a message
        TreeManifest twice = TreeManifest.fromJson("[" + dir("a\\u001b") + "," + dir("a\\u001b") + "]");
        assertThatThrownBy(twice::validate).hasMessage("tree manifest lists a path twice: a?");
    }

    @Test
    void scannedTreesAreValidAndLinksAreWrittenLast() throws IOException {
        Path source = tree(tmp.resolve("src"));
        Files.createSymbolicLink(source.resolve("abs"), tmp.resolve("elsewhere"));
        TreeManifest manifest = TreeManifest.scan(source, TreeManifest.KnownDigests.NONE);
        manifest.verify(manifest.digest());
        Path copy = tmp.resolve("copy");
        manifest.materialize(copy, blobsFrom(source, manifest));
        assertThat(Files.readSymbolicLink(copy.resolve("abs"))).isEqualTo(tmp.resolve("elsewhere"));
        assertThat(tmp.resolve("elsewhere")).doesNotExist();
    }

    @Test
    void verifyRefusesAManifestThatIsNotTheRecordedTree() throws IOException {
        TreeManifest manifest = TreeManifest.scan(tree(tmp.resolve("src")), TreeManifest.KnownDigests.NONE);
        String other = "0".repeat(64);
        assertThatThrownBy(() -> manifest.verify(other)).isInstanceOf(TreeManifest.Refused.class)
                .hasMessage("its tree manifest (digest " + manifest.digest()
                        + ") does not match the recorded tree digest " + other);
        assertThatThrownBy(() -> manifest.verify(null)).isInstanceOf(TreeManifest.Refused.class)
                .hasMessageEndingWith("does not match the recorded tree digest (none)");
        assertThat(((TreeManifest.Refused) org.assertj.core.api.Assertions.catchThrowable(() -> manifest.verify(other)))
                .in("demo", 7).getMessage()).startsWith("refusing revision 7 of profile state 'demo': its tree manifest");
    }

    @Test
    void materializeNeverWritesIntoAnExistingEntry() throws IOException {
        // a root that already holds a link where the tree wants a directory: refused, not followed
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createSymbolicLink(root.resolve("generated"), outside);
        String sha = TreeManifest.sha256(Files.writeString(tmp.resolve("blob"), "x"));
        TreeManifest manifest = TreeManifest.fromJson("[" + dir("generated") + "," + file("generated/f", sha, 1) + "]");
        assertThatThrownBy(() -> manifest.materialize(root, (s, n) -> Files.newInputStream(tmp.resolve("blob"))))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(outside).isEmptyDirectory();
    }

    private static String dir(String path) {
        return "{\"path\":\"" + path + "\",\"kind\":\"dir\"}";
    }

    private static String file(String path, String sha, long size) {
        return "{\"path\":\"" + path + "\",\"kind\":\"file\",\"size\":" + size + ",\"sha256\":\"" + sha
                + "\",\"executable\":false}";
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
