package io.productivek3s.infra.export;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * How {@code --output} is written (docs/export.md#output-safety-d14): an archive for {@code .tgz}/{@code .tar.gz}, else a directory,
 * and what is there now. Refusals are decided here, before anything is staged.
 *
 * @param target  absolute output path
 * @param display the {@code --output} value as given (messages)
 */
record OutputPlan(Path target, String display, boolean archive, Existing existing) {
    /** What occupies the target before the export. */
    enum Existing {
        NONE,
        /** an empty directory: filled in place */
        EMPTY_DIRECTORY,
        /** a directory holding a previous export bundle, or anything replaced with {@code --force} */
        REPLACEABLE
    }

    private static final Pattern EXPORT_COMMAND = Pattern.compile("\"command\"\\s*:\\s*\"profile export\"");
    /** A manifest is a few hundred bytes; a bigger file is not ours and is not read. */
    private static final long MANIFEST_LIMIT = 1 << 20;

    static OutputPlan decide(Path target, String display, boolean force, ProtectedLocations protectedLocations) {
        if (protectedLocations.refuses(target)) {
            throw EngineException.invalid("refusing to write export output to " + display);
        }
        boolean archive = display.endsWith(".tgz") || display.endsWith(".tar.gz");
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return new OutputPlan(target, display, archive, Existing.NONE);
        }
        if (archive) {
            // a file (or a link) is replaced by the new archive; a directory never is
            if (Files.isDirectory(target)) {
                throw refused(display);
            }
            return new OutputPlan(target, display, true, Existing.REPLACEABLE);
        }
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            if (isEmpty(target)) {
                return new OutputPlan(target, display, false, Existing.EMPTY_DIRECTORY);
            }
            if (isPreviousBundle(target)) {
                return new OutputPlan(target, display, false, Existing.REPLACEABLE);
            }
        }
        if (!force) {
            throw refused(display);
        }
        return new OutputPlan(target, display, false, Existing.REPLACEABLE);
    }

    /** A directory an earlier export wrote: {@code manifest.json} naming the export command, and {@code install.sh}. */
    static boolean isPreviousBundle(Path dir) {
        Path manifest = dir.resolve("manifest.json");
        try {
            if (!Files.isRegularFile(manifest, LinkOption.NOFOLLOW_LINKS) || Files.size(manifest) > MANIFEST_LIMIT
                    || !Files.isRegularFile(dir.resolve("install.sh"), LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            // textual match: manifests of the bash engine are not valid JSON (D33) but still mark a bundle
            return EXPORT_COMMAND.matcher(new String(Files.readAllBytes(manifest), StandardCharsets.UTF_8)).find();
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isEmpty(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read export output directory " + dir, e);
        }
    }

    private static EngineException refused(String display) {
        return EngineException.invalid("refusing to replace existing output: " + display + " (use --force for a non-empty directory)");
    }
}
