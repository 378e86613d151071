package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a {@code --tgz} value names (docs/catalogs.md): an existing file is always a path; a value containing
 * {@code ://} is a URL (optionally pinned with {@code #sha256=<hex>}); anything else is a catalog reference, except values that can only be meant as paths
 * (a {@code /}, a leading {@code .} or {@code ~}, a {@code .tgz}/{@code .tar.gz} suffix, an existing directory),
 * which keep the docs/contract/invocation.md#package-commands answer {@code tgz package not found: <path>}. A process substitution's pipe is a {@link Pipe};
 * any other existing path that is not a regular file (a directory, a named FIFO, a device) is refused unopened.
 */
public sealed interface TgzArgument {
    /** Where bash and zsh put a process substitution's pipe ({@code <(…)}). */
    java.util.regex.Pattern SHELL_PIPE = java.util.regex.Pattern.compile("/dev/fd/\\d+|/proc/(self|\\d+)/fd/\\d+");

    record LocalFile(Path path) implements TgzArgument {
    }

    /** @param pinnedSha256 the digest given as {@code #sha256=<hex>} on the URL, if any */
    record Url(URI uri, Optional<String> pinnedSha256) implements TgzArgument {
    }

    record Catalog(CatalogReference reference) implements TgzArgument {
    }

    /**
     * A pipe the shell handed over as {@code /dev/fd/N} ({@code --tgz <(curl …)}): it can be read once, so the caller
     * spools it to a file. Its writer exists by construction, unlike a named FIFO's, so reading it cannot block forever.
     */
    record Pipe(Path path) implements TgzArgument {
    }

    /**
     * @param value           the {@code --tgz} value as given
     * @param resolveExisting how the caller's relative paths resolve (docs/contract/env-files.md#override-file-and-relative-paths)
     */
    static TgzArgument classify(String value, Function<String, Path> resolveExisting) {
        Path file = existingFile(value, resolveExisting);
        if (file != null) {
            return new LocalFile(file);
        }
        if (value.contains("://")) {
            return url(value, resolveExisting);
        }
        if (exists(value, resolveExisting)) {
            Path path = resolveExisting.apply(value);
            if (isFifo(path) && SHELL_PIPE.matcher(path.toString()).matches()) {
                return new Pipe(path);
            }
            throw notAFile(value, path);
        }
        if (looksLikePath(value)) {
            throw notFound(value);
        }
        return new Catalog(CatalogReference.parse(value));
    }

    private static TgzArgument url(String value, Function<String, Path> resolveExisting) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw EngineException.usage("invalid URL in --tgz: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "http", "https" -> {
                if (uri.getHost() == null) {
                    throw EngineException.usage("invalid URL in --tgz: no host in " + Downloader.shown(uri));
                }
                return pinned(uri);
            }
            case "file" -> {
                Path file;
                try {
                    file = Path.of(uri);
                } catch (IllegalArgumentException e) {
                    throw EngineException.usage("invalid file URL in --tgz: " + value);
                }
                if (!Files.isRegularFile(file)) {
                    throw Files.exists(file) ? notAFile(value, file) : notFound(value);
                }
                return new LocalFile(file);
            }
            default -> throw EngineException.usage("unsupported URL scheme in --tgz: " + scheme
                    + " (use http, https or file, or a catalog name)");
        }
    }

    /** A fragment is never sent to the server; {@code #sha256=<hex>} pins the digest the download must have. */
    private static Url pinned(URI uri) {
        String fragment = uri.getRawFragment();
        if (fragment == null) {
            return new Url(uri, Optional.empty());
        }
        Optional<String> digest = fragment.startsWith("sha256=") ? Sha256Line.digest(fragment.substring(7)) : Optional.empty();
        if (digest.isEmpty()) {
            throw EngineException.usage("unsupported URL fragment in --tgz: #" + fragment + " (use #sha256=<64 hex digits>)");
        }
        String value = uri.toString();
        return new Url(URI.create(value.substring(0, value.indexOf('#'))), digest);
    }

    private static Path existingFile(String value, Function<String, Path> resolveExisting) {
        try {
            Path path = resolveExisting.apply(value);
            return Files.isRegularFile(path) ? path : null;
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static boolean exists(String value, Function<String, Path> resolveExisting) {
        try {
            return Files.exists(resolveExisting.apply(value));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private static boolean looksLikePath(String value) {
        String lower = value.toLowerCase(Locale.ROOT);
        return value.contains("/") || value.startsWith(".") || value.startsWith("~")
                || lower.endsWith(".tgz") || lower.endsWith(".tar.gz");
    }

    /**
     * An existing path that is not a regular file: named for what it is, and never opened (a FIFO would block the
     * run, {@code /dev/zero} never ends). Exit 3 like a missing package: there is no package file at that path.
     */
    public static EngineException notAFile(String value, Path path) {
        String kind = Files.isDirectory(path) ? "a directory"
                : isFifo(path) ? "a FIFO" : "a device or other special file";
        return EngineException.missing("tgz package is not a regular file: " + value + " (" + kind + ")");
    }

    private static boolean isFifo(Path path) {
        try {
            Object fifo = Files.readAttributes(path, "unix:mode").get("mode");
            return fifo instanceof Integer mode && (mode & 0170000) == 0010000;
        } catch (java.io.IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static EngineException notFound(String value) {
        return EngineException.missing("tgz package not found: " + value);
    }
}
