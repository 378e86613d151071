package io.productivek3s.infra.pkg;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a scanned {@code profile.tgz} contains, without anything written to disk.
 *
 * @param rootPrefix  archive path of the package root: {@code ""} or {@code "<wrapper>/"} (docs/contract/package.md#package-root)
 * @param manifest    bytes of {@code <root>/profile.yaml}
 * @param profileEnv  bytes of {@code <root>/profile.env}, when present
 * @param files       regular files (hard links included), relative to the package root, normalized
 * @param directories directories (explicit and implied by member paths), relative to the package root
 * @param symlinks    symlinks relative to the package root → target as written in the archive
 */
public record PackageListing(String rootPrefix, byte[] manifest, Optional<byte[]> profileEnv, Set<String> files,
                             Set<String> directories, Map<String, String> symlinks) {
    public PackageListing {
        files = Set.copyOf(files);
        directories = Set.copyOf(directories);
        symlinks = Map.copyOf(symlinks);
    }

    /** True when {@code rel} (symlinks followed, staying inside the package root) is a regular file. */
    public boolean hasFile(String rel) {
        return resolve(rel).filter(files::contains).isPresent();
    }

    /**
     * True when {@code rel} (symlinks followed, staying inside the package root) is a directory: listed, or the
     * parent of some member.
     */
    public boolean hasDirectory(String rel) {
        Optional<String> resolved = resolve(rel);
        if (resolved.isEmpty()) {
            return false;
        }
        String dir = resolved.get();
        if (dir.isEmpty() || directories.contains(dir)) {
            return true;
        }
        String prefix = dir + "/";
        return files.stream().anyMatch(f -> f.startsWith(prefix))
                || symlinks.keySet().stream().anyMatch(s -> s.startsWith(prefix));
    }

    /** Normalized path of {@code rel} after following symlinks; empty if it is not a confined relative path. */
    public Optional<String> resolve(String rel) {
        return ArchivePaths.normalizeRelative(rel)
                .flatMap(normalized -> ArchivePaths.resolve("", normalized, symlinks::get));
    }
}
