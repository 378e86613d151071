package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Files2;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The only edits the engine makes to a scenario's {@code cluster.json} (docs/contract/state-files.md#persist, docs/contract/state-files.md#clusterjson, docs/telemetry.md#who-decides). Every other
 * field, the key order and the JSON types (numbers given as strings, decimals) are kept as written; the result is
 * in the engine's pretty style. Input that is not a JSON object is an {@link IOException}, never a truncated file.
 */
public final class ClusterJson {
    /** Immutable reader: decimals stay exact and trailing garbage makes the document invalid. */
    private static final ObjectReader READER = Json.mapper().reader()
            .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);

    private ClusterJson() {
    }

    /** Sets {@code telemetry.enabled}, creating the {@code telemetry} object if needed. */
    public static String withTelemetryEnabled(String json, boolean enabled) throws IOException {
        ObjectNode root = parseObject(json);
        child(root, "telemetry").put("enabled", enabled);
        return Json.pretty(root);
    }

    /** Sets {@code ssh.key_path}, creating the {@code ssh} object if needed. */
    public static String withSshKeyPath(String json, String path) throws IOException {
        ObjectNode root = parseObject(json);
        child(root, "ssh").put("key_path", path);
        return Json.pretty(root);
    }

    /**
     * Makes {@code telemetry.enabled} in {@code file} equal {@code enabled}, rewriting the file atomically with its
     * current mode. Returns whether the file was rewritten: false when it is absent or already agrees.
     */
    public static boolean alignTelemetry(Path file, boolean enabled) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        String text = decode(Files.readAllBytes(file));
        JsonNode current = parseObject(text).path("telemetry").path("enabled");
        if (current.isBoolean() && current.booleanValue() == enabled) {
            return false;
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
        Files2.writeAtomically(file, withTelemetryEnabled(text, enabled), mode);
        return true;
    }

    /** Strict UTF-8: a file that is not text must not be rewritten with replacement characters. */
    static String decode(byte[] bytes) throws IOException {
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    }

    private static ObjectNode parseObject(String json) throws IOException {
        JsonNode root = READER.readTree(json);
        if (root == null || !root.isObject()) {
            throw new IOException("cluster.json is not a JSON object");
        }
        return (ObjectNode) root;
    }

    /** The object at {@code field}; a missing or null field becomes an empty object in place. */
    private static ObjectNode child(ObjectNode root, String field) throws IOException {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return root.putObject(field);
        }
        if (!node.isObject()) {
            throw new IOException("cluster.json field " + field + " is not an object");
        }
        return (ObjectNode) node;
    }
}
