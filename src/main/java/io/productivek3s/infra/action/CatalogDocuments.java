package io.productivek3s.infra.action;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.catalog.CatalogEntry;
import io.productivek3s.infra.catalog.CatalogIndex;
import io.productivek3s.infra.catalog.CatalogResolver;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.Timestamps;
import java.util.ArrayList;
import java.util.List;

/**
 * Output of {@code catalog list|show}: JSON keeps the catalog's own field names (an entry reads like its
 * {@code index.yaml} item); text is a table / a key-value sheet for people.
 */
final class CatalogDocuments {
    private CatalogDocuments() {
    }

    static ObjectNode catalog(CatalogIndex index) {
        ObjectNode node = Json.object();
        node.put("source", index.source());
        node.put("name", index.name());
        putNullable(node, "version", index.version());
        node.put("generatedAt", Timestamps.iso(index.generatedAt()));
        node.put("sha256", index.sha256());
        node.put("verified", index.verified());
        return node;
    }

    static ObjectNode entry(CatalogEntry entry) {
        ObjectNode node = Json.object();
        node.put("id", entry.id());
        node.put("name", entry.name());
        node.put("kind", entry.kind());
        node.put("visibility", entry.visibility());
        node.put("category", entry.category());
        node.put("description", entry.description());
        putNullable(node, "version", entry.version());
        putNullable(node, "sourceRepository", entry.sourceRepository());
        ObjectNode artifact = node.putObject("artifact");
        artifact.put("type", entry.artifactType());
        putNullable(artifact, "url", entry.artifactUrl());
        if (entry.artifactSha256() != null) {
            artifact.put("sha256", entry.artifactSha256());
        }
        if (entry.commercial() != null) {
            ObjectNode commercial = node.putObject("commercial");
            putNullable(commercial, "label", entry.commercial().label());
            putNullable(commercial, "url", entry.commercial().url());
        }
        entry.installInfo().ifPresent(install -> {
            ObjectNode node2 = node.putObject("install");
            node2.put("requiresLocalOverrides", install.requiresLocalOverrides());
            ArrayNode inputs = node2.putArray("inputs");
            for (CatalogEntry.Input input : install.inputs()) {
                ObjectNode item = inputs.addObject();
                item.put("name", input.name());
                item.put("required", input.required());
                item.put("sensitive", input.sensitive());
                putNullable(item, "source", input.source());
                putNullable(item, "description", input.description());
            }
        });
        ArrayNode tags = node.putArray("tags");
        entry.tags().forEach(tags::add);
        return node;
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

    private static void putNullable(ObjectNode node, String key, String value) {
        if (value == null) {
            node.putNull(key);
        } else {
            node.put(key, value);
        }
    }
}
