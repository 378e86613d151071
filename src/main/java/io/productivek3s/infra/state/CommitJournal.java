package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The commit point of a persist or removal: {@code <dir>/.<name>.commit}, created atomically once everything the
 * change needs is staged, deleted once the renames are done. Present → the change is decided and the next holder
 * of the lock rolls it forward; absent → staged leftovers are rolled back. It names the staged items by {@code txn}.
 */
final class CommitJournal {
    enum Op { PERSIST, REMOVE }

    /** One decided change: which, staged under which transaction id, recorded as which revision (0: no history). */
    record Entry(Op op, String txn, long revision) {
    }

    private static final Pattern TXN = Pattern.compile("[0-9a-f]{16}");
    private final Path dir;

    CommitJournal(Path dir) {
        this.dir = dir;
    }

    Path file(String name) {
        return dir.resolve("." + name + ".commit");
    }

    /** Temp files of an interrupted {@link #write}: never a commit. */
    Pattern temps(String name) {
        return Pattern.compile(Pattern.quote("." + "." + name + ".commit.") + "[0-9]+\\.tmp");
    }

    void write(String name, Entry entry) throws IOException {
        ObjectNode node = Json.object();
        node.put("op", entry.op().name().toLowerCase(java.util.Locale.ROOT));
        node.put("txn", entry.txn());
        node.put("revision", entry.revision());
        Files2.writeAtomically(file(name), Json.compact(node), Files2.FILE_PRIVATE);
    }

    /** The pending change; an unreadable journal is an IOException (never guessed at). */
    Optional<Entry> read(String name) throws IOException {
        Path file = file(name);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.parse(Files.readString(file));
            String txn = node == null ? "" : node.path("txn").asText("");
            String op = node == null ? "" : node.path("op").asText("");
            if (!TXN.matcher(txn).matches() || !(op.equals("persist") || op.equals("remove"))) {
                throw new IOException("unreadable commit journal " + file);
            }
            return Optional.of(new Entry(op.equals("persist") ? Op.PERSIST : Op.REMOVE, txn,
                    node.path("revision").asLong(0)));
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        }
    }

    void delete(String name) throws IOException {
        Files.deleteIfExists(file(name));
    }
}
