package io.productivek3s.infra.util;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The envelope every {@code --json} document shares (docs/cli.md "JSON output"): {@code schema_version}, then
 * {@code command} (the command words), then {@code ok}, the one success field, then the command's result fields.
 * The contract's own documents (bundle-info, bom: docs/cli.md#json-output) keep their keys first, in the contract's order, and
 * carry {@code command} and {@code ok} after them ({@link #close}). {@code profile} and {@code package} have one
 * shape wherever they appear ({@link #profile}, {@link #packageRef}).
 */
public final class JsonEnvelope {
    public static final String SCHEMA_VERSION = "1";

    private JsonEnvelope() {
    }

    /** A document with its envelope; {@code ok} starts true and keeps its place when {@link #ok} changes it later. */
    public static ObjectNode start(String command) {
        ObjectNode root = Json.object();
        root.put("schema_version", SCHEMA_VERSION);
        root.put("command", command);
        root.put("ok", true);
        return root;
    }

    /** Sets the success field of a document {@link #start} began. */
    public static ObjectNode ok(ObjectNode root, boolean ok) {
        root.put("ok", ok);
        return root;
    }

    /**
     * A copy of a contract document with {@code command} and {@code ok: true} appended: the contract fixes its keys and
     * their order, so the envelope's keys come after them rather than before.
     */
    public static ObjectNode close(ObjectNode contractDocument, String command) {
        ObjectNode root = contractDocument.deepCopy();
        root.put("command", command);
        root.put("ok", true);
        return root;
    }

    /** {@code "profile": {name, version, scenario, engine}}: the package's identity; unknown parts are null. */
    public static ObjectNode profile(ObjectNode parent, String name, String version, String scenario, String engine) {
        ObjectNode profile = parent.putObject("profile");
        profile.put("name", name);
        profile.put("version", version);
        profile.put("scenario", scenario);
        profile.put("engine", engine);
        return profile;
    }

    /**
     * {@code "package": {sha256, ref, path}}: which archive; {@code ref} as the user gave it (path, URL, catalog
     * NAME@VERSION), {@code path} the local file it resolved to; unknown parts are null.
     */
    public static ObjectNode packageRef(ObjectNode parent, String sha256, String ref, String path) {
        ObjectNode pkg = parent.putObject("package");
        pkg.put("sha256", sha256);
        pkg.put("ref", ref);
        pkg.put("path", path);
        return pkg;
    }
}
