package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mirror's bookkeeping directory ({@code .pk3s-pg} of a PostgreSQL mirror, {@code .history/mirror} of the local
 * backend: docs/state.md "Local backend", links inside the history) is never written through a symbolic link planted
 * for it: the marker is refused with exit 4 naming the link, the digest memo's scan too, and its save (a cache) writes
 * nothing. The directory the link points to is left as it was.
 */
class MirrorLinksTest {
    @TempDir
    Path tmp;
    Path state;
    Path outside;

    @BeforeEach
    void linkedBookDirectory() throws Exception {
        state = Files.createDirectories(tmp.resolve("state"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "mine");
        Files.writeString(outside.resolve("site-a.digests"), "a memo by that name"); // what a failed save deleted
    }

    private void assertOutsideUntouched() throws Exception {
        try (var listing = Files.list(outside)) {
            assertThat(listing.toList()).containsExactlyInAnyOrder(outside.resolve("precious"),
                    outside.resolve("site-a.digests"));
        }
        assertThat(outside.resolve("site-a.digests")).hasContent("a memo by that name");
    }

    private static void assertRefused(Path link, Path outside, Throwable e) {
        assertThat(e).isInstanceOfSatisfying(EngineException.class, engine -> {
            assertThat(engine.exitCode()).isEqualTo(EngineException.INVALID);
            assertThat(engine.getMessage()).isEqualTo("refusing to write profile state through " + link + ": it is a"
                    + " symbolic link (to " + outside + "), and the engine never follows links inside its state"
                    + " directory: move it away and run the command again");
        });
    }

    @Test
    void aPostgresMirrorsBookkeepingIsNeverWrittenThroughALink() throws Exception {
        Path link = Files.createSymbolicLink(state.resolve(".pk3s-pg"), outside);
        MirrorBook book = new MirrorBook(state, ".pk3s-pg");
        assertThatThrownBy(() -> book.writeMarker("site-a", 3, "ab".repeat(32)))
                .satisfies(e -> assertRefused(link, outside, e));

        TreeMemo memo = TreeMemo.open(book.digests().apply("site-a"));
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        assertThatThrownBy(() -> memo.scan(tree)).satisfies(e -> assertRefused(link, outside, e));
        memo.save(); // a cache: its failure costs hashing next time, never a write through the link
        assertOutsideUntouched();
    }

    @Test
    void theLocalMirrorsBookkeepingUnderTheHistoryIsNeverWrittenThroughALink() throws Exception {
        Files.createDirectories(state.resolve(".history"));
        Path link = Files.createSymbolicLink(state.resolve(".history/mirror"), outside);
        MirrorBook book = new MirrorBook(state, ".history/mirror");
        assertThatThrownBy(() -> book.writeMarker("site-a", 1, null)).satisfies(e -> assertRefused(link, outside, e));
        TreeMemo memo = TreeMemo.open(book.digests().apply("site-a"));
        assertThatThrownBy(() -> memo.scan(state)).satisfies(e -> assertRefused(link, outside, e));
        memo.save();
        assertOutsideUntouched();

        Files.delete(link);
        book.writeMarker("site-a", 1, null);
        assertThat(book.marker("site-a")).contains(new MirrorBook.Marker(1, ""));
    }
}
