package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
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
        String text = decode(bytes);
        LoadSettings settings = LoadSettings.builder()
                .setLabel("profile.yaml")
                .setCodePointLimit(Math.max(text.length() + 1, 1024))
                .setMaxAliasesForCollections(50)
                .setAllowRecursiveKeys(false)
                .build();
        Node root;
        try {
            Iterator<Node> documents = new Compose(settings).composeAllFromString(text).iterator();
            if (!documents.hasNext()) {
                throw notYaml("the file contains no YAML document");
            }
            root = documents.next();
            if (documents.hasNext()) {
                throw notYaml("the file contains more than one YAML document");
            }
        } catch (EngineException e) {
            throw e;
        } catch (StackOverflowError e) {
            throw notYaml("nesting is too deep");
        } catch (RuntimeException e) {
            throw notYaml(detail(e));
        }
        if (!(root instanceof MappingNode mapping)) {
            throw notYaml("the top level is not a mapping");
        }
        rejectDuplicateKeys(mapping);
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

    private static String decode(byte[] bytes) {
        int offset = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, bytes.length - offset))
                    .toString();
        } catch (CharacterCodingException e) {
            throw notYaml("the file is not valid UTF-8");
        }
    }

    /** Walks the graph once (aliases can make it a DAG or even cyclic) without recursion. */
    private static void rejectDuplicateKeys(Node root) {
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Node> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            Node node = pending.pop();
            if (!seen.add(node)) {
                continue;
            }
            if (node instanceof MappingNode mapping) {
                Set<String> keys = new HashSet<>();
                for (NodeTuple tuple : mapping.getValue()) {
                    if (tuple.getKeyNode() instanceof ScalarNode key && !keys.add(key.getValue())) {
                        throw notYaml("duplicate key '" + OneLine.shown(key.getValue()) + "'" + at(key.getStartMark()));
                    }
                    pending.push(tuple.getKeyNode());
                    pending.push(tuple.getValueNode());
                }
            } else if (node instanceof SequenceNode sequence) {
                sequence.getValue().forEach(pending::push);
            }
        }
    }

    private static String detail(RuntimeException e) {
        if (e instanceof MarkedYamlEngineException marked) {
            String problem = marked.getProblem() != null ? marked.getProblem() : marked.getContext();
            if (problem != null) {
                return OneLine.of(problem + at(marked.getProblemMark().or(marked::getContextMark)));
            }
        }
        String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return message.isBlank() ? "unreadable document" : OneLine.of(message);
    }

    private static String at(Optional<Mark> mark) {
        return mark.map(m -> " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)).orElse("");
    }

    private static EngineException notYaml(String detail) {
        return EngineException.invalid("profile package profile.yaml is not valid YAML: " + detail);
    }
}
