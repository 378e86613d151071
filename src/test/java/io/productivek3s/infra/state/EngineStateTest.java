package io.productivek3s.infra.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.state.EngineState.Engine;
import io.productivek3s.infra.state.EngineState.LastAction;
import io.productivek3s.infra.state.EngineState.PackageRef;
import io.productivek3s.infra.state.EngineState.Profile;
import io.productivek3s.infra.state.EngineState.Result;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineStateTest {
    static EngineState sample(String version, String digest, Result result) {
        return EngineState.of(
                new Profile("aws-single-node", version, "aws-single-node", "opentofu"),
                new PackageRef(digest, "profiles/aws-single-node.tgz"),
                Engine.java("0.9.65"),
                new LastAction("install", result, result == Result.SUCCESS ? 0 : 7,
                        Instant.parse("2026-03-01T10:00:00Z"), Instant.parse("2026-03-01T10:05:30Z")));
    }

    @Test
    void writesTheDocumentedShape() {
        assertThat(sample("1.2.0", "ab12", Result.FAILED).toJson()).isEqualTo("""
                {
                  "schema_version": "1",
                  "profile": {
                    "name": "aws-single-node",
                    "version": "1.2.0",
                    "scenario": "aws-single-node",
                    "engine": "opentofu"
                  },
                  "package": {
                    "sha256": "ab12",
                    "ref": "profiles/aws-single-node.tgz"
                  },
                  "engine": {
                    "name": "productive-k3s-infra",
                    "version": "0.9.65",
                    "language": "java"
                  },
                  "last_action": {
                    "command": "install",
                    "result": "failed",
                    "exit_code": 7,
                    "started_at": "2026-03-01T10:00:00Z",
                    "finished_at": "2026-03-01T10:05:30Z"
                  }
                }
                """);
    }

    @Test
    void roundTripsEveryResult() throws IOException {
        for (Result result : Result.values()) {
            EngineState state = sample("1.0.0", "cafe", result);
            assertThat(EngineState.fromJson(state.toJson())).isEqualTo(state);
        }
    }

    @Test
    void readsPartialDocumentsAndStringNumbers() throws IOException {
        EngineState state = EngineState.fromJson("""
                {"schema_version": "1", "last_action": {"command": "status", "result": "success", "exit_code": "0"}}
                """);
        assertThat(state.profile()).isNull();
        assertThat(state.pkg()).isNull();
        assertThat(state.lastAction().exitCode()).isZero();
        assertThat(state.lastAction().startedAt()).isNull();
        assertThat(EngineState.fromJson(sample("1", "d", Result.SUCCESS).toJson().replace("\"ab12\"", "null")))
                .isNotNull();
    }

    @Test
    void rejectsMalformedDocuments() {
        for (String bad : new String[] {"", "[]", "{", "{\"profile\": 3}", "{\"last_action\": {\"result\": \"ok\"}}",
                "{\"last_action\": {\"exit_code\": \"x\"}}", "{\"last_action\": {\"started_at\": \"yesterday\"}}"}) {
            assertThatThrownBy(() -> EngineState.fromJson(bad)).as(bad).isInstanceOf(IOException.class);
        }
    }

    @Test
    void identityWarningNamesBothVersionsOrDigests() {
        EngineState previous = sample("1.0.0", "aaa", Result.SUCCESS);
        assertThat(sample("1.0.0", "aaa", Result.SUCCESS).identityWarning(previous)).isEmpty();
        assertThat(sample("1.1.0", "bbb", Result.SUCCESS).identityWarning(previous)).contains(
                "profile 'aws-single-node' state was created from version 1.0.0; now running version 1.1.0");
        assertThat(sample("1.0.0", "bbb", Result.SUCCESS).identityWarning(previous)).contains(
                "profile 'aws-single-node' state was created from version 1.0.0 (sha256 aaa);"
                        + " now running version 1.0.0 (sha256 bbb)");
        assertThat(sample("1.0.0", "aaa", Result.SUCCESS).identityWarning(null)).isEmpty();
    }

    /**
     * The streaming reader reads every document as the tree reader it replaced ({@link EngineStateTreeReader}): each
     * field of each section set to a value of every JSON type (numbers as text the way {@code asText()} prints them),
     * removed, repeated (the last one counts), sections of the wrong type, null sections, trailing content.
     */
    @Test
    void readsEveryDocumentAsTheTreeReaderDid() throws IOException {
        String base = sample("1.2.0", "ab12", Result.FAILED).withOverride(new EngineState.Override("cd34", "/site.env"))
                .toJson();
        List<String> values = List.of("\"x\"", "\" 7 \"", "7", "-0", "7.5", "1e2", "-1.0E-7", "1e400", "0.1",
                "2147483648", "123456789012345678901234567890", "true", "false", "null", "{}", "[]", "\"\"",
                "{\"a\": [1]}", "[1, {}]", "\"success\"", "\"interrupted\"", "\"2026-12-07T10:15:00Z\"",
                "\"2026-12-07T10:15:00+01:00\"", "\"2026-12-07T24:00:00Z\"", "\"yesterday\"", "\"12\"");
        List<String> documents = new ArrayList<>(List.of(base, base + "x", base + "{}", base + "]", "{} {", "{}",
                "{\"override\": null}", "{\"unknown\": {\"deep\": [{\"x\": {}}]}}", "\"text\"", "null", "42", "",
                "{\"a\": 1,}", "{\"a\" 1}"));
        ObjectNode root = (ObjectNode) Json.parse(base);
        for (String section : List.of("schema_version", "profile", "package", "engine", "last_action", "override",
                "other")) {
            List<String> fields = root.path(section).isObject()
                    ? iterable(root.path(section).fieldNames()) : List.of();
            for (String value : values) {
                ObjectNode changed = root.deepCopy();
                changed.set(section, Json.parse(value));
                documents.add(Json.pretty(changed));
                documents.add("{\"" + section + "\": " + value + ", " + base.substring(1));
                documents.add(base.substring(0, base.lastIndexOf('}')) + ", \"" + section + "\": " + value + "}");
                for (String field : fields) {
                    ObjectNode one = root.deepCopy();
                    ((ObjectNode) one.get(section)).set(field, Json.parse(value));
                    documents.add(Json.pretty(one));
                    ObjectNode without = root.deepCopy();
                    ((ObjectNode) without.get(section)).remove(field);
                    documents.add(Json.pretty(without));
                    String inner = Json.compact(root.get(section));
                    documents.add(base.replace(Json.pretty(root.get(section)).trim().replace("\n", "\n  "),
                            "{\"" + field + "\": " + value + ", " + inner.substring(1)));
                    documents.add(Json.compact(root).replace(inner, inner.substring(0, inner.length() - 1) + ", \""
                            + field + "\": " + value + "}"));
                }
            }
        }
        for (String document : documents) {
            assertThat(outcome(() -> EngineState.fromJson(document))).as(document)
                    .isEqualTo(outcome(() -> EngineStateTreeReader.fromJson(document)));
            assertLastActionAsTheWholeReading(document);
        }
    }

    /**
     * {@link EngineState#lastActionFromJson} (what {@code state list} reads of a summary) gives the last action of
     * every document the whole reading accepts, and refuses every document whose last action it refuses.
     */
    private static void assertLastActionAsTheWholeReading(String document) {
        String alone;
        try {
            alone = String.valueOf(EngineState.lastActionFromJson(document.getBytes(StandardCharsets.UTF_8))
                    .orElse(null));
        } catch (IOException e) {
            alone = "refused";
        }
        if (!outcome(() -> EngineState.fromJson(document)).equals("refused")) {
            assertThat(alone).as(document).isEqualTo(lastActionOf(document));
            return;
        }
        // refused as a whole: the last action alone reads as in a document holding nothing else
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = Json.parse(document);
        } catch (IOException notJson) {
            tree = null;
        }
        if (tree == null || !tree.isObject()) {
            assertThat(alone).as(document).isEqualTo("refused");
            return;
        }
        ObjectNode only = Json.object();
        if (tree.has("last_action")) {
            only.set("last_action", tree.get("last_action"));
        }
        assertThat(alone).as(document).isEqualTo(lastActionOf(Json.compact(only)));
    }

    private static String lastActionOf(String document) {
        try {
            return String.valueOf(EngineState.fromJson(document).lastAction());
        } catch (IOException e) {
            return "refused";
        }
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    private interface Reading {
        EngineState read() throws IOException;
    }

    private static String outcome(Reading reading) {
        try {
            return String.valueOf(reading.read());
        } catch (IOException e) {
            return "refused"; // the message is never shown: every caller reads a refusal as "no state"
        }
    }
}
