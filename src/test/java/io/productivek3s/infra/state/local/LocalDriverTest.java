package io.productivek3s.infra.state.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.RevisionPayload;
import io.productivek3s.infra.state.TreeManifest;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.driver.StateDriverContract;
import io.productivek3s.infra.state.driver.StoredRevision;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver contract on the local filesystem (two drivers on one state directory, as two processes), plus what only
 * the local driver does: it reads the layout engines before it wrote, checks objects as it stores them, keeps
 * payloads out of the records that history and list read, and never collects under a reader.
 */
class LocalDriverTest extends StateDriverContract {
    @TempDir
    Path tmp;

    @Override
    protected StateDriver open() {
        return LocalDriver.open(tmp.resolve("state"));
    }

    private Path state() {
        return tmp.resolve("state");
    }

    /**
     * A state directory as the engine before the driver wrote it (format-1 records holding tree and
     * {@code cluster.json}, content-addressed objects, no summary): readable as it is, and appended to.
     */
    @Test
    void aStateDirectoryInTheOldLayoutStaysReadable() throws Exception {
        byte[] engineState = "{\"schema_version\":\"1\",\"last_action\":{\"command\":\"install\"}}".getBytes(StandardCharsets.UTF_8);
        byte[] key = "key".getBytes(StandardCharsets.UTF_8);
        String engineSha = sha256(engineState);
        String keySha = sha256(key);
        writeObject(engineSha, engineState);
        writeObject(keySha, key);
        String tree = "[{\"path\":\"engine-state.json\",\"kind\":\"file\",\"size\":" + engineState.length
                + ",\"sha256\":\"" + engineSha + "\",\"executable\":false},{\"path\":\"generated\",\"kind\":\"dir\"},"
                + "{\"path\":\"generated/id\",\"kind\":\"file\",\"size\":3,\"sha256\":\"" + keySha
                + "\",\"executable\":false}]";
        TreeManifest manifest = TreeManifest.fromJson(tree);
        byte[] clusterJson = "{\"cluster_name\":\"old\"}".getBytes(StandardCharsets.UTF_8);
        Path revisions = Files.createDirectories(state().resolve(".history/revisions/old"));
        Files.writeString(revisions.resolve("1.json"), "{\"format\":1,\"name\":\"old\",\"revision\":1,"
                + "\"created_at\":\"2026-11-28T10:00:00Z\",\"who\":\"alice@a\",\"command\":\"profile install\","
                + "\"result\":\"success\",\"exit_code\":0,\"profile_name\":\"demo\",\"profile_version\":\"1.0.0\","
                + "\"package_sha256\":null,\"tree_sha256\":\"" + manifest.digest() + "\",\"files\":2,\"bytes\":"
                + manifest.bytes() + ",\"removed\":false,\"cluster_json_base64\":\""
                + Base64.getEncoder().encodeToString(clusterJson) + "\",\"tree\":" + tree + "}");
        // a record an interrupted persist of the old engine staged and never published: not a revision
        Files.writeString(revisions.resolve("2.staged-0123456789abcdef"), "{}");

        StateDriver d = driver();
        assertThat(d.history("old")).extracting(RevisionInfo::revision).containsExactly(1L);
        assertThat(d.latest("old")).map(RevisionInfo::treeSha256).contains(manifest.digest());
        assertThat(d.heads()).singleElement().satisfies(h -> assertThat(h.summary()).isEqualTo(engineState));
        StoredRevision one = d.read("old", 1).orElseThrow();
        RevisionPayload payload = RevisionPayload.decode(one.payload());
        assertThat(payload.tree().digest()).isEqualTo(manifest.digest());
        assertThat(payload.clusterJson()).isEqualTo(clusterJson);
        try (InputStream in = d.open("old", keySha)) {
            assertThat(in.readAllBytes()).isEqualTo(key);
        }

        // the next revision is written in the new format beside it, and pruning the old one collects its objects
        d.append("old", OptionalLong.of(1), revision("old", 2, false), Set.of(engineSha), Fence.NONE);
        assertThat(d.history("old")).extracting(RevisionInfo::revision).containsExactly(1L, 2L);
        d.prune("old", List.of(1L));
        assertThat(d.missing("old", List.of(engineSha, keySha))).containsExactly(keySha);
        try (Stream<Path> left = Files.list(revisions)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("the staged record of the old engine is swept with the garbage")
                    .allMatch(n -> n.matches("2\\.(json|[0-9a-f]{16}\\.(payload|objects))"));
        }
    }

    /** {@code history} and {@code heads} read records only: a payload that is gone does not disturb them. */
    @Test
    void thePayloadLivesBesideTheSmallRecord() throws Exception {
        StateDriver d = driver();
        d.append("alpha", OptionalLong.empty(), revision("alpha", 1, false), Set.of(), Fence.NONE);
        Path dir = state().resolve(".history/revisions/alpha");
        Path payload;
        try (Stream<Path> files = Files.list(dir)) {
            payload = files.filter(p -> p.getFileName().toString().endsWith(".payload")).findFirst().orElseThrow();
        }
        assertThat(Files.readString(payload)).isEqualTo("payload-1");
        assertThat(Files.readString(dir.resolve("1.json"))).doesNotContain("payload-1");
        Files.delete(payload);
        assertThat(d.history("alpha")).extracting(RevisionInfo::revision).containsExactly(1L);
        assertThat(d.heads()).extracting(h -> new String(h.summary(), StandardCharsets.UTF_8)).containsExactly("summary-1");
        assertThatThrownBy(() -> d.read("alpha", 1)).isInstanceOf(IOException.class).hasMessageContaining("payload");
    }

    /** Checked on write: a damaged object (right size, other bytes) counts as missing and is replaced atomically. */
    @Test
    void aDamagedObjectIsMissingAndReplacedByTheNextPut() throws Exception {
        StateDriver d = driver();
        String sha = store(d, "alpha", "content");
        Path object = state().resolve(".history/objects").resolve(sha.substring(0, 2)).resolve(sha);
        Files.setPosixFilePermissions(object, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(object, "CONTENT");
        assertThat(d.missing("alpha", List.of(sha))).containsExactly(sha);
        byte[] content = "content".getBytes(StandardCharsets.UTF_8);
        assertThat(d.put("alpha", sha, 7, () -> new ByteArrayInputStream(content))).isEqualTo(7);
        assertThat(Files.readString(object)).isEqualTo("content");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(object))).isEqualTo("r--------");
    }

    /** Bytes that are not their address's content (a decorator's sealed object) are stored as given, apart. */
    @Test
    void opaqueObjectsAreStoredAsGivenAndCollectedLikeAnyOther() throws Exception {
        StateDriver d = driver();
        String address = "ab".repeat(32);
        byte[] sealed = "PK3E…ciphertext".getBytes(StandardCharsets.UTF_8);
        d.put("alpha", address, sealed.length, () -> new ByteArrayInputStream(sealed));
        assertThat(d.missing("alpha", List.of(address))).isEmpty();
        assertThat(d.put("alpha", address, sealed.length, () -> new ByteArrayInputStream(sealed))).isZero();
        try (InputStream in = d.open("alpha", address)) {
            assertThat(in.readAllBytes()).isEqualTo(sealed);
        }
        d.append("alpha", OptionalLong.empty(), revision("alpha", 1, false), Set.of(), Fence.NONE);
        d.prune("alpha", List.of());
        assertThat(d.missing("alpha", List.of(address))).containsExactly(address);
    }

    /**
     * What the opaque calls skip, pinned (docs/state.md "State layer and drivers", opaque objects): putOpaque does
     * not hash (bytes whose sha256 is their address still go to opaque/, where put would have put them in objects/),
     * missingOpaque and openOpaque look in opaque/ alone (an object in objects/ is not found by them). What they
     * keep: nothing is read through a link in place of an object, nothing is written through a link in place of a
     * directory (exit 4), and the ordinary calls still see both trees.
     */
    @Test
    void opaqueCallsLookInOpaqueAloneAndDoNotHashButNeverFollowALink() throws Exception {
        StateDriver d = driver();
        byte[] content = "content".getBytes(StandardCharsets.UTF_8);
        String sha = sha256(content);
        assertThat(d.putOpaque("alpha", sha, 7, () -> new ByteArrayInputStream(content))).isEqualTo(7);
        Path opaque = state().resolve(".history/opaque").resolve(sha.substring(0, 2)).resolve(sha);
        assertThat(opaque).hasBinaryContent(content);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(opaque))).isEqualTo("r--------");
        assertThat(state().resolve(".history/objects")).as("no temp file there either").doesNotExist();
        assertThat(d.missing("alpha", List.of(sha))).as("the ordinary call sees opaque/ too").isEmpty();

        String plain = store(d, "alpha", "plain content");
        assertThat(d.missing("alpha", List.of(plain))).isEmpty();
        assertThat(d.missingOpaque("alpha", List.of(plain))).containsExactly(plain);
        assertThatThrownBy(() -> d.openOpaque("alpha", plain)).isInstanceOf(IOException.class)
                .hasMessage("stored object " + plain + " is missing");

        Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), "content");
        Files.delete(opaque);
        Files.createSymbolicLink(opaque, elsewhere);
        assertThat(d.missingOpaque("alpha", List.of(sha))).as("a link is no object").containsExactly(sha);
        assertThatThrownBy(() -> d.openOpaque("alpha", sha).close()).isInstanceOf(IOException.class);

        Files.delete(opaque);
        Path prefix = opaque.getParent();
        Files.delete(prefix);
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.createSymbolicLink(prefix, outside);
        assertThatThrownBy(() -> d.putOpaque("alpha", sha, 7, () -> new ByteArrayInputStream(content)))
                .isInstanceOfSatisfying(io.productivek3s.infra.EngineException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(4))
                .hasMessageContaining("symbolic link");
        try (Stream<Path> written = Files.list(outside)) {
            assertThat(written.toList()).as("nothing written through the link").isEmpty();
        }
    }

    /** A prune waits for a reader's hold: the reader finds every object it listed until it lets go. */
    @Test
    void garbageCollectionWaitsForAReader() throws Exception {
        StateDriver d = driver();
        String old = store(d, "alpha", "old");
        d.append("alpha", OptionalLong.empty(), revision("alpha", 1, false), Set.of(old), Fence.NONE);
        d.append("alpha", OptionalLong.of(1), revision("alpha", 2, false), Set.of(), Fence.NONE);
        StateDriver other = open();
        CompletableFuture<Void> prune;
        try (StateDriver.Hold reading = d.reading("alpha")) {
            prune = CompletableFuture.runAsync(() -> {
                try {
                    other.prune("alpha", List.of(1L));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Thread.sleep(300);
            assertThat(prune).as("pruning waits for the reader").isNotDone();
            assertThat(d.read("alpha", 1)).isPresent();
            try (InputStream in = d.open("alpha", old)) {
                assertThat(in.readAllBytes()).isEqualTo("old".getBytes(StandardCharsets.UTF_8));
            }
        }
        prune.get(10, TimeUnit.SECONDS);
        assertThat(d.read("alpha", 1)).isEmpty();
        assertThat(d.missing("alpha", List.of(old))).containsExactly(old);
        other.close();
    }

    /** Objects a live writer registered (looked up or stored, not yet appended) survive another name's prune. */
    @Test
    void objectsAboutToBeReferencedSurviveAConcurrentCollection() throws Exception {
        StateDriver writer = driver();
        String sha = store(writer, "alpha", "about to be referenced");
        StateDriver collector = open();
        collector.prune("beta", List.of());
        assertThat(collector.missing("beta", List.of(sha))).isEmpty();
        writer.append("alpha", OptionalLong.empty(), revision("alpha", 1, false), Set.of(sha), Fence.NONE);
        collector.close();
    }

    private void writeObject(String sha, byte[] content) throws IOException {
        Path object = Files.createDirectories(state().resolve(".history/objects").resolve(sha.substring(0, 2)))
                .resolve(sha);
        Files.write(object, content);
    }
}
