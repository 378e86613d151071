package io.productivek3s.infra.state;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;

/**
 * The layout {@code state pull} writes (docs/state.md "State commands"): {@code <name>.runtime/} beside
 * {@code <name>.json} in an output directory, the tree staged in a hidden sibling and renamed into place, so a failed
 * pull leaves nothing half written. Every backend pulls through here.
 */
final class PulledLayout {
    /** Writes a revision's tree into a private, empty staging directory (verifying every digest). */
    @FunctionalInterface
    interface Tree {
        void writeTo(Path staging) throws IOException;
    }

    private PulledLayout() {
    }

    /** Refuses (exit 4) an output directory that already holds {@code name}'s files: nothing is overwritten. */
    static void refuseExisting(String name, Path outputDir) {
        Path outRuntime = outputDir.resolve(name + ".runtime");
        Path outJson = outputDir.resolve(name + ".json");
        if (Files.exists(outRuntime, LinkOption.NOFOLLOW_LINKS) || Files.exists(outJson, LinkOption.NOFOLLOW_LINKS)) {
            throw EngineException.invalid("refusing to overwrite " + outRuntime + " or " + outJson);
        }
    }

    /**
     * Writes {@code tree} as {@code <outputDir>/<name>.runtime} and the {@code <name>.json} that goes with it: the
     * policy's rewrite of the tree's {@code cluster.json}, else {@code recordedJson} (null: none).
     */
    static void write(SnapshotPolicy policy, String name, Path outputDir, Tree tree, byte[] recordedJson)
            throws IOException {
        Path outRuntime = outputDir.resolve(name + ".runtime");
        Files2.createPrivateDirectories(outputDir);
        Path staging = outputDir.resolve("." + name + ".runtime.pull-" + UUID.randomUUID());
        try {
            tree.writeTo(staging);
            Optional<byte[]> json = policy.clusterFileFor(staging, outRuntime);
            if (json.isEmpty() && recordedJson != null) {
                json = Optional.of(recordedJson);
            }
            Files.move(staging, outRuntime, StandardCopyOption.ATOMIC_MOVE);
            if (json.isPresent()) {
                Files2.writeAtomically(outputDir.resolve(name + ".json"), json.get(), Files2.FILE_PRIVATE);
            }
        } finally {
            Files2.deleteQuietly(staging);
        }
    }
}
