package io.productivek3s.infra.export;

import io.productivek3s.infra.pkg.ReproducibleTarGz;
import io.productivek3s.infra.util.Files2;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Publishes a bundle at its output without ever leaving a half-written one (docs/export.md#output-safety-d14): the bundle is staged
 * next to the output (same filesystem, so the publishing step is a rename), an old output is moved aside and only
 * deleted once the new one is in place, and an archive is written to a temp file in its directory and renamed.
 */
final class BundlePublisher {
    /** Writes the bundle's files into an empty, private directory. */
    @FunctionalInterface
    interface Content {
        void writeTo(Path dir) throws IOException;
    }

    private static final String STAGING = ".pk3s-export-";

    private final Consumer<String> warn;

    BundlePublisher(Consumer<String> warn) {
        this.warn = warn;
    }

    /**
     * @param privateArchive the bundle holds {@code override.env}: an archive of it gets mode 0600 as a whole,
     *                       since its entry modes protect nothing once the archive itself is readable
     */
    void publish(OutputPlan plan, Content content, boolean privateArchive) throws IOException {
        if (plan.archive()) {
            publishArchive(plan, content, privateArchive);
        } else if (plan.existing() == OutputPlan.Existing.EMPTY_DIRECTORY) {
            fill(plan.target(), content);
        } else {
            replace(plan, content);
        }
    }

    /** New or replaced directory: stage as a hidden sibling, move the old one aside, rename, delete the old one. */
    private void replace(OutputPlan plan, Content content) throws IOException {
        Path target = plan.target();
        Path parent = Files2.createPrivateDirectories(target.getParent());
        String name = target.getFileName().toString();
        Rollback rollback = new Rollback();
        try (rollback) {
            Path staging = rollback.temporary(Files.createTempDirectory(parent, "." + name + STAGING));
            content.writeTo(staging);
            Files.setPosixFilePermissions(staging, BundleWriter.DIR_MODE);
            if (plan.existing() == OutputPlan.Existing.REPLACEABLE) {
                rollback.moveAside(target, parent.resolve("." + name + ".pk3s-old-" + UUID.randomUUID()));
            }
            rollback.publish(staging, target, false);
        }
        Path leftover = rollback.leftover();
        if (leftover != null) {
            warn.accept("could not delete the previous export output moved aside to " + leftover + "; remove it by hand");
        }
    }

    /**
     * An empty directory is filled in place (it may be a mount point or belong to someone else's layout): staged
     * inside itself, then each entry renamed up one level.
     */
    private void fill(Path target, Content content) throws IOException {
        try (Rollback rollback = new Rollback()) {
            Path staging = rollback.temporary(Files.createTempDirectory(target, STAGING));
            content.writeTo(staging);
            List<Path> entries;
            try (Stream<Path> list = Files.list(staging)) {
                entries = list.sorted().toList();
            }
            for (Path entry : entries) {
                rollback.moveIn(entry, target.resolve(entry.getFileName().toString()));
            }
            rollback.commit();
        }
    }

    /** The tree is staged beside the archive, packed into a temp file there, and the temp file renamed over the target. */
    private void publishArchive(OutputPlan plan, Content content, boolean privateArchive) throws IOException {
        Path target = plan.target();
        Path parent = Files2.createPrivateDirectories(target.getParent());
        String name = target.getFileName().toString();
        try (Rollback rollback = new Rollback()) {
            Path staging = rollback.temporary(Files.createTempDirectory(parent, "." + name + STAGING));
            Path tree = Files.createDirectory(staging.resolve("bundle"));
            content.writeTo(tree);
            Path archive = rollback.temporary(Files.createTempFile(parent, "." + name + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(Files2.FILE_PRIVATE)));
            try (OutputStream out = Files.newOutputStream(archive)) {
                ReproducibleTarGz.writeWithModes(tree, "bundle/", rel -> true, ReproducibleTarGz.KEEP_MODE, out);
            }
            Files.setPosixFilePermissions(archive, privateArchive ? Files2.FILE_PRIVATE : Files2.FILE_PUBLIC);
            rollback.publish(archive, target, true);
        }
    }
}
