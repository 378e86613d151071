package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The engine's own record of a profile's state, {@code <name>.runtime/engine-state.json} (docs/contract/state-files.md#engine-statejson).
 * Never read by {@code pk3s}; used for diagnosis, upgrades and the identity WARN. It holds no secrets: only names,
 * versions, a package digest, a package reference and the last action's outcome. Any component may be null when
 * read from an older or partial file.
 */
public record EngineState(String schemaVersion, Profile profile, PackageRef pkg, Engine engine, LastAction lastAction,
        Override override) {
    public static final String SCHEMA_VERSION = "1";

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

        static Result fromWire(String value) throws IOException {
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
        if (profile == null) {
            root.putNull("profile");
        } else {
            ObjectNode p = root.putObject("profile");
            p.put("name", profile.name());
            p.put("version", profile.version());
            p.put("scenario", profile.scenario());
            p.put("engine", profile.engine());
        }
        if (pkg == null) {
            root.putNull("package");
        } else {
            ObjectNode p = root.putObject("package");
            p.put("sha256", pkg.sha256());
            p.put("ref", pkg.ref());
            if (pkg.path() != null) {
                p.put("path", pkg.path());
            }
        }
        if (engine == null) {
            root.putNull("engine");
        } else {
            ObjectNode e = root.putObject("engine");
            e.put("name", engine.name());
            e.put("version", engine.version());
            e.put("language", engine.language());
        }
        if (lastAction == null) {
            root.putNull("last_action");
        } else {
            ObjectNode a = root.putObject("last_action");
            a.put("command", lastAction.command());
            a.put("result", lastAction.result() == null ? null : lastAction.result().wire());
            a.put("exit_code", lastAction.exitCode());
            a.put("started_at", lastAction.startedAt() == null ? null : lastAction.startedAt().toString());
            a.put("finished_at", lastAction.finishedAt() == null ? null : lastAction.finishedAt().toString());
        }
        if (override != null) {
            ObjectNode o = root.putObject("override");
            o.put("sha256", override.sha256());
            o.put("path", override.path());
        }
        return Json.pretty(root);
    }

    /**
     * Parses a document written by {@link #toJson()} (or by a later schema that kept these fields). Missing fields
     * read as null; numbers given as strings are accepted. Anything of the wrong shape is an {@link IOException}.
     */
    public static EngineState fromJson(String json) throws IOException {
        JsonNode root = Json.parse(json);
        if (root == null || !root.isObject()) {
            throw new IOException("engine-state.json is not a JSON object");
        }
        JsonNode p = section(root, "profile");
        JsonNode k = section(root, "package");
        JsonNode e = section(root, "engine");
        JsonNode a = section(root, "last_action");
        JsonNode o = section(root, "override");
        Override override = o == null ? (root.has("override") ? Override.NONE : null)
                : text(o, "sha256") == null ? Override.NONE : new Override(text(o, "sha256"), text(o, "path"));
        return new EngineState(
                text(root, "schema_version"),
                p == null ? null : new Profile(text(p, "name"), text(p, "version"), text(p, "scenario"), text(p, "engine")),
                k == null ? null : new PackageRef(text(k, "sha256"), text(k, "ref"), text(k, "path")),
                e == null ? null : new Engine(text(e, "name"), text(e, "version"), text(e, "language")),
                a == null ? null : new LastAction(text(a, "command"), result(a), integer(a, "exit_code"),
                        instant(a, "started_at"), instant(a, "finished_at")),
                override);
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

    private static JsonNode section(JsonNode root, String field) throws IOException {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new IOException("engine-state.json field " + field + " is not an object");
        }
        return node;
    }

    private static String text(JsonNode parent, String field) throws IOException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isValueNode()) {
            throw new IOException("engine-state.json field " + field + " is not a scalar");
        }
        return node.asText();
    }

    private static Integer integer(JsonNode parent, String field) throws IOException {
        String value = text(parent, field);
        if (value == null) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException ex) {
            throw new IOException("engine-state.json field " + field + " is not an integer");
        }
    }

    private static Instant instant(JsonNode parent, String field) throws IOException {
        String value = text(parent, field);
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException ex) {
            throw new IOException("engine-state.json field " + field + " is not an ISO-8601 instant");
        }
    }

    private static Result result(JsonNode parent) throws IOException {
        String value = text(parent, "result");
        return value == null ? null : Result.fromWire(value);
    }
}
