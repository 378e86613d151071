package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;

/**
 * One stored local revision, {@code .history/revisions/<name>/<revision>.json}: its {@link RevisionInfo}, the tree
 * ({@link TreeManifest}; contents in the {@link ObjectStore}) and the {@code <name>.json} bytes current after it
 * (null: none). Records written before issue 17 also hold a {@code memo} and {@code memo_at} (path, size and mtime
 * of every file): they are ignored, the digest memo now lives in {@code .history/digests/<name>} (docs/state.md).
 */
record RevisionRecord(RevisionInfo info, TreeManifest tree, byte[] clusterJson) {
    static final int FORMAT = 1;

    String toJson() throws IOException {
        ObjectNode root = Json.object();
        root.put("format", FORMAT);
        root.put("name", info.name());
        root.put("revision", info.revision());
        root.put("created_at", info.createdAt().toString());
        root.put("who", info.who());
        root.put("command", info.command());
        root.put("result", info.result());
        if (info.exitCode() == null) {
            root.putNull("exit_code");
        } else {
            root.put("exit_code", info.exitCode());
        }
        root.put("profile_name", info.profileName());
        root.put("profile_version", info.profileVersion());
        root.put("package_sha256", info.packageSha256());
        root.put("tree_sha256", info.treeSha256());
        root.put("files", info.files());
        root.put("bytes", info.bytes());
        root.put("removed", info.removed());
        root.put("cluster_json_base64", clusterJson == null ? null : Base64.getEncoder().encodeToString(clusterJson));
        root.set("tree", Json.parse(tree.toJson()));
        return Json.compact(root);
    }

    static RevisionRecord fromJson(String text) throws IOException {
        JsonNode root = Json.parse(text);
        if (root == null || !root.isObject() || root.path("format").asInt(0) != FORMAT) {
            throw new IOException("not a revision record of format " + FORMAT);
        }
        try {
            RevisionInfo info = new RevisionInfo(
                    root.path("name").asText(),
                    root.path("revision").asLong(),
                    Instant.parse(root.path("created_at").asText()),
                    text(root, "who"),
                    text(root, "command"),
                    text(root, "result"),
                    root.path("exit_code").isNumber() ? root.path("exit_code").asInt() : null,
                    text(root, "profile_name"),
                    text(root, "profile_version"),
                    text(root, "package_sha256"),
                    text(root, "tree_sha256"),
                    root.path("files").asLong(),
                    root.path("bytes").asLong(),
                    root.path("removed").asBoolean(false));
            String json = text(root, "cluster_json_base64");
            TreeManifest tree = TreeManifest.fromJson(root.path("tree").toString());
            return new RevisionRecord(info, tree, json == null ? null : Base64.getDecoder().decode(json));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IOException("malformed revision record: " + e.getMessage());
        }
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        return node == null || node.isNull() ? null : node.asText();
    }
}
