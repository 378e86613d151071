package io.productivek3s.infra.state.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.driver.Fence;
import io.productivek3s.infra.state.driver.StateDriver;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.state.driver.StoredRevision;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.time.Instant;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/state.md "Local backend", links inside the history: a symbolic link planted where the local driver keeps a
 * directory is refused (exit 4, one line naming it) before anything is written through it or deleted through it.
 * Each test checks that the directory the link points to is left exactly as it was.
 */
class HistoryLinksTest {
    @TempDir
    Path tmp;
    Path state;
    Path outside;
    StateDriver driver;

    @BeforeEach
    void openDriver() throws Exception {
        state = tmp.resolve("state");
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "mine");
        driver = LocalDriver.open(state);
    }

    private void refused(Path link, ThrowingCallable call) throws Exception {
        assertThatThrownBy(call).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(EngineException.INVALID);
            assertThat(e.getMessage()).isEqualTo("refusing to write profile state through " + link + ": it is a"
                    + " symbolic link (to " + outside + "), and the engine never follows links inside its state"
                    + " directory: move it away and run the command again");
        });
        try (var listing = Files.list(outside)) {
            assertThat(listing.toList()).as("nothing written or deleted through the link")
                    .containsExactly(outside.resolve("precious"));
        }
        assertThat(outside.resolve("precious")).hasContent("mine");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aLinkForTheHistoryItselfIsRefused() throws Exception {
        Files.createDirectories(state);
        Path link = Files.createSymbolicLink(state.resolve(".history"), outside);
        refused(link, () -> driver.missing("alpha", List.of("ab".repeat(32))));
        refused(link, () -> driver.put("alpha", "ab".repeat(32), 1, () -> new ByteArrayInputStream(bytes("x"))));
        refused(link, () -> driver.putSettingIfAbsent("salt", bytes("x")));
    }

    @Test
    void aLinkForANamesRevisionsIsRefusedBeforeTheRecordIsWritten() throws Exception {
        Files.createDirectories(state.resolve(".history/revisions"));
        Path link = Files.createSymbolicLink(state.resolve(".history/revisions/alpha"), outside);
        refused(link, () -> driver.append("alpha", OptionalLong.empty(), revision("alpha", 1),
                Set.of(), Fence.NONE));
        assertThat(driver.history("alpha")).isEmpty();
    }

    @Test
    void aLinkForTheObjectsOrAFanOutDirectoryIsRefused() throws Exception {
        Files.createDirectories(state.resolve(".history"));
        Path link = Files.createSymbolicLink(state.resolve(".history/objects"), outside);
        String sha = Digests.sha256(bytes("content"));
        refused(link, () -> driver.missing("alpha", List.of(sha)));
        refused(link, () -> driver.put("alpha", sha, 7, () -> new ByteArrayInputStream(bytes("content"))));

        Files.delete(link);
        Files.createDirectories(state.resolve(".history/objects"));
        Path fanOut = Files.createSymbolicLink(state.resolve(".history/objects").resolve(sha.substring(0, 2)), outside);
        refused(fanOut, () -> driver.put("alpha", sha, 7, () -> new ByteArrayInputStream(bytes("content"))));
    }

    @Test
    void aLinkForThePendingOrSettingsDirectoryIsRefused() throws Exception {
        Files.createDirectories(state.resolve(".history"));
        Path pending = Files.createSymbolicLink(state.resolve(".history/pending"), outside);
        refused(pending, () -> driver.put("alpha", "ab".repeat(32), 1, () -> new ByteArrayInputStream(bytes("x"))));
        Files.delete(pending);
        Path settings = Files.createSymbolicLink(state.resolve(".history/settings"), outside);
        refused(settings, () -> driver.putSettingIfAbsent("salt", bytes("x")));
    }

    /**
     * Listed through a link, {@code revisions} would show no record and a collection would delete every object: the
     * prune is refused and every object stays.
     */
    @Test
    void aCollectionThroughALinkedRevisionsDirectoryIsRefusedAndDeletesNothing() throws Exception {
        String sha = store(driver, "alpha", "kept");
        driver.append("alpha", OptionalLong.empty(), revision("alpha", 1), Set.of(sha),
                Fence.NONE);
        Path revisions = state.resolve(".history/revisions");
        Files.move(revisions, tmp.resolve("revisions-aside"));
        Path link = Files.createSymbolicLink(revisions, outside);
        refused(link, () -> driver.prune("alpha", List.of()));
        assertThat(state.resolve(".history/objects").resolve(sha.substring(0, 2)).resolve(sha))
                .as("no object was collected").hasContent("kept");

        Files.delete(link);
        Files.move(tmp.resolve("revisions-aside"), revisions);
        Path other = Files.createSymbolicLink(revisions.resolve("beta"), outside);
        refused(other, () -> driver.prune("alpha", List.of()));
        refused(other, () -> driver.append("alpha", OptionalLong.of(1), revision("alpha", 2),
                Set.of(sha), Fence.NONE));
        assertThat(driver.history("alpha")).hasSize(1);
    }

    private static StoredRevision revision(String name, long n) {
        RevisionInfo info = new RevisionInfo(name, n, Instant.parse("2026-11-28T10:00:00Z").plusSeconds(n), "alice@a",
                "profile install", "success", 0, "demo", "1.0.0", null, "ab".repeat(32), 1, 7, false);
        return new StoredRevision(info, bytes("summary-" + n), bytes("payload-" + n));
    }

    private static String store(StateDriver d, String name, String text) throws IOException {
        byte[] content = bytes(text);
        String sha = Digests.sha256(content);
        d.put(name, sha, content.length, () -> new ByteArrayInputStream(content));
        return sha;
    }
}
