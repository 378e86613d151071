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

    /**
     * Resolves {@code target} relative to directory {@code base} the way the kernel would, following the
     * symlinks that {@code links} knows about (path → raw target). Empty when the walk leaves the root,
     * meets an absolute link target or expands too many links.
     */
    static Optional<String> resolve(String base, String target, Function<String, String> links) {
        if (target.startsWith("/")) {
            return Optional.empty();
        }
        List<String> stack = new ArrayList<>(segments(base));
        Deque<String> pending = new ArrayDeque<>(List.of(target.split("/")));
        int expansions = 0;
        while (!pending.isEmpty()) {
            String segment = pending.pollFirst();
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (stack.isEmpty()) {
                    return Optional.empty();
                }
                stack.remove(stack.size() - 1);
                continue;
            }
            stack.add(segment);
            String link = links.apply(String.join("/", stack));
            if (link == null) {
                continue;
            }
            if (++expansions > MAX_LINK_EXPANSIONS || link.isEmpty() || link.startsWith("/")) {
                return Optional.empty();
            }
            stack.remove(stack.size() - 1);
            String[] linkSegments = link.split("/");
            for (int i = linkSegments.length - 1; i >= 0; i--) {
                pending.addFirst(linkSegments[i]);
            }
        }
        return Optional.of(String.join("/", stack));
    }
}
