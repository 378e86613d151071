package io.productivek3s.infra.state;

import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the local mirror of a driver's state holds, in {@code <state dir>/<dir>/} ({@code .pk3s-pg} for PostgreSQL): {@code <name>.mirror} (the database revision and
 * tree digest the mirror was last written from, so a run fetches only when another workstation moved on) and
 * {@code <name>.digests} (the mirror tree's digest memo, kept and used by the mirror's {@link LocalMirror}, so an
 * unchanged 150 MB provider is not hashed again on every persist; docs/state.md "Digest memo"). Both are caches:
 * lost or garbled, the next run re-fetches or re-hashes.
 */
final class MirrorBook {
    record Marker(long revision, String treeSha256) {
    }

    private final Path stateDir;
    private final Path dir;

    MirrorBook(Path stateDir, String dirName) {
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.dir = this.stateDir.resolve(dirName);
    }

    Optional<Marker> marker(String name) {
        try {
            String[] parts = Files.readString(dir.resolve(name + ".mirror"), StandardCharsets.UTF_8).trim().split(" ");
            return Optional.of(new Marker(Long.parseLong(parts[0]), parts.length > 1 ? parts[1] : ""));
        } catch (IOException | RuntimeException absentOrGarbled) {
            return Optional.empty();
        }
    }

    void writeMarker(String name, long revision, String treeSha256) throws IOException {
        StateDirectories.create(stateDir, dir); // never through a link planted for it (docs/state.md "Local backend")
        Files2.writeAtomically(dir.resolve(name + ".mirror"), revision + " " + (treeSha256 == null ? "" : treeSha256)
                + "\n", Files2.FILE_PRIVATE);
    }

    void forget(String name) throws IOException {
        Files.deleteIfExists(dir.resolve(name + ".mirror"));
        Files.deleteIfExists(dir.resolve(name + ".digests"));
    }

    /** Where the digest memo of each name's mirror tree is kept: {@code <state dir>/<dir>/<name>.digests}. */
    Function<String, Path> digests() {
        return name -> dir.resolve(name + ".digests");
    }
}
