package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * The engine's own directories inside the state directory (docs/state.md "Local backend", links inside the history):
 * the history's, and the mirror's bookkeeping ({@code .history/mirror}, {@code .pk3s-pg}). They are created (0700)
 * or used only as real directories, never through a symbolic link, so a link planted there cannot redirect what the
 * engine writes.
 */
public final class StateDirectories {
    private StateDirectories() {
    }

    /**
     * Creates {@code dir} and its missing parents below {@code root} without following a link
     * ({@link Files2#createPrivateDirectoriesBelow}); a symbolic link as any component below {@code root} is exit 4
     * naming it ({@link StateErrors#linkInState}). A file in the way stays an I/O error (exit 1).
     */
    public static Path create(Path root, Path dir) throws IOException {
        try {
            return Files2.createPrivateDirectoriesBelow(root, dir);
        } catch (NotDirectoryException link) {
            throw StateErrors.linkInState(Path.of(link.getFile()));
        }
    }
}
