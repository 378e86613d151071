package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The commit point of a persist or removal: {@code <dir>/.<name>.commit}, created atomically once everything the
 * change needs is staged, deleted once the renames are done. Present → the change is decided and the next holder
 * of the lock rolls it forward; absent → staged leftovers are rolled back. It names the staged items by {@code txn}.
 *
 * <p>It records its format and the name it was written for, so a journal of a newer engine or one copied from
 * another name is recognised instead of acted on. A journal that is not one this engine writes is never guessed at:
 * {@link #read} refuses it (exit 4, the file named, nothing changed) and a human decides (docs/state.md "Journals
 * that cannot be rolled forward").
 */
final class CommitJournal {
    enum Op { PERSIST, REMOVE }

    /** One decided change: which, staged under which transaction id, recorded as which revision (0: no history). */
    record Entry(Op op, String txn, long revision) {
    }

    /** The format this engine writes and reads; a journal without one is from before it was recorded (also 1). */
    static final int FORMAT = 1;
    /** Far above any journal this engine writes (~120 bytes); a bigger file is not one. */
    private static final long MAX_BYTES = 64 * 1024;
    /** A journal is {@code .NAME.commit} in the state directory. */
    private static final String SUFFIX = ".commit";
    private static final Pattern TXN = Pattern.compile("[0-9a-f]{16}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private final Path dir;

    CommitJournal(Path dir) {
        this.dir = dir;
    }

    Path file(String name) {
        return dir.resolve("." + name + SUFFIX);
    }

    /** The name whose journal {@link #file} is called {@code fileName}, if it is called like one. */
    static Optional<String> nameOf(String fileName) {
        return fileName.length() > SUFFIX.length() + 1 && fileName.startsWith(".") && fileName.endsWith(SUFFIX)
                ? Optional.of(fileName.substring(1, fileName.length() - SUFFIX.length())) : Optional.empty();
    }

    /** Temp files of an interrupted {@link #write}: never a commit. */
    Pattern temps(String name) {
        return Pattern.compile(Pattern.quote("." + "." + name + ".commit.") + "[0-9]+\\.tmp");
    }

    void write(String name, Entry entry) throws IOException {
        ObjectNode node = Json.object();
        node.put("format", FORMAT);
        node.put("name", name);
        node.put("op", entry.op().name().toLowerCase(Locale.ROOT));
        node.put("txn", entry.txn());
        node.put("revision", entry.revision());
        Files2.writeAtomically(file(name), Json.compact(node), Files2.FILE_PRIVATE);
    }

    /**
     * The pending change, if any. A journal that is malformed, of a newer format or written for another name is
     * exit 4 ({@link #refused}); a file that cannot be read at all stays an IOException.
     */
    Optional<Entry> read(String name) throws IOException {
        Path file = file(name);
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw refused(name, "is not a regular file");
        }
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw refused(name, "is larger than " + MAX_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            // the parser's own message quotes the content and says nothing about what to do: not shown
            node = Json.parse(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
        } catch (IOException notJson) {
            throw refused(name, "is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw refused(name, "is not a JSON object");
        }
        JsonNode format = node.path("format");
        if (!format.isMissingNode() && !(format.isIntegralNumber() && format.canConvertToInt() && format.asInt() >= 1)) {
            throw refused(name, "has an invalid format " + shown(format));
        }
        if (format.asInt(FORMAT) > FORMAT) {
            throw refused(name, "was written by a newer engine (journal format " + format.asInt() + "; this engine "
                    + "reads format " + FORMAT + ")");
        }
        JsonNode writtenFor = node.path("name");
        if (!writtenFor.isMissingNode() && !(writtenFor.isTextual() && writtenFor.asText().equals(name))) {
            throw refused(name, "was written for " + shown(writtenFor) + ", not '" + name + "'");
        }
        String op = node.path("op").isTextual() ? node.path("op").asText() : "";
        if (!op.equals("persist") && !op.equals("remove")) {
            throw refused(name, "has an unknown op " + shown(node.path("op")) + " (persist or remove)");
        }
        String txn = node.path("txn").isTextual() ? node.path("txn").asText() : "";
        if (!TXN.matcher(txn).matches()) {
            throw refused(name, "has an invalid txn " + shown(node.path("txn")) + " (16 hex digits)");
        }
        JsonNode revision = node.path("revision");
        if (!revision.isMissingNode() && !(revision.isIntegralNumber() && revision.canConvertToLong()
                && revision.asLong() >= 0)) {
            throw refused(name, "has an invalid revision " + shown(revision));
        }
        return Optional.of(new Entry(op.equals("persist") ? Op.PERSIST : Op.REMOVE, txn, revision.asLong(0)));
    }

    /**
     * Exit 4 for a journal that cannot be decided: names the file and why, and what a human does about it. The
     * history stays readable ({@code state history}), so the state can be checked against it first.
     */
    EngineException refused(String name, String why) {
        return EngineException.invalid("commit journal " + file(name) + " " + why + "; nothing was changed: check "
                + name + ".json and " + name + ".runtime/ in " + dir + " against 'state history " + name + "', then "
                + "delete it (or move it away) to use '" + name + "' again");
    }

    /**
     * Moves the journal to {@code .<name>.commit.rejected-<UTC time>}, where no run acts on it and a human can look;
     * returns where it went.
     */
    Path setAside(String name) throws IOException {
        String base = "." + name + ".commit.rejected-" + STAMP.format(Instant.now());
        Path target = dir.resolve(base);
        for (int n = 1; Files.exists(target, LinkOption.NOFOLLOW_LINKS); n++) {
            target = dir.resolve(base + "-" + n);
        }
        Files.move(file(name), target);
        return target;
    }

    void delete(String name) throws IOException {
        Files.deleteIfExists(file(name));
    }

    /** A value from the file, quoted for a one-line message. */
    private static String shown(JsonNode value) {
        if (value.isMissingNode()) {
            return "(none)";
        }
        String text = value.isTextual() ? "'" + value.asText() + "'" : value.toString();
        String clean = LocalIdentity.clean(text);
        return clean.length() > 40 ? clean.substring(0, 40) + "…" : clean;
    }
}
