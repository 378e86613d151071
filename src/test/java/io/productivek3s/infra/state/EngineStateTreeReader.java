package io.productivek3s.infra.state;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.state.EngineState.Engine;
import io.productivek3s.infra.state.EngineState.LastAction;
import io.productivek3s.infra.state.EngineState.Override;
import io.productivek3s.infra.state.EngineState.PackageRef;
import io.productivek3s.infra.state.EngineState.Profile;
import io.productivek3s.infra.state.EngineState.Result;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The reader {@link EngineState#fromJson} replaced, kept as the test's reference: it read the document as a Jackson
 * tree. {@link EngineStateTest} checks that the streaming reader accepts, refuses and reads every document as this one
 * did.
 */
final class EngineStateTreeReader {
    private EngineStateTreeReader() {
    }

    static EngineState fromJson(String json) throws IOException {
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

    private static JsonNode section(JsonNode root, String field) throws IOException {
        return field(root, field, JsonNode::isObject, "an object");
    }

    private static String text(JsonNode parent, String field) throws IOException {
        JsonNode node = field(parent, field, JsonNode::isValueNode, "a scalar");
        return node == null ? null : node.asText();
    }

    private static Integer integer(JsonNode parent, String field) throws IOException {
        return parsed(parent, field, value -> Integer.valueOf(value.trim()), "an integer");
    }

    private static Instant instant(JsonNode parent, String field) throws IOException {
        return parsed(parent, field, Instant::parse, "an ISO-8601 instant");
    }

    private static JsonNode field(JsonNode parent, String field, Predicate<JsonNode> shape, String what)
            throws IOException {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!shape.test(node)) {
            throw new IOException("engine-state.json field " + field + " is not " + what);
        }
        return node;
    }

    private static <T> T parsed(JsonNode parent, String field, Function<String, T> parse, String what)
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

    private static Result result(JsonNode parent) throws IOException {
        String value = text(parent, "result");
        return value == null ? null : Result.fromWire(value);
    }
}
