package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The {@code --json} schemas written in docs/cli.md "JSON output" and docs/state.md "JSON documents" are those of the
 * result records {@code cli} renders: each documented document (and each documented object inside it) has exactly the
 * keys, in the order, that the record renders. A sample of every record is built from its components, so a field
 * added to a record and not to the docs (or the reverse) fails here; a document the table names but the docs do not
 * describe fails the coverage check.
 */
class JsonDocsTest {
    private static final Path CLI = Path.of("docs/cli.md");
    private static final Path STATE = Path.of("docs/state.md");
    /** The contract fixes these documents' keys (docs/cli.md#json-output); InfoCommandsIT checks them against it. */
    private static final Set<String> CONTRACT_DOCUMENTS = Set.of("bundle-info", "bom");

    /** Where each document is described: the file, the text that starts its description, and its record. */
    private record Described(Path file, String marker, Class<? extends Record> record) {
    }

    private static final Map<String, Described> DOCUMENTS = documents();

    private static Map<String, Described> documents() {
        Map<String, Described> documents = new LinkedHashMap<>();
        documents.put("validate", new Described(CLI, "\n`validate`:", PackageDocuments.Validate.class));
        documents.put("run", new Described(CLI, "\n`run` (", PackageDocuments.Run.class));
        documents.put("verify", new Described(CLI, "\n`verify`:", PackageDocuments.Verify.class));
        documents.put("export", new Described(CLI, "\n`export`:", PackageDocuments.Export.class));
        documents.put("doctor", new Described(CLI, "\n`doctor`:", PackageDocuments.Doctor.class));
        documents.put("profile-show", new Described(CLI, "\n`profile-show`:", PackageDocuments.Show.class));
        documents.put("profiles", new Described(CLI, "\n`profiles`:", PackageDocuments.Profiles.class));
        documents.put("catalog-list", new Described(CLI, "| `catalog-list` |", CatalogViews.Listing.class));
        documents.put("catalog-show", new Described(CLI, "| `catalog-show` |", CatalogViews.Shown.class));
        documents.put("core-bundle", new Described(CLI, "| `core-bundle` |", CoreViews.Bundle.class));
        documents.put("state-list", new Described(STATE, "- `state-list`", StateDocuments.Listing.class));
        documents.put("state-show", new Described(STATE, "- `state-show`", StateDocuments.Show.class));
        documents.put("state-history", new Described(STATE, "- `state-history`", StateDocuments.History.class));
        documents.put("state-pull", new Described(STATE, "- `state-pull`", StateDocuments.Pull.class));
        documents.put("state-rollback", new Described(STATE, "- `state-rollback`", StateDocuments.Rollback.class));
        documents.put("state-push", new Described(STATE, "- `state-push`", StateDocuments.Push.class));
        documents.put("state-unlock", new Described(STATE, "- `state-unlock`", StateDocuments.Unlock.class));
        documents.put("state-migrate", new Described(STATE, "- `state-migrate`", StateDocuments.Migrate.class));
        documents.put("state-keygen", new Described(STATE, "- `state-keygen`", StateDocuments.Keygen.class));
        documents.put("state-rekey", new Described(STATE, "- `state-rekey`", StateDocuments.Rekey.class));
        return documents;
    }

    @Test
    void everyJsonFormOfTheTableIsDescribedHere() {
        Set<String> forms = CommandTable.all().stream().filter(spec -> spec.json().supported())
                .map(spec -> spec.json().document()).filter(name -> !CONTRACT_DOCUMENTS.contains(name))
                .collect(Collectors.toSet());
        assertThat(DOCUMENTS.keySet()).containsExactlyInAnyOrderElementsOf(forms);
    }

    @Test
    void everyDocumentedDocumentHasTheKeysOfItsRecordInOrder() throws IOException {
        for (Map.Entry<String, Described> entry : DOCUMENTS.entrySet()) {
            Described described = entry.getValue();
            String text = Files.readString(described.file());
            int at = text.indexOf(described.marker());
            assertThat(at).as(entry.getKey() + " is described in " + described.file()).isNotNegative();
            JsonNode rendered = render(Envelope.ok("x", sample(described.record())));
            int fence = text.indexOf("```json\n", at);
            int inline = text.indexOf("`{", at);
            if (fence >= 0 && (inline < 0 || fence < inline)) {
                int start = fence + "```json\n".length();
                JsonNode documented = Json.parse(text.substring(start, text.indexOf("```", start)));
                sameKeys(entry.getKey(), documented, rendered);
            } else {
                assertThat(inlineKeys(text, inline)).as(entry.getKey() + " in " + described.file())
                        .containsExactlyElementsOf(keys(rendered));
            }
        }
    }

    /** The cluster and revision objects docs/state.md shows once for every state document. */
    @Test
    void theStateDocumentsSharedObjectsAreTheRecords() throws IOException {
        String text = Files.readString(STATE);
        for (Map.Entry<String, Class<? extends Record>> shared : Map.of("\nA cluster (", StateDocuments.Cluster.class,
                "\nA revision (", StateDocuments.Revision.class).entrySet()) {
            int start = text.indexOf("```json\n", text.indexOf(shared.getKey())) + "```json\n".length();
            sameKeys(shared.getValue().getSimpleName(), Json.parse(text.substring(start, text.indexOf("```", start))),
                    render(sample(shared.getValue())));
        }
    }

    /** The same keys in the same order, and so for every object inside (an array's by its first item). */
    private static void sameKeys(String where, JsonNode documented, JsonNode rendered) {
        assertThat(keys(documented)).as(where).containsExactlyElementsOf(keys(rendered));
        documented.fields().forEachRemaining(field -> {
            JsonNode doc = field.getValue();
            JsonNode ours = rendered.get(field.getKey());
            if (doc.isArray() && doc.size() > 0 && doc.get(0).isObject()) {
                sameKeys(where + "." + field.getKey() + "[]", doc.get(0), ours.get(0));
            } else if (doc.isObject()) {
                sameKeys(where + "." + field.getKey(), doc, ours);
            }
        });
    }

    private static List<String> keys(JsonNode node) {
        List<String> keys = new ArrayList<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    /**
     * The top-level keys of a document written inline, such as {@code {schema_version, command: "doctor", ok,
     * checks: [{…}]}} or {@code {…envelope, version, path}}: the name that starts each item at the outer level.
     */
    static List<String> inlineKeys(String text, int at) {
        int depth = 0;
        boolean quoted = false;
        StringBuilder item = new StringBuilder();
        List<String> keys = new ArrayList<>();
        for (int i = at + 2; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (quoted) {
                continue;
            } else if (c == '{' || c == '[' || c == '(') {
                depth++;
            } else if ((c == '}' || c == ']' || c == ')') && depth > 0) {
                depth--;
            } else if (depth == 0 && (c == ',' || c == '}')) {
                keys.addAll(key(item.toString()));
                item.setLength(0);
                if (c == '}') {
                    return keys;
                }
            } else if (depth == 0) {
                item.append(c);
            }
        }
        throw new AssertionError("unterminated inline document at " + at);
    }

    private static List<String> key(String item) {
        String trimmed = item.strip();
        if (trimmed.equals("…envelope")) {
            return List.of("schema_version", "command", "ok");
        }
        return List.of(trimmed.replaceAll("^([a-z_0-9]+).*$", "$1"));
    }

    private static JsonNode render(Object value) throws IOException {
        return Json.parse(Json.pretty(value));
    }

    /** A record with every component filled: a string, a number, a one-item list, a nested record. */
    static Record sample(Class<? extends Record> type) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            values[i] = value(components[i].getGenericType());
        }
        try {
            var constructor = type.getDeclaredConstructor(types);
            constructor.setAccessible(true);
            return constructor.newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot build a sample " + type.getName(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Object value(Type type) {
        if (type instanceof ParameterizedType list && list.getRawType() == List.class) {
            return List.of(value(list.getActualTypeArguments()[0]));
        }
        Class<?> raw = (Class<?>) type;
        if (raw == String.class) {
            return "x";
        } else if (raw == boolean.class || raw == Boolean.class) {
            return true;
        } else if (raw == int.class || raw == Integer.class) {
            return 1;
        } else if (raw == long.class || raw == Long.class) {
            return 1L;
        } else if (JsonNode.class.isAssignableFrom(raw)) {
            return Json.mapper().createObjectNode();
        } else if (raw.isRecord()) {
            return sample((Class<? extends Record>) raw);
        }
        throw new AssertionError("no sample for " + type);
    }

    @Test
    void theInlineReaderTakesTheNameThatStartsEachItem() {
        String text = "x `{schema_version, command: \"a, b\", ok, profile: {name, version} | null, output (as given, abs),"
                + "\n  checks: [{status, message}], profiles[]}` y";
        Iterator<String> keys = inlineKeys(text, text.indexOf("`{")).iterator();
        assertThat(keys).toIterable().containsExactly("schema_version", "command", "ok", "profile", "output", "checks",
                "profiles");
    }
}
