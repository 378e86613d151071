package io.productivek3s.infra.catalog;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.DidYouMean;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Finds a profile in a catalog and tells whether it can be downloaded (docs/catalogs.md#resolution steps 2–4). */
public final class CatalogResolver {
    public static final String PROFILE_KIND = "profile";

    private CatalogResolver() {
    }

    /**
     * The first profile entry, in file order, answering to the name; with a version, the first whose
     * {@code version} equals it exactly. Exit 3 when there is none.
     */
    public static CatalogEntry find(CatalogIndex index, CatalogReference reference) {
        List<CatalogEntry> named = index.ofKind(PROFILE_KIND).stream().filter(entry -> entry.answersTo(reference.name())).toList();
        if (named.isEmpty()) {
            List<String> names = index.ofKind(PROFILE_KIND).stream().map(CatalogEntry::name).filter(n -> n != null).toList();
            throw EngineException.missing("catalog has no profile '" + reference.name() + "'" + DidYouMean.closest(reference.name(), names)
                    .map(name -> " (did you mean '" + name + "'?)").orElse(""));
        }
        if (reference.version().isEmpty()) {
            return named.get(0);
        }
        String version = reference.version().get();
        return named.stream().filter(entry -> version.equals(entry.version())).findFirst().orElseThrow(() -> {
            Set<String> versions = new LinkedHashSet<>();
            named.forEach(entry -> versions.add(entry.version() == null ? "(unversioned)" : entry.version()));
            return EngineException.missing("catalog has no profile '" + reference.name() + "' at version '" + version
                    + "'; it has " + String.join(", ", versions));
        });
    }

    /** What to download for an entry; exit 4 for a non-tgz artifact or an entry without a public URL. */
    public static ArtifactCache.Request artifact(CatalogEntry entry, String requested, long maxBytes) {
        if (!"tgz".equals(entry.artifactType())) {
            throw EngineException.invalid("catalog profile '" + requested + "' has unsupported artifact type: " + entry.artifactType());
        }
        Optional<String> url = entry.downloadUrl();
        if (url.isEmpty()) {
            throw EngineException.invalid("catalog profile '" + requested + "' does not expose a downloadable tgz URL ("
                    + entry.visibility() + " entry); " + access(entry));
        }
        URI uri;
        try {
            uri = new URI(url.get());
        } catch (URISyntaxException e) {
            throw EngineException.invalid("catalog profile '" + requested + "' has an invalid artifact URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
            throw EngineException.invalid("catalog profile '" + requested + "' has an unsupported artifact URL: "
                    + Downloader.shown(uri) + " (http or https expected)");
        }
        return new ArtifactCache.Request(uri, Optional.ofNullable(entry.artifactSha256()), entry.name(), maxBytes);
    }

    /** How to get an entry without a public artifact: {@code <label> at <url>} from {@code commercial}, when given. */
    public static String access(CatalogEntry entry) {
        CatalogEntry.Commercial commercial = entry.commercial();
        if (commercial == null || commercial.url() == null || commercial.url().isBlank()) {
            return "ask the catalog publisher for access";
        }
        String label = commercial.label() == null || commercial.label().isBlank() ? "Request access" : commercial.label();
        return label + " at " + commercial.url();
    }
}
