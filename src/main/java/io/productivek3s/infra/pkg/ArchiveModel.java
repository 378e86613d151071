package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tree an archive would produce, built member by member so that every safety rule of contract §8.3 is
 * decided on names alone, before (and independently of) anything touching the disk.
 */
final class ArchiveModel {
    enum Kind { DIRECTORY, FILE, SYMLINK }

    enum MemberType { DIRECTORY, FILE, SYMLINK, HARDLINK }

    /** One path of the tree; {@code rawName} is the member name as written in the archive. */
    record Node(Kind kind, String linkTarget, String rawName) {
    }

    /**
     * An accepted member. {@code path} is normalized and relative to the archive root; {@code linkTarget} is
     * the raw symlink target, or the normalized hard-link target.
     */
    record Member(String rawName, MemberType type, String path, String linkTarget, boolean executable) {
    }

    private static final Node ROOT = new Node(Kind.DIRECTORY, null, "./");

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Set<String> topLevelDirectories = new LinkedHashSet<>();

    static EngineException unsafe(String rawName) {
        return EngineException.invalid("profile package contains an unsafe entry: " + OneLine.shown(rawName));
    }

    /**
     * Validates one member against the tree so far and records it.
     *
     * @return the member, or empty for an entry naming the archive root itself ({@code ./})
     */
    Optional<Member> admit(String rawName, MemberType type, String linkName, int mode) {
        String path = ArchivePaths.normalizeRelative(stripTrailingSlashes(rawName))
                .orElseThrow(() -> unsafe(rawName));
        if (path.isEmpty()) {
            if (type == MemberType.DIRECTORY) {
                return Optional.empty();
            }
            throw unsafe(rawName);
        }
        requireParentsAreDirectories(path, rawName);
        Node existing = nodes.get(path);
        String target = null;
        switch (type) {
            case DIRECTORY -> {
                if (existing != null && existing.kind() != Kind.DIRECTORY) {
                    throw unsafe(rawName);
                }
                put(path, new Node(Kind.DIRECTORY, null, rawName));
            }
            case FILE -> {
                requireReplaceableFile(existing, rawName);
                put(path, new Node(Kind.FILE, null, rawName));
            }
            case SYMLINK -> {
                // Replacing anything with a symlink would redirect members already placed beneath or at it.
                if (existing != null || linkName == null || linkName.isEmpty()
                        || ArchivePaths.resolve(ArchivePaths.parentOf(path), linkName, this::linkTarget).isEmpty()) {
                    throw unsafe(rawName);
                }
                target = linkName;
                put(path, new Node(Kind.SYMLINK, linkName, rawName));
            }
            case HARDLINK -> {
                requireReplaceableFile(existing, rawName);
                target = ArchivePaths.normalizeRelative(linkName == null ? "" : linkName)
                        .filter(t -> !t.isEmpty() && !t.equals(path))
                        .orElseThrow(() -> unsafe(rawName));
                Node linked = nodes.get(target);
                if (linked == null || linked.kind() != Kind.FILE) {
                    throw unsafe(rawName);
                }
                put(path, new Node(Kind.FILE, null, rawName));
            }
            default -> throw unsafe(rawName);
        }
        return Optional.of(new Member(rawName, type, path, target, (mode & 0111) != 0));
    }

    /**
     * Re-resolves every symlink against the final tree: a link declared later can redirect a path an earlier
     * link's target walks through, so the per-member check alone is not enough.
     */
    void verifyLinks() {
        for (Map.Entry<String, Node> entry : nodes.entrySet()) {
            Node node = entry.getValue();
            if (node.kind() == Kind.SYMLINK && ArchivePaths.resolve(
                    ArchivePaths.parentOf(entry.getKey()), node.linkTarget(), this::linkTarget).isEmpty()) {
                throw unsafe(node.rawName());
            }
        }
    }

    Node get(String path) {
        return path.isEmpty() ? ROOT : nodes.get(path);
    }

    Map<String, Node> nodes() {
        return Collections.unmodifiableMap(nodes);
    }

    Set<String> topLevelDirectories() {
        return Collections.unmodifiableSet(topLevelDirectories);
    }

    private String linkTarget(String path) {
        Node node = nodes.get(path);
        return node != null && node.kind() == Kind.SYMLINK ? node.linkTarget() : null;
    }

    /** Every proper prefix must be (or become, implicitly) a directory: never a symlink, never a file. */
    private void requireParentsAreDirectories(String path, String rawName) {
        int slash = path.indexOf('/');
        while (slash >= 0) {
            String prefix = path.substring(0, slash);
            Node node = nodes.get(prefix);
            if (node == null) {
                put(prefix, new Node(Kind.DIRECTORY, null, rawName));
            } else if (node.kind() != Kind.DIRECTORY) {
                throw unsafe(rawName);
            }
            slash = path.indexOf('/', slash + 1);
        }
    }

    private static void requireReplaceableFile(Node existing, String rawName) {
        if (existing != null && existing.kind() != Kind.FILE) {
            throw unsafe(rawName);
        }
    }

    private void put(String path, Node node) {
        nodes.put(path, node);
        if (node.kind() == Kind.DIRECTORY && path.indexOf('/') < 0) {
            topLevelDirectories.add(path);
        }
    }

    private static String stripTrailingSlashes(String name) {
        int end = name.length();
        while (end > 1 && name.charAt(end - 1) == '/') {
            end--;
        }
        return name.substring(0, end);
    }
}
