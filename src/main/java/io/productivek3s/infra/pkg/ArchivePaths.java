package io.productivek3s.infra.pkg;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Lexical path rules shared by the archive reader, the package listing and install-script confinement. */
final class ArchivePaths {
    /** Same bound as Linux MAXSYMLINKS: more expansions means a loop (or a hostile chain). */
    static final int MAX_LINK_EXPANSIONS = 40;
    /** Linux refuses longer symlink targets (PATH_MAX - 1) and longer path names. */
    static final int MAX_LINK_TARGET = 4095;
    static final int MAX_NAME = 4096;
    /** Linux NAME_MAX: the longest single path component, in bytes. */
    static final int MAX_COMPONENT_BYTES = 255;
    /** Real packages need a handful of steps; the bound keeps hostile archives linear. */
    static final int MAX_RESOLUTION_STEPS = 8192;

    private ArchivePaths() {
    }

    /**
     * Normalizes a relative slash-separated name: drops empty and {@code .} segments.
     * Returns empty for absolute names, names with a {@code ..} segment or a NUL character.
     */
    static Optional<String> normalizeRelative(String name) {
        if (name.isEmpty() || name.startsWith("/") || name.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        List<String> parts = new ArrayList<>();
        for (String segment : name.split("/", -1)) {
            if (segment.equals("..")) {
                return Optional.empty();
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                parts.add(segment);
            }
        }
        return Optional.of(String.join("/", parts));
    }

    /** C0 controls (NUL, newline, escape...) and DEL. */
    static boolean hasControlCharacter(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** A component longer than NAME_MAX bytes (UTF-8, as written to disk). */
    static boolean tooLongForAFileName(String segment) {
        return segment.length() > MAX_COMPONENT_BYTES
                || segment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_COMPONENT_BYTES;
    }

    static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }

    static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }

    static List<String> segments(String path) {
        List<String> parts = new ArrayList<>();
        for (String segment : path.split("/")) {
            if (!segment.isEmpty()) {
                parts.add(segment);
            }
        }
        return parts;
    }

    /** A directory tree that symlink resolution can walk one name at a time. */
    interface Namespace<N> {
        N root();

        /** The entry {@code name} inside {@code dir}, or null when it does not exist (or {@code dir} is null). */
        N child(N dir, String name);

        /** The raw target when {@code node} is a symlink, else null. */
        String linkTarget(N node);
    }

    /**
     * Resolves {@code target} relative to directory {@code base} the way the kernel would, following the
     * symlinks of {@code tree}. Empty when the walk leaves the root, meets an absolute or over-long link target,
     * expands too many links or takes too many steps (a hostile chain).
     */
    static <N> Optional<String> resolve(Namespace<N> tree, String base, String target) {
        if (target.isEmpty() || target.startsWith("/") || target.length() > MAX_LINK_TARGET) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        List<N> nodes = new ArrayList<>();
        for (String segment : segments(base)) {
            nodes.add(tree.child(nodes.isEmpty() ? tree.root() : nodes.get(nodes.size() - 1), segment));
            names.add(segment);
        }
        Deque<String> pending = new ArrayDeque<>(List.of(target.split("/")));
        int expansions = 0;
        int steps = 0;
        while (!pending.isEmpty()) {
            if (++steps > MAX_RESOLUTION_STEPS) {
                return Optional.empty();
            }
            String segment = pending.pollFirst();
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (names.isEmpty()) {
                    return Optional.empty();
                }
                names.remove(names.size() - 1);
                nodes.remove(nodes.size() - 1);
                continue;
            }
            N node = tree.child(nodes.isEmpty() ? tree.root() : nodes.get(nodes.size() - 1), segment);
            String link = node == null ? null : tree.linkTarget(node);
            if (link == null) {
                names.add(segment);
                nodes.add(node);
                continue;
            }
            if (++expansions > MAX_LINK_EXPANSIONS || link.isEmpty() || link.startsWith("/")
                    || link.length() > MAX_LINK_TARGET) {
                return Optional.empty();
            }
            String[] linkSegments = link.split("/");
            for (int i = linkSegments.length - 1; i >= 0; i--) {
                pending.addFirst(linkSegments[i]);
            }
        }
        return Optional.of(String.join("/", names));
    }

    /** Resolution over a flat map of symlink paths (path → raw target); fine for a few lookups. */
    static Optional<String> resolve(String base, String target, Function<String, String> links) {
        return resolve(new Namespace<String>() {
            @Override
            public String root() {
                return "";
            }

            @Override
            public String child(String dir, String name) {
                return join(dir, name);
            }

            @Override
            public String linkTarget(String node) {
                return links.apply(node);
            }
        }, base, target);
    }
}
