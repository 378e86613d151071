package io.productivek3s.infra.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.productivek3s.infra.action.CatalogListAction;
import io.productivek3s.infra.action.CatalogShowAction;
import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogIndex;
import io.productivek3s.infra.catalog.CatalogResolver;
import io.productivek3s.infra.util.Timestamps;
import java.util.ArrayList;
import java.util.List;

/**
 * Output of {@code catalog list|show}: JSON keeps the catalog's own field names (an entry reads like its
 * {@code index.yaml} item); text is a table / a key-value sheet for people.
 */
final class CatalogViews {
    private CatalogViews() {
    }

    /** {@code catalog-list}. */
    record Listing(Catalog catalog, List<Entry> profiles) {
        static Envelope of(CatalogListAction.Listing listing) {
            return Envelope.ok("catalog list", new Listing(Catalog.of(listing.index()),
                    listing.profiles().stream().map(Entry::of).toList()));
        }
    }

    /** {@code catalog-show}: the entry a name resolves to. */
    record Shown(Catalog catalog, Entry entry) {
        static Envelope of(CatalogShowAction.Shown shown) {
            return Envelope.ok("catalog show", new Shown(Catalog.of(shown.index()), Entry.of(shown.entry())));
        }
    }

    /** The catalog that loaded; {@code generatedAt} keeps the catalog's own spelling. */
    record Catalog(String source, String name, String version, @JsonProperty("generatedAt") String generatedAt, String sha256,
            boolean verified) {
        static Catalog of(CatalogIndex index) {
            return new Catalog(index.source(), index.name(), index.version(), Timestamps.iso(index.generatedAt()),
                    index.sha256(), index.verified());
        }
    }

    /** An entry with its {@code index.yaml} field names; the optional sections are left out when the entry has none. */
    record Entry(String id, String name, String kind, String visibility, String category, String description, String version,
            @JsonProperty("sourceRepository") String sourceRepository, Artifact artifact,
            @JsonInclude(JsonInclude.Include.NON_NULL) Commercial commercial,
            @JsonInclude(JsonInclude.Include.NON_NULL) Install install, List<String> tags) {
        record Artifact(String type, String url, @JsonInclude(JsonInclude.Include.NON_NULL) String sha256) {
        }

        record Commercial(String label, String url) {
        }

        record Install(@JsonProperty("requiresLocalOverrides") boolean requiresLocalOverrides, List<CatalogEntry.Input> inputs) {
        }

        static Entry of(CatalogEntry e) {
            return new Entry(e.id(), e.name(), e.kind(), e.visibility(), e.category(), e.description(), e.version(),
                    e.sourceRepository(), new Artifact(e.artifactType(), e.artifactUrl(), e.artifactSha256()),
                    e.commercial() == null ? null : new Commercial(e.commercial().label(), e.commercial().url()),
                    e.installInfo().map(i -> new Install(i.requiresLocalOverrides(), i.inputs())).orElse(null), e.tags());
        }
    }

    static String catalogLine(CatalogIndex index) {
        return "Catalog: " + index.source() + " (" + index.name() + (index.version() == null ? "" : " " + index.version())
                + ", generated " + index.generatedAt() + (index.verified() ? ", checksum verified" : "") + ")";
    }

    /** Columns NAME, VERSION, CATEGORY, NOTES; notes say {@code needs-env} and how to get protected entries. */
    static String table(List<CatalogEntry> entries) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "VERSION", "CATEGORY", "NOTES"});
        for (CatalogEntry entry : entries) {
            List<String> notes = new ArrayList<>();
            if (entry.installInfo().map(CatalogEntry.Install::requiresLocalOverrides).orElse(false)) {
                notes.add("needs-env");
            }
            if (entry.downloadUrl().isEmpty()) {
                notes.add(entry.visibility() + ": " + CatalogResolver.access(entry));
            }
            rows.add(new String[] {entry.name(), entry.version() == null ? "-" : entry.version(), entry.category(),
                    String.join(", ", notes)});
        }
        int[] widths = new int[3];
        for (String[] row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                line.append(row[i]).append(" ".repeat(widths[i] - row[i].length() + 2));
            }
            text.append((line + row[3]).stripTrailing()).append('\n');
        }
        return text.toString();
    }

    static String sheet(CatalogEntry entry) {
        StringBuilder text = new StringBuilder();
        line(text, "Profile", entry.name());
        line(text, "ID", entry.id());
        line(text, "Version", entry.version() == null ? "-" : entry.version());
        line(text, "Category", entry.category());
        line(text, "Visibility", entry.visibility());
        line(text, "Description", entry.description());
        if (entry.sourceRepository() != null) {
            line(text, "Source repository", entry.sourceRepository());
        }
        if (entry.downloadUrl().isPresent()) {
            line(text, "Artifact", entry.downloadUrl().get());
            line(text, "SHA-256", entry.artifactSha256() == null ? "not published" : entry.artifactSha256());
        } else {
            line(text, "Artifact", "none (no public download)");
            line(text, "Access", CatalogResolver.access(entry));
        }
        entry.installInfo().ifPresent(install -> {
            line(text, "Requires local overrides", install.requiresLocalOverrides() ? "yes (pass --env-file)" : "no");
            if (!install.inputs().isEmpty()) {
                text.append("Inputs:\n");
                for (CatalogEntry.Input input : install.inputs()) {
                    text.append("  ").append(input.name()).append("  ").append(input.required() ? "required" : "optional")
                            .append("  ").append(input.source() == null ? "-" : input.source())
                            .append(input.sensitive() ? "  sensitive" : "")
                            .append(input.description() == null ? "" : "  " + input.description()).append('\n');
                }
            }
        });
        if (!entry.tags().isEmpty()) {
            line(text, "Tags", String.join(", ", entry.tags()));
        }
        return text.toString();
    }

    private static void line(StringBuilder text, String key, String value) {
        text.append(key).append(": ").append(value.replaceAll("[\\r\\n]+", " ")).append('\n');
    }
}
