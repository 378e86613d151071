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
import java.time.Instant;
import java.util.Optional;

/**
 * Who holds a local state lock: {@code <dir>/.locks/<name>.holder.json}, written (atomically, 0600) once the OS lock
 * on {@code <name>.lock} is taken and deleted on release. The OS lock stays the truth (it dies with its process); the
 * sidecar only names the holder in messages, so a stale one (its process was killed) is simply overwritten.
 */
final class HolderSidecar {
    private final Path stateDir;
    private final Path locks;

    HolderSidecar(Path stateDir) {
        this.stateDir = stateDir;
        this.locks = stateDir.resolve(".locks");
    }

    Path file(String name) {
        return locks.resolve(name + ".holder.json");
    }

    void write(String name, LockHolder holder) throws IOException {
        // never through a link planted for .locks (docs/state.md "Links inside the history"): exit 4 before
        // the run starts, so nothing of it is lost
        StateDirectories.create(stateDir, locks);
        ObjectNode node = Json.object();
        node.put("user", holder.user());
        node.put("host", holder.host());
        node.put("pid", holder.pid());
        node.put("command", holder.command());
        node.put("started_at", holder.startedAt().toString());
        Files2.writeAtomically(file(name), Json.pretty(node), Files2.FILE_PRIVATE);
    }

    /** The recorded holder; empty when there is none or it cannot be read (it is advisory). */
    Optional<LockHolder> read(String name) {
        Path file = file(name);
        try {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            JsonNode node = Json.parse(Files.readString(file));
            if (node == null || !node.isObject()) {
                return Optional.empty();
            }
            return Optional.of(new LockHolder(node.path("user").asText("?"), node.path("host").asText("?"),
                    node.path("pid").asLong(-1), node.path("command").asText("?"),
                    Instant.parse(node.path("started_at").asText())));
        } catch (NoSuchFileException released) {
            return Optional.empty();
        } catch (IOException | RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    void delete(String name) {
        try {
            Files.deleteIfExists(file(name));
        } catch (IOException ignored) {
            // advisory: a stale sidecar is overwritten by the next holder
        }
    }

    /** Whether {@code holder} may still be running: always true for another host, which we cannot check. */
    static boolean alive(LockHolder holder, String thisHost) {
        if (!holder.host().equals(thisHost)) {
            return true;
        }
        return ProcessHandle.of(holder.pid()).map(ProcessHandle::isAlive).orElse(false);
    }
}
