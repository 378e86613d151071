package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.YamlDocument;
import io.productivek3s.infra.util.Digests;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Parses {@code catalogs/index.yaml} (docs/catalogs.md#index-format) from the composed node tree, so scalars keep their text as
 * written ({@code version: 0.10} stays {@code 0.10}, {@code 594a7c9} stays a string). Required keys are checked;
 * unknown keys are ignored so newer catalog generations still load. Failures are exit 4:
 * {@code catalog <source> is not valid YAML: <detail>} and {@code catalog <source> is invalid: <detail>}.
 */
public final class CatalogParser {
    /** Far above any real catalog (the 0.9.65 one is 41 KB); bounds memory for a hostile source. */
    public static final int MAX_BYTES = 16 * 1024 * 1024;
    private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");

    private final String source;

    private CatalogParser(String source) {
        this.source = source;
    }

    /** @param verified whether {@code bytes} were checked against a published checksum */
    public static CatalogIndex parse(byte[] bytes, String source, boolean verified) {
        return new CatalogParser(source).parse(bytes, verified);
    }

    private CatalogIndex parse(byte[] bytes, boolean verified) {
        if (bytes.length > MAX_BYTES) {
            throw invalid("larger than " + MAX_BYTES + " bytes");
        }
        MappingNode root = load(decode(bytes));
        String apiVersion = requiredText(root, "apiVersion", "apiVersion");
        if (!apiVersion.equals(CatalogIndex.API_VERSION)) {
            throw invalid("apiVersion is unsupported: " + apiVersion);
        }
        String kind = requiredText(root, "kind", "kind");
        if (!kind.equals(CatalogIndex.KIND)) {
            throw invalid("kind is unsupported: " + kind);
        }
        MappingNode metadata = mapping(root, "metadata", "metadata", true);
        String name = requiredText(metadata, "name", "metadata.name");
        String version = text(metadata, "version", "metadata.version");
        String generatedAt = requiredText(metadata, "generatedAt", "metadata.generatedAt");
        Node entriesNode = get(root, "entries");
        if (isNull(entriesNode) || !(entriesNode instanceof SequenceNode sequence)) {
            throw invalid("entries is required and must be a list");
        }
        List<CatalogEntry> entries = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int index = 0;
        for (Node item : sequence.getValue()) {
            String at = "entries[" + index++ + "]";
            if (!(item instanceof MappingNode entry)) {
                throw invalid(at + " must be a mapping");
            }
            CatalogEntry parsed = entry(unique(entry, at), at);
            if (!ids.add(parsed.id())) {
                throw invalid(at + ".id is not unique: " + parsed.id());
            }
            entries.add(parsed);
        }
        return new CatalogIndex(source, name, version, generatedAt, entries, Digests.sha256(bytes), verified, Optional.empty());
    }

    private CatalogEntry entry(MappingNode entry, String at) {
        String visibility = requiredText(entry, "visibility", at + ".visibility");
        MappingNode artifact = mapping(entry, "artifact", at + ".artifact", true);
        String url = text(artifact, "url", at + ".artifact.url");
        if (visibility.equals("public") && (url == null || url.isBlank())) {
            throw invalid(at + ".artifact.url is required for a public entry");
        }
        String sha256 = text(artifact, "sha256", at + ".artifact.sha256");
        if (sha256 != null) {
            String raw = sha256;
            sha256 = Sha256Line.digest(raw).orElseThrow(() -> invalid(at + ".artifact.sha256 is not a sha256 digest: " + raw));
        }
        MappingNode metadata = mapping(entry, "metadata", at + ".metadata", false);
        return new CatalogEntry(
                requiredText(entry, "id", at + ".id"),
                requiredText(entry, "name", at + ".name"),
                metadata == null ? null : text(metadata, "name", at + ".metadata.name"),
                requiredText(entry, "kind", at + ".kind"),
                visibility,
                requiredText(entry, "category", at + ".category"),
                requiredText(entry, "description", at + ".description"),
                text(entry, "version", at + ".version"),
                text(entry, "sourceRepository", at + ".sourceRepository"),
                requiredText(artifact, "type", at + ".artifact.type"),
                url,
                sha256,
                text(artifact, "signature", at + ".artifact.signature"),
                commercial(entry, at),
                install(entry, at),
                strings(entry, "tags", at + ".tags"));
    }

    private CatalogEntry.Commercial commercial(MappingNode entry, String at) {
        MappingNode commercial = mapping(entry, "commercial", at + ".commercial", false);
        if (commercial == null) {
            return null;
        }
        return new CatalogEntry.Commercial(text(commercial, "label", at + ".commercial.label"),
                text(commercial, "url", at + ".commercial.url"));
    }

    private CatalogEntry.Install install(MappingNode entry, String at) {
        MappingNode install = mapping(entry, "install", at + ".install", false);
        if (install == null) {
            return null;
        }
        List<CatalogEntry.Input> inputs = new ArrayList<>();
        Node list = get(install, "inputs");
        if (!isNull(list)) {
            if (!(list instanceof SequenceNode sequence)) {
                throw invalid(at + ".install.inputs must be a list");
            }
            int index = 0;
            for (Node item : sequence.getValue()) {
                String inputAt = at + ".install.inputs[" + index++ + "]";
                if (!(item instanceof MappingNode input)) {
                    throw invalid(inputAt + " must be a mapping");
                }
                unique(input, inputAt);
                inputs.add(new CatalogEntry.Input(requiredText(input, "name", inputAt + ".name"),
                        bool(input, "required", inputAt + ".required"), bool(input, "sensitive", inputAt + ".sensitive"),
                        text(input, "source", inputAt + ".source"), text(input, "description", inputAt + ".description")));
            }
        }
        return new CatalogEntry.Install(bool(install, "requiresLocalOverrides", at + ".install.requiresLocalOverrides"), inputs);
    }

    private MappingNode load(String text) {
        Node root = YamlDocument.compose(text, LoadSettings.builder(), source, this::notYaml)
                .orElseThrow(() -> notYaml("the file contains no YAML document"));
        if (!(root instanceof MappingNode mapping)) {
            throw notYaml("the top level is not a mapping");
        }
        return unique(mapping, "the top level");
    }

    /** Composing does not reject duplicate keys; a catalog with two values for one key is ambiguous. */
    private MappingNode unique(MappingNode mapping, String at) {
        Set<String> keys = new HashSet<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode key && !keys.add(key.getValue())) {
                throw invalid(at + " has a duplicate key '" + key.getValue() + "'");
            }
        }
        return mapping;
    }

    private String decode(byte[] bytes) {
        return YamlDocument.decode(bytes, this::notYaml);
    }

    private static Node get(Node map, String key) {
        if (map instanceof MappingNode mapping) {
            for (NodeTuple tuple : mapping.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                    return tuple.getValueNode();
                }
            }
        }
        return null;
    }

    private static boolean isNull(Node node) {
        return node == null || node instanceof ScalarNode s && s.getScalarStyle() == ScalarStyle.PLAIN && NULLS.contains(s.getValue());
    }

    /** Scalar text, null when absent or YAML null. */
    private String text(Node map, String key, String at) {
        Node node = get(map, key);
        if (isNull(node)) {
            return null;
        }
        if (!(node instanceof ScalarNode scalar)) {
            throw invalid(at + " must be a scalar");
        }
        return scalar.getValue();
    }

    private String requiredText(Node map, String key, String at) {
        String value = text(map, key, at);
        if (value == null || value.isBlank()) {
            throw invalid(at + " is required");
        }
        return value;
    }

    private boolean bool(Node map, String key, String at) {
        String value = text(map, key, at);
        if (value == null) {
            return false;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(at + " must be true or false, got " + value);
        };
    }

    private MappingNode mapping(Node map, String key, String at, boolean required) {
        Node node = get(map, key);
        if (isNull(node)) {
            if (required) {
                throw invalid(at + " is required");
            }
            return null;
        }
        if (!(node instanceof MappingNode mapping)) {
            throw invalid(at + " must be a mapping");
        }
        return unique(mapping, at);
    }

    private List<String> strings(Node map, String key, String at) {
        Node node = get(map, key);
        if (isNull(node)) {
            return List.of();
        }
        if (!(node instanceof SequenceNode sequence)) {
            throw invalid(at + " must be a list");
        }
        List<String> values = new ArrayList<>();
        for (Node item : sequence.getValue()) {
            if (!(item instanceof ScalarNode scalar)) {
                throw invalid(at + " must be a list of strings");
            }
            values.add(scalar.getValue());
        }
        return values;
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ").trim();
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }

    private EngineException notYaml(String detail) {
        return EngineException.invalid("catalog " + source + " is not valid YAML: " + detail);
    }

    private EngineException invalid(String detail) {
        return EngineException.invalid("catalog " + source + " is invalid: " + oneLine(detail));
    }
}
