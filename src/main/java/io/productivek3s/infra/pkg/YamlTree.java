package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.YamlDocument;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * {@code profile.yaml} as a composed node tree. Working on nodes instead of constructed Java objects keeps the
 * raw scalar text (so {@code yes} stays {@code yes}, {@code 0.10} stays {@code 0.10}) and lets us reject
 * duplicate keys ourselves.
 */
final class YamlTree {
    private static final Set<String> NULL_SPELLINGS = Set.of("", "~", "null", "Null", "NULL");

    private YamlTree() {
    }

    /** Exactly one YAML document whose top level is a mapping, without duplicate keys anywhere. */
    static MappingNode load(byte[] bytes) {
        Node root = YamlDocument.compose(YamlDocument.decode(bytes, YamlTree::notYaml), LoadSettings.builder(), "profile.yaml",
                YamlTree::notYaml).orElseThrow(() -> notYaml("the file contains no YAML document"));
        if (!(root instanceof MappingNode mapping)) {
            throw notYaml("the top level is not a mapping");
        }
        YamlDocument.rejectDuplicateKeys(mapping, YamlTree::notYaml);
        return mapping;
    }

    /** The value under a scalar key of a mapping; null when {@code map} is not a mapping or lacks the key. */
    static Node get(Node map, String key) {
        if (!(map instanceof MappingNode mapping)) {
            return null;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return tuple.getValueNode();
            }
        }
        return null;
    }

    /** Absent, or a plain null scalar ({@code key:}, {@code ~}, {@code null}). */
    static boolean isNull(Node node) {
        return node == null
                || node instanceof ScalarNode s && s.getScalarStyle() == ScalarStyle.PLAIN
                && NULL_SPELLINGS.contains(s.getValue());
    }

    /** Null, or a scalar that is empty or blank. */
    static boolean isBlank(Node node) {
        return isNull(node) || node instanceof ScalarNode s && s.getValue().isBlank();
    }

    /** How a value is echoed in a message: scalar text as written, {@code {...}} / {@code [...]} otherwise. */
    static String describe(Node node) {
        if (node instanceof ScalarNode s) {
            return OneLine.shown(s.getValue());
        }
        return node instanceof SequenceNode ? "[...]" : "{...}";
    }

    private static EngineException notYaml(String detail) {
        return EngineException.invalid("profile package profile.yaml is not valid YAML: " + detail);
    }
}
