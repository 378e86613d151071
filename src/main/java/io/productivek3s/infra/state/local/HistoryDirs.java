package io.productivek3s.infra.state.local;

import io.productivek3s.infra.state.StateDirectories;
import io.productivek3s.infra.state.StateErrors;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Directories of the local history (docs/state.md "Local backend", "Links inside the history"): every one of them,
 * {@code .history} included, is created or used only when it is a real directory, never through a symbolic link, so
 * a link planted in the state directory cannot redirect history writes (or a collection's deletes) elsewhere.
 */
final class HistoryDirs {
    private HistoryDirs() {
    }

    /**
     * Creates {@code dir} (0700, with its missing parents) below {@code history}, which is {@code <state dir>/.history};
     * a symbolic link as {@code .history} or any component below it is exit 4 naming it (a file in the way stays the
     * I/O error it was: the state directory cannot be written, exit 1).
     */
    static Path create(Path history, Path dir) throws IOException {
        return StateDirectories.create(history.getParent(), dir);
    }

    /**
     * {@link #create}, for a caller that has just checked {@code history} itself as a real directory under the lock
     * it holds ({@code LocalDriver.exclusive}): only the components below it are checked again (each with
     * {@code NOFOLLOW_LINKS}, a link among them is exit 4 as above). Per stored object that is two stats fewer than
     * checking from the state directory down (docs/performance.md "Per-object costs on the local backend, round 3").
     */
    static Path createBelowChecked(Path history, Path dir) throws IOException {
        return StateDirectories.create(history, dir);
    }

    /**
     * Refuses a symbolic link among the entries of {@code dir} (one level; an absent {@code dir} has none): checked
     * before the history is written or collected, because a collection that lists {@code revisions} through a link
     * would find no record and delete every object, and a write of objects that all "exist" through a link would
     * commit a record naming files outside the state directory.
     */
    static void requireNoLinks(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isSymbolicLink(entry)) {
                    throw StateErrors.linkInState(entry);
                }
            }
        }
    }
}
