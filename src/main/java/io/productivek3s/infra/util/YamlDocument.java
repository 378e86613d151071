package io.productivek3s.infra.util;

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
import java.util.function.Function;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Hardened reading of one YAML document into SnakeYAML Engine nodes, shared by profile.yaml, catalogs and
 * sidecars: strict UTF-8 (BOM skipped), exactly one document, bounded aliases and size, no recursion blow-up,
 * duplicate keys refused, and every failure one line. Callers supply {@code notYaml} to word the error for their
 * file ("profile package profile.yaml is not valid YAML: ...").
 */
public final class YamlDocument {
    /** Largest document read, in characters (profile.yaml, sidecars, catalogs are a few KiB to tens of KiB). */
    public static final int MAX_CHARS = 4 * 1024 * 1024;
    /** Deepest nesting of mappings and sequences; real documents use fewer than 10 levels. */
    public static final int MAX_DEPTH = 64;
    /** Aliases in one document; upstream documents use none, so a small budget only serves hand-written ones. */
    public static final int MAX_ALIASES = 20;

    private YamlDocument() {
    }

    /** Text of a UTF-8 file; malformed input is the caller's "not valid UTF-8" error. */
    public static String decode(byte[] bytes, Function<String, EngineException> notYaml) {
        int offset = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb
                && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, offset, bytes.length - offset))
                    .toString();
        } catch (CharacterCodingException e) {
            throw notYaml.apply("the file is not valid UTF-8");
        }
    }

    /** The single document of {@code text}; empty when the text holds none. More than one is an error. */
    public static Optional<Node> compose(String text, org.snakeyaml.engine.v2.api.LoadSettingsBuilder settings, String label,
            Function<String, EngineException> notYaml) {
        if (text.length() > MAX_CHARS) {
            throw notYaml.apply("the document is larger than " + MAX_CHARS + " characters");
        }
        LoadSettings built = settings.setLabel(label)
                .setCodePointLimit(Math.max(text.length() + 1, 1024))
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setAllowRecursiveKeys(false)
                .build();
        try {
            checkShape(text, built, notYaml);
            Iterator<Node> documents = new Compose(built).composeAllFromString(text).iterator();
            if (!documents.hasNext()) {
                return Optional.empty();
            }
            Node root = documents.next();
            if (documents.hasNext()) {
                throw notYaml.apply("the file contains more than one YAML document");
            }
            return Optional.of(root);
        } catch (EngineException e) {
            throw e;
        } catch (StackOverflowError e) {
            throw notYaml.apply("nesting is too deep");
        } catch (RuntimeException e) {
            throw notYaml.apply(detail(e));
        }
    }

    /**
     * One pass over the parser's events before anything is composed (composing recurses per level): bounded depth
     * and alias count, and no alias to a collection that is still open, i.e. no recursive structure.
     */
    private static void checkShape(String text, LoadSettings settings, Function<String, EngineException> notYaml) {
        Deque<Optional<Anchor>> open = new ArrayDeque<>();
        Set<String> openAnchors = new HashSet<>();
        int aliases = 0;
        for (Event event : new Parse(settings).parseString(text)) {
            switch (event.getEventId()) {
                case MappingStart, SequenceStart -> {
                    Optional<Anchor> anchor = ((NodeEvent) event).getAnchor();
                    open.push(anchor);
                    anchor.ifPresent(a -> openAnchors.add(a.getValue()));
                    if (open.size() > MAX_DEPTH) {
                        throw notYaml.apply("nesting is deeper than " + MAX_DEPTH + " levels" + at(event.getStartMark()));
                    }
                }
                case MappingEnd, SequenceEnd -> open.pop().ifPresent(a -> openAnchors.remove(a.getValue()));
                case Alias -> {
                    String name = ((AliasEvent) event).getAlias().getValue();
                    if (openAnchors.contains(name)) {
                        throw notYaml.apply("recursive alias *" + escaped(name) + at(event.getStartMark()));
                    }
                    if (++aliases > MAX_ALIASES) {
                        throw notYaml.apply("more than " + MAX_ALIASES + " aliases" + at(event.getStartMark()));
                    }
                }
                default -> {
                    // scalars and document/stream markers carry no structure
                }
            }
        }
    }

    /** Duplicate keys anywhere in the document; the graph is walked once (aliases can make it cyclic). */
    public static void rejectDuplicateKeys(Node root, Function<String, EngineException> notYaml) {
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
                        throw notYaml.apply("duplicate key '" + escaped(key.getValue()) + "'" + at(key.getStartMark()));
                    }
                    pending.push(tuple.getKeyNode());
                    pending.push(tuple.getValueNode());
                }
            } else if (node instanceof SequenceNode sequence) {
                sequence.getValue().forEach(pending::push);
            }
        }
    }

    /** A parser exception as one short line with its position. */
    public static String detail(RuntimeException e) {
        if (e instanceof MarkedYamlEngineException marked) {
            String problem = marked.getProblem() != null ? marked.getProblem() : marked.getContext();
            if (problem != null) {
                return oneLine(problem + at(marked.getProblemMark().or(marked::getContextMark)));
            }
        }
        String message = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return message.isBlank() ? "unreadable document" : oneLine(message);
    }

    private static String at(Optional<Mark> mark) {
        return mark.map(m -> " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1)).orElse("");
    }

    private static String oneLine(String text) {
        String line = text.replaceAll("\\s+", " ").trim();
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }

    private static String escaped(String value) {
        StringBuilder out = new StringBuilder();
        for (char c : value.toCharArray()) {
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> out.append(Character.isISOControl(c) ? String.format("\\x%02x", (int) c) : String.valueOf(c));
            }
        }
        return out.toString();
    }
}
