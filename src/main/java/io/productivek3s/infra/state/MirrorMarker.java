package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Printable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code <state dir>/.pk3s-backend}: the shared backend a state directory mirrors, as messages name it (never with a
 * password). A shared backend writes it when it changes the mirror; the local backend reads it, so a forgotten
 * {@code PK3S_STATE_BACKEND} is said out loud and a change to the mirror alone, which the team would never see and the
 * next sync would undo, is refused (docs/state.md "A mirror is not local state").
 */
public final class MirrorMarker {
    static final String FILE = ".pk3s-backend";
    private static final int MAX_LENGTH = 512;

    private MirrorMarker() {
    }

    /** Records that {@code dir} mirrors {@code backendName}; rewritten only when it says something else. */
    public static void write(Path dir, String backendName) throws IOException {
        if (read(dir).filter(backendName::equals).isEmpty()) {
            Files2.writeAtomically(dir.resolve(FILE), backendName + "\n", Files2.FILE_PRIVATE);
        }
    }

    /** The backend {@code dir} mirrors, if it is a mirror (an unreadable marker still marks one). */
    public static Optional<String> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            // only a small regular file is read: a link or a device in its place still marks a mirror, unread
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || Files.size(file) > MAX_LENGTH + 1) {
                return Optional.of("a shared backend (marker " + file + " is unreadable)");
            }
            String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
            if (text.isEmpty() || text.length() > MAX_LENGTH || text.contains("\n")) {
                return Optional.of("a shared backend (marker " + file + " is unreadable)");
            }
            return Optional.of(Printable.clean(text));
        } catch (IOException e) {
            return Optional.of("a shared backend (marker " + file + " is unreadable)");
        }
    }

    /** Makes {@code dir} plain local state again ({@code state migrate --to local} from the backend it mirrored). */
    public static void remove(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(FILE));
    }

    /** Exit 4 for a change to a mirror through the local backend. */
    static EngineException refused(Path dir, String backend) {
        return EngineException.invalid("state dir " + dir + " is the local mirror of " + backend + ", and "
                + StateStore.BACKEND_VARIABLE + " is not set: a change here would never reach the team; set "
                + StateStore.BACKEND_VARIABLE + " to that backend (or run 'state migrate --to local' with it set to make this "
                + "directory local state)");
    }

    /** The WARN of the local backend opened on a mirror. */
    static String warning(Path dir, String backend) {
        return "state dir " + dir + " is the local mirror of " + backend + " but " + StateStore.BACKEND_VARIABLE
                + " is not set: this shows the mirror, which may be behind; changes are refused";
    }
}
