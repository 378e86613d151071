package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tree an archive would produce, built member by member so that every safety rule of docs/contract/package.md#safe-extraction is
 * decided on names alone, before (and independently of) anything touching the disk.
 *
 * <p>Paths are kept twice: in archive order (for listings and deterministic error reporting) and as a tree of
 * names, so that checking a member or resolving a symlink costs time linear in its own length.
 */
final class ArchiveModel {
    enum Kind { DIRECTORY, FILE, SYMLINK }

    enum MemberType { DIRECTORY, FILE, SYMLINK, HARDLINK }

    /**
     * One path of the tree; {@code rawName} is the member name as written in the archive, kept for symlinks only (the
     * final re-check reports it). Files and directories share one node each: a 100,000-file package keeps no
     * per-member object beyond its name.
     */
    record Node(Kind kind, String linkTarget, String rawName) {
    }

    private static final Node FILE_NODE = new Node(Kind.FILE, null, null);
    private static final Node DIRECTORY_NODE = new Node(Kind.DIRECTORY, null, null);

    /**
     * An accepted member. {@code path} is normalized and relative to the archive root; {@code linkTarget} is
     * the raw symlink target, or the normalized hard-link target.
     */
    record Member(String rawName, MemberType type, String path, String linkTarget, boolean executable) {
    }

    private static final class TreeEntry {
        private Node node;
        /** Created with the first child: files never have one. */
        private Map<String, TreeEntry> children;

        TreeEntry(Node node) {
            this.node = node;
        }

        TreeEntry child(String name) {
            return children == null ? null : children.get(name);
        }

        void put(String name, TreeEntry child) {
            if (children == null) {
                children = new HashMap<>(4);
            }
            children.put(name, child);
        }
    }

    private static final Node ROOT = DIRECTORY_NODE;

    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final TreeEntry tree = new TreeEntry(ROOT);
    private final Set<String> topLevelDirectories = new LinkedHashSet<>();
    private final ArchivePaths.Namespace<TreeEntry> namespace = new ArchivePaths.Namespace<>() {
        @Override
        public TreeEntry root() {
            return tree;
        }

        @Override
        public TreeEntry child(TreeEntry dir, String name) {
            return dir == null ? null : dir.child(name);
        }

        @Override
        public String linkTarget(TreeEntry entry) {
            return entry.node.kind() == Kind.SYMLINK ? entry.node.linkTarget() : null;
        }
    };

    private final ArchiveWording wording;

    ArchiveModel(ArchiveWording wording) {
        this.wording = wording;
    }

    EngineException unsafe(String rawName) {
        return wording.unsafe(rawName);
    }

    /**
     * Validates one member against the tree so far and records it.
     *
     * @return the member, or empty for an entry naming the archive root itself ({@code ./})
     */
    Optional<Member> admit(String rawName, MemberType type, String linkName, int mode) {
        if (rawName.length() > ArchivePaths.MAX_NAME || ArchivePaths.hasControlCharacter(rawName)
                || (linkName != null && ArchivePaths.hasControlCharacter(linkName))) {
            throw unsafe(rawName); // no package needs a newline or escape sequence in a file name
        }
        String path = ArchivePaths.normalizeRelative(stripTrailingSlashes(rawName))
                .orElseThrow(() -> unsafe(rawName));
        if (path.isEmpty()) {
            if (type == MemberType.DIRECTORY) {
                return Optional.empty();
            }
            throw unsafe(rawName);
        }
        List<String> segments = ArchivePaths.segments(path);
        if (segments.stream().anyMatch(ArchivePaths::tooLongForAFileName)) {
            throw unsafe(rawName); // the file system could not create it: refused in validate as in install
        }
        String name = segments.get(segments.size() - 1);
        TreeEntry parent = parentDirectory(path, segments, rawName);
        TreeEntry existingEntry = parent.child(name);
        Node existing = existingEntry == null ? null : existingEntry.node;
        String target = null;
        Node node;
        switch (type) {
            case DIRECTORY -> {
                if (existing != null && existing.kind() != Kind.DIRECTORY) {
                    throw unsafe(rawName);
                }
                node = DIRECTORY_NODE;
            }
            case FILE -> {
                requireReplaceableFile(existing, rawName);
                node = FILE_NODE;
            }
            case SYMLINK -> {
                // Replacing anything with a symlink would redirect members already placed beneath or at it.
                if (existing != null || linkName == null
                        || ArchivePaths.resolve(namespace, ArchivePaths.parentOf(path), linkName).isEmpty()) {
                    throw unsafe(rawName);
                }
                target = linkName;
                node = new Node(Kind.SYMLINK, linkName, rawName);
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
                node = FILE_NODE;
            }
            default -> throw unsafe(rawName);
        }
        if (existingEntry == null) {
            parent.put(name, new TreeEntry(node));
        } else {
            existingEntry.node = node;
        }
        record(path, node);
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
                    namespace, ArchivePaths.parentOf(entry.getKey()), node.linkTarget()).isEmpty()) {
                throw unsafe(node.rawName());
            }
        }
    }

    Node get(String path) {
        return path.isEmpty() ? ROOT : nodes.get(path);
    }

    /** Paths recorded so far, directories implied by member names included. */
    int size() {
        return nodes.size();
    }

    Map<String, Node> nodes() {
        return Collections.unmodifiableMap(nodes);
    }

    Set<String> topLevelDirectories() {
        return Collections.unmodifiableSet(topLevelDirectories);
    }

    /**
     * Walks to the parent directory of {@code path}; every proper prefix must be (or becomes, implicitly) a
     * directory: never a symlink, never a file.
     */
    private TreeEntry parentDirectory(String path, List<String> segments, String rawName) {
        TreeEntry entry = tree;
        int end = -1;
        for (int i = 0; i < segments.size() - 1; i++) {
            String segment = segments.get(i);
            end += segment.length() + 1;
            TreeEntry child = entry.child(segment);
            if (child == null) {
                child = new TreeEntry(DIRECTORY_NODE);
                entry.put(segment, child);
                record(path.substring(0, end), DIRECTORY_NODE);
            } else if (child.node.kind() != Kind.DIRECTORY) {
                throw unsafe(rawName);
            }
            entry = child;
        }
        return entry;
    }

    private void requireReplaceableFile(Node existing, String rawName) {
        if (existing != null && existing.kind() != Kind.FILE) {
            throw unsafe(rawName);
        }
    }

    private void record(String path, Node node) {
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
