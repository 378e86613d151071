package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * What a revision holds besides its metadata, as the state layer hands it to a driver (an opaque payload to the
 * driver; docs/state.md "State layer and drivers"): the tree manifest and the {@code cluster.json} bytes current
 * after it (null: none). UTF-8 JSON {@code {"format": 1, "tree": [...], "cluster_json_base64": "…" | null}}, so a
 * record stays readable with a text editor and a database client. A removal has an empty payload.
 */
public record RevisionPayload(TreeManifest tree, byte[] clusterJson) {
    static final int FORMAT = 1;

    /** The payload of a removal: no tree, no {@code cluster.json}. */
    public static final RevisionPayload NONE = new RevisionPayload(new TreeManifest(List.of()), null);

    public byte[] encode() throws IOException {
        ObjectNode root = Json.object();
        root.put("format", FORMAT);
        root.set("tree", Json.parse(tree.toJson()));
        root.put("cluster_json_base64", clusterJson == null ? null : Base64.getEncoder().encodeToString(clusterJson));
        return Json.compact(root).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads a payload; an empty one is {@link #NONE}. Anything malformed is an {@link IOException}. */
    public static RevisionPayload decode(byte[] payload) throws IOException {
        if (payload.length == 0) {
            return NONE;
        }
        JsonNode root = Json.parse(new String(payload, StandardCharsets.UTF_8));
        if (root == null || !root.isObject() || root.path("format").asInt(0) != FORMAT || !root.path("tree").isArray()) {
            throw new IOException("not a revision payload of format " + FORMAT);
        }
        JsonNode json = root.get("cluster_json_base64");
        try {
            return new RevisionPayload(TreeManifest.fromJson(root.path("tree").toString()),
                    json == null || json.isNull() ? null : Base64.getDecoder().decode(json.asText()));
        } catch (IllegalArgumentException e) {
            throw new IOException("malformed revision payload: " + e.getMessage());
        }
    }

    /**
     * The payload of a record written before payloads existed (a PostgreSQL row with {@code manifest} and
     * {@code cluster_json} columns, issue 17): drivers convert such records when they read them.
     */
    public static byte[] legacy(String manifestJson, byte[] clusterJson) throws IOException {
        if (manifestJson == null) {
            return new byte[0];
        }
        return new RevisionPayload(TreeManifest.fromJson(manifestJson), clusterJson).encode();
    }
}
