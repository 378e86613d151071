package io.productivek3s.infra.pkg;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a safely extracted archive contains, paths normalized and relative to the archive root.
 *
 * @param files               regular files (hard links included)
 * @param directories         directories, explicit and implied by member paths
 * @param symlinks            symlink path → target as written in the archive
 * @param topLevelDirectories directories directly under the archive root, in archive order
 */
public record ArchiveTree(Set<String> files, Set<String> directories, Map<String, String> symlinks,
                          Set<String> topLevelDirectories) {
    public ArchiveTree {
        files = Set.copyOf(files);
        directories = Set.copyOf(directories);
        symlinks = Map.copyOf(symlinks);
        topLevelDirectories = Collections.unmodifiableSet(new LinkedHashSet<>(topLevelDirectories));
    }

    /** Names directly under the archive root, whatever their kind, sorted. */
    public Set<String> topLevelNames() {
        Set<String> names = new TreeSet<>();
        for (Set<String> paths : List.of(files, directories, symlinks.keySet())) {
            paths.forEach(path -> names.add(path.contains("/") ? path.substring(0, path.indexOf('/')) : path));
        }
        return names;
    }
}
