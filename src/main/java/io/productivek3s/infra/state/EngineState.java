package io.productivek3s.infra.state;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.JsonStreams;
import io.productivek3s.infra.util.Timestamps;
import java.io.IOException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The engine's own record of a profile's state, {@code <name>.runtime/engine-state.json} (docs/contract/state-files.md#engine-statejson).
 * Never read by {@code pk3s}; used for diagnosis, upgrades and the identity WARN. It holds no secrets: only names,
 * versions, a package digest, a package reference and the last action's outcome. Any component may be null when
 * read from an older or partial file.
 */
public record EngineState(String schemaVersion, Profile profile, PackageRef pkg, Engine engine, LastAction lastAction,
        Override override) {
    public static final String SCHEMA_VERSION = "1";

    /** A JSON null, kept apart from an absent field ({@code override: null} means none, absent means unknown). */
    private static final Object NULL = new Object();
    /** An array, or an object where only scalars are read: never a valid value of any field read here. */
    private static final Object CONTAINER = new Object();

    /** A record without the {@code override} section (unknown: written by an older engine). */
    public EngineState(String schemaVersion, Profile profile, PackageRef pkg, Engine engine, LastAction lastAction) {
        this(schemaVersion, profile, pkg, engine, lastAction, null);
    }

    /**
     * {@code override{sha256, path}}: the override env file the run used ({@link #NONE}: none), so a run with another
     * site's file is noticed. The digest decides; the path is for the message. A record without the section (older
     * engines) is {@code null}: unknown, never warned about.
     */
    public record Override(String sha256, String path) {
        public static final Override NONE = new Override(null, null);

        public boolean none() {
            return sha256 == null;
        }

        String describe() {
            return none() ? "no override file" : "override file " + path + " (sha256 " + sha256 + ")";
        }
    }

    /** {@code profile{name, version, scenario, engine}}: the package identity as declared in {@code profile.yaml}. */
    public record Profile(String name, String version, String scenario, String engine) {
    }

    /**
     * {@code package{sha256, ref, path}}: digest of the {@code profile.tgz}, how it was referenced (path, URL or
     * catalog name, as typed) and the absolute local file that was read (a path or the download cache's copy), which
     * lets {@code status|plan|destroy --name} find the package again. {@code path} is null in older records.
     */
    public record PackageRef(String sha256, String ref, String path) {
        public PackageRef(String sha256, String ref) {
            this(sha256, ref, null);
        }
    }

    /** {@code engine{name, version, language}}. */
    public record Engine(String name, String version, String language) {
        public static final String NAME = "productive-k3s-infra";
        public static final String LANGUAGE = "java";

        /** This engine at {@code version}. */
        public static Engine java(String version) {
            return new Engine(NAME, version, LANGUAGE);
        }
    }

    /** {@code last_action{command, result, exit_code, started_at, finished_at}}; times are UTC ISO-8601. */
    public record LastAction(String command, Result result, Integer exitCode, Instant startedAt, Instant finishedAt) {
    }

    public enum Result {
        SUCCESS, FAILED, INTERRUPTED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Result fromWire(String value) throws IOException {
            for (Result r : values()) {
                if (r.wire().equals(value)) {
                    return r;
                }
            }
            throw new IOException("unknown last_action.result: " + value);
        }
    }

    /** A schema-1 record for this engine. */
    public static EngineState of(Profile profile, PackageRef pkg, Engine engine, LastAction lastAction) {
        return new EngineState(SCHEMA_VERSION, profile, pkg, engine, lastAction);
    }

    /** This record with the run's override file identity. */
    public EngineState withOverride(Override value) {
        return new EngineState(schemaVersion, profile, pkg, engine, lastAction, value);
    }

    /** The document in the engine's JSON style; null components become JSON {@code null}. */
    public String toJson() {
        ObjectNode root = Json.object();
        root.put("schema_version", schemaVersion);
        component(root, "profile", profile, (node, p) -> node.put("name", p.name()).put("version", p.version())
                .put("scenario", p.scenario()).put("engine", p.engine()));
        component(root, "package", pkg, (node, k) -> {
            node.put("sha256", k.sha256()).put("ref", k.ref());
            if (k.path() != null) {
                node.put("path", k.path());
            }
        });
        component(root, "engine", engine, (node, e) -> node.put("name", e.name()).put("version", e.version())
                .put("language", e.language()));
        component(root, "last_action", lastAction, (node, a) -> node.put("command", a.command())
                .put("result", a.result() == null ? null : a.result().wire())
                .put("exit_code", a.exitCode())
                .put("started_at", a.startedAt() == null ? null : a.startedAt().toString())
                .put("finished_at", a.finishedAt() == null ? null : a.finishedAt().toString()));
        if (override != null) {
            ObjectNode o = root.putObject("override");
            o.put("sha256", override.sha256());
            o.put("path", override.path());
        }
        return Json.pretty(root);
    }

    /** {@code key}: the component's fields, or JSON {@code null} when the state has no such component. */
    private static <T> void component(ObjectNode root, String key, T value, BiConsumer<ObjectNode, T> fields) {
        if (value == null) {
            root.putNull(key);
        } else {
            fields.accept(root.putObject(key), value);
        }
    }

    /**
     * Parses a document written by {@link #toJson()} (or by a later schema that kept these fields). Missing fields
     * read as null; numbers given as strings are accepted. Anything of the wrong shape is an {@link IOException}.
     * Read by a streaming parser into plain maps, not a tree: {@code state list} reads one per cluster
     * (docs/performance.md "State at scale"). It reads as the tree did: a scalar is its text as Jackson's
     * {@code JsonNode.asText()} gives it, a repeated field counts with its last value, and whatever follows the
     * document's object is not read.
     */
    public static EngineState fromJson(String json) throws IOException {
        Map<String, Object> root;
        try (JsonParser p = JsonStreams.parser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("engine-state.json is not a JSON object");
            }
            root = object(p, true);
        }
        Map<String, Object> p = section(root, "profile");
        Map<String, Object> k = section(root, "package");
        Map<String, Object> e = section(root, "engine");
        Map<String, Object> a = section(root, "last_action");
        Map<String, Object> o = section(root, "override");
        Override override = o == null ? (root.containsKey("override") ? Override.NONE : null)
                : text(o, "sha256") == null ? Override.NONE : new Override(text(o, "sha256"), text(o, "path"));
        return new EngineState(
                text(root, "schema_version"),
                p == null ? null : new Profile(text(p, "name"), text(p, "version"), text(p, "scenario"), text(p, "engine")),
                k == null ? null : new PackageRef(text(k, "sha256"), text(k, "ref"), text(k, "path")),
                e == null ? null : new Engine(text(e, "name"), text(e, "version"), text(e, "language")),
                a == null ? null : lastAction(a),
                override);
    }

    /**
     * The last action of a summary ({@link #toJson()}'s document) given as UTF-8 bytes, reading nothing else:
     * {@code state list} shows only this section of every cluster's summary (docs/performance.md "Local `state list`
     * at 1,000 clusters"). The section is read and checked as {@link #fromJson} reads it; the other sections are
     * skipped unread, so a summary whose last action is sound shows it even if another section is malformed.
     * Empty when the document has no last action; an {@link IOException} when it is not a JSON object (bytes that
     * are not UTF-8 included) or its last action is malformed.
     */
    public static Optional<LastAction> lastActionFromJson(byte[] json) throws IOException {
        Map<String, Object> root = new HashMap<>();
        try (JsonParser p = JsonStreams.parser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("engine-state.json is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken token = p.nextToken();
                if (!field.equals("last_action")) {
                    p.skipChildren();
                } else if (token == JsonToken.START_OBJECT) {
                    root.put(field, object(p, false));
                } else if (token == JsonToken.START_ARRAY) {
                    p.skipChildren();
                    root.put(field, CONTAINER);
                } else {
                    root.put(field, scalar(p, token));
                }
            }
        }
        Map<String, Object> a = section(root, "last_action");
        return a == null ? Optional.empty() : Optional.of(lastAction(a));
    }

    private static LastAction lastAction(Map<String, Object> a) throws IOException {
        return new LastAction(text(a, "command"), result(a), integer(a, "exit_code"), instant(a, "started_at"),
                instant(a, "finished_at"));
    }

    /**
     * The object {@code p} is at the start of, field by field: a scalar as its text, {@link #NULL}, an object as a
     * map when {@code sections} (the root's sections) or else {@link #CONTAINER}, an array as {@link #CONTAINER}.
     */
    private static Map<String, Object> object(JsonParser p, boolean sections) throws IOException {
        Map<String, Object> fields = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken token = p.nextToken();
            Object value;
            if (token == JsonToken.START_OBJECT && sections) {
                value = object(p, false);
            } else if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                p.skipChildren();
                value = CONTAINER;
            } else {
                value = scalar(p, token);
            }
            fields.put(field, value);
        }
        return fields;
    }

    /** A scalar's text as {@code JsonNode.asText()} gives it for the node a tree would hold (floats: a double). */
    private static Object scalar(JsonParser p, JsonToken token) throws IOException {
        return switch (token) {
            case VALUE_NULL -> NULL;
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue().toString();
            case VALUE_NUMBER_FLOAT -> Double.toString(p.getDoubleValue());
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            default -> throw new IOException("engine-state.json holds an unexpected " + token);
        };
    }

    /**
     * The identity WARN of docs/contract/state-files.md#engine-statejson when this run's package differs from the one that wrote {@code previous}: by
     * {@code metadata.version}, or, with an equal version, by digest (then both sides name their digest).
     */
    public Optional<String> identityWarning(EngineState previous) {
        if (previous == null || previous.profile() == null || profile == null) {
            return Optional.empty();
        }
        String oldVersion = previous.profile().version();
        String newVersion = profile.version();
        String oldDigest = previous.pkg() == null ? null : previous.pkg().sha256();
        String newDigest = pkg == null ? null : pkg.sha256();
        String old;
        String now;
        if (!Objects.equals(oldVersion, newVersion)) {
            old = display(oldVersion);
            now = display(newVersion);
        } else if (oldDigest != null && newDigest != null && !oldDigest.equals(newDigest)) {
            old = display(oldVersion) + " (sha256 " + oldDigest + ")";
            now = display(newVersion) + " (sha256 " + newDigest + ")";
        } else {
            return Optional.empty();
        }
        return Optional.of("profile '" + profile.name() + "' state was created from version " + old
                + "; now running version " + now);
    }

    /**
     * The one WARN of a run whose state {@code stateName} was last written from another package (the docs/contract/state-files.md#engine-statejson text)
     * and/or another override env file (by digest; a record that predates the override section is not compared).
     * Both differences share one line, which ends by pointing at {@code --name}.
     */
    public Optional<String> runWarning(String stateName, EngineState previous) {
        if (previous == null) {
            return Optional.empty();
        }
        Optional<String> pkgChange = identityWarning(previous);
        Override before = previous.override();
        boolean overrideChanged = before != null && override != null && !Objects.equals(before.sha256(), override.sha256());
        if (pkgChange.isEmpty() && !overrideChanged) {
            return Optional.empty();
        }
        StringBuilder line = new StringBuilder();
        pkgChange.ifPresent(line::append);
        if (overrideChanged) {
            line.append(line.length() == 0 ? "state '" + stateName + "' was last written from " : "; it was last written from ")
                    .append(before.describe()).append("; this run uses ").append(override.none() ? "no override file"
                            : override.path() + " (sha256 " + override.sha256() + ")");
        }
        return Optional.of(line.append("; use --name <cluster> to keep clusters apart").toString());
    }

    private static String display(String version) {
        return version == null || version.isEmpty() ? "unknown" : version;
    }

    private static Map<String, Object> section(Map<String, Object> root, String field) throws IOException {
        Object value = field(root, field);
        if (value != null && !(value instanceof Map)) {
            throw new IOException("engine-state.json field " + field + " is not an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> section = (Map<String, Object>) value;
        return section;
    }

    private static String text(Map<String, Object> parent, String field) throws IOException {
        Object value = field(parent, field);
        if (value != null && !(value instanceof String)) {
            throw new IOException("engine-state.json field " + field + " is not a scalar");
        }
        return (String) value;
    }

    private static Integer integer(Map<String, Object> parent, String field) throws IOException {
        return parsed(parent, field, value -> Integer.valueOf(value.trim()), "an integer");
    }

    private static Instant instant(Map<String, Object> parent, String field) throws IOException {
        return parsed(parent, field, Timestamps::parse, "an ISO-8601 instant");
    }

    /** {@code field}: null when missing or JSON null. */
    private static Object field(Map<String, Object> parent, String field) {
        Object value = parent.get(field);
        return value == NULL ? null : value;
    }

    /** A scalar {@code field} read by {@code parse} (which throws on a bad value: NumberFormatException and the like). */
    private static <T> T parsed(Map<String, Object> parent, String field, Function<String, T> parse, String what)
            throws IOException {
        String value = text(parent, field);
        if (value == null) {
            return null;
        }
        try {
            return parse.apply(value);
        } catch (RuntimeException ex) {
            throw new IOException("engine-state.json field " + field + " is not " + what);
        }
    }

    private static Result result(Map<String, Object> parent) throws IOException {
        String value = text(parent, "result");
        return value == null ? null : Result.fromWire(value);
    }
}
