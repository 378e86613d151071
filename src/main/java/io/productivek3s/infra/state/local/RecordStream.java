package io.productivek3s.infra.state.local;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.productivek3s.infra.util.JsonStreams;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads a revision record of format 2 in the shape {@link RecordFiles#toJson} writes, with a streaming parser and
 * no tree (docs/performance.md "State at scale": {@code state list} reads one record per cluster). It only reads: it
 * judges nothing ({@link RecordFiles#parse} does, for both readers). Whenever the text is not in that shape, it
 * answers empty and the tree reader takes over, so that a hand-edited or hostile record is read, coerced and refused
 * exactly as before: not JSON, not one object, a field of another JSON type than the writer's (a number as a string,
 * a fraction, a number beyond {@code long}, an object where a string belongs), a format-1 field, any other format,
 * anything after the object. Unknown fields are skipped, and a repeated field counts with its last value, as in the
 * tree.
 */
final class RecordStream {
    private RecordStream() {
    }

    /** The fields of {@code text}; empty when it is not in the writer's shape (the tree reader decides then). */
    static Optional<RecordFiles.Fields> read(String text) {
        try {
            return read(JsonStreams.parser(text));
        } catch (IOException notJson) {
            return Optional.empty();
        }
    }

    /** {@link #read(String)} of ASCII {@code bytes}, read as they are (no string decoded first). */
    static Optional<RecordFiles.Fields> read(byte[] bytes) {
        try {
            return read(JsonStreams.parser(bytes));
        } catch (IOException notJson) {
            return Optional.empty();
        }
    }

    private static Optional<RecordFiles.Fields> read(JsonParser parser) {
        try (JsonParser p = parser) {
            return p.nextToken() == JsonToken.START_OBJECT ? fields(p) : Optional.empty();
        } catch (IOException notJson) {
            return Optional.empty(); // the tree reader words the error
        }
    }

    private static Optional<RecordFiles.Fields> fields(JsonParser p) throws IOException {
        // absent fields as the tree reader sees them: path(...).asText() is "", asLong() 0, asBoolean(false) false
        int format = 0;
        String name = "";
        long revision = 0;
        String createdAt = "";
        String who = null;
        String command = null;
        String result = null;
        Integer exitCode = null;
        String profileName = null;
        String profileVersion = null;
        String packageSha256 = null;
        String treeSha256 = null;
        long files = 0;
        long bytes = 0;
        boolean removed = false;
        String summary = null;
        String payload = null;
        String objects = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "format" -> {
                    if (!isInt(p, value)) {
                        return Optional.empty();
                    }
                    format = p.getIntValue();
                }
                case "exit_code" -> {
                    if (value != JsonToken.VALUE_NULL && !isInt(p, value)) {
                        return Optional.empty();
                    }
                    exitCode = value == JsonToken.VALUE_NULL ? null : p.getIntValue();
                }
                case "revision", "files", "bytes" -> {
                    if (!isLong(p, value)) {
                        return Optional.empty();
                    }
                    long number = p.getLongValue();
                    switch (field) {
                        case "revision" -> revision = number;
                        case "files" -> files = number;
                        default -> bytes = number;
                    }
                }
                case "removed" -> {
                    if (value != JsonToken.VALUE_TRUE && value != JsonToken.VALUE_FALSE) {
                        return Optional.empty();
                    }
                    removed = value == JsonToken.VALUE_TRUE;
                }
                case "name", "created_at" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        return Optional.empty(); // null reads as the text "null" in the tree: its business
                    }
                    if (field.equals("name")) {
                        name = p.getText();
                    } else {
                        createdAt = p.getText();
                    }
                }
                case "who", "command", "result", "profile_name", "profile_version", "package_sha256", "tree_sha256",
                        "summary_base64", "payload_sha256", "objects_sha256" -> {
                    if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
                        return Optional.empty();
                    }
                    String text = value == JsonToken.VALUE_NULL ? null : p.getText();
                    switch (field) {
                        case "who" -> who = text;
                        case "command" -> command = text;
                        case "result" -> result = text;
                        case "profile_name" -> profileName = text;
                        case "profile_version" -> profileVersion = text;
                        case "package_sha256" -> packageSha256 = text;
                        case "tree_sha256" -> treeSha256 = text;
                        case "summary_base64" -> summary = text;
                        case "payload_sha256" -> payload = text;
                        default -> objects = text;
                    }
                }
                case "tree", "cluster_json_base64" -> {
                    return Optional.empty(); // format 1
                }
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null || format != RecordFiles.FORMAT) {
            return Optional.empty();
        }
        return Optional.of(new RecordFiles.Fields(format, name, revision, createdAt, who, command, result, exitCode,
                profileName, profileVersion, packageSha256, treeSha256, files, bytes, removed, summary, payload,
                objects));
    }

    private static boolean isInt(JsonParser p, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT;
    }

    private static boolean isLong(JsonParser p, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
    }
}
