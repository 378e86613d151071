package io.productivek3s.infra.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.testing.Repo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Catalogs shaped like the published ones (test fixtures) and the docs/catalogs.md#index-format rules. */
class CatalogParserTest {
    static final String HEADER = """
            apiVersion: catalogs.productive-k3s.io/v1alpha1
            kind: ProductiveK3SCatalog
            metadata:
              name: productive-k3s-catalog
              generatedAt: "2026-01-01T00:00:00Z"
            entries:
            """;

    static final String DEMO = """
              - id: demo
                name: demo
                kind: profile
                visibility: public
                category: edge
                description: "demo profile"
                version: 1.0.0
                artifact:
                  type: tgz
                  url: https://downloads.example.test/infra/demo-1.0.0.tgz
            """;

    private static Path catalogs() {
        return Repo.fixture("productive-k3s-catalogs");
    }

    private static CatalogIndex parse(Path file) throws Exception {
        return CatalogParser.parse(Files.readAllBytes(file), file.getFileName().toString(), false);
    }

    private static CatalogIndex parse(String yaml) {
        return CatalogParser.parse(yaml.getBytes(StandardCharsets.UTF_8), "test.yaml", false);
    }

    @Test
    void versionedCatalogOf0965() throws Exception {
        CatalogIndex index = parse(catalogs().resolve("catalogs/0.9.65/index.yaml"));
        assertThat(index.version()).isEqualTo("0.9.65");
        assertThat(index.generatedAt()).isEqualTo("2026-10-02T15:44:40Z");
        assertThat(index.ofKind("profile")).hasSize(4).allSatisfy(entry -> {
            assertThat(entry.artifactSha256()).matches("[0-9a-f]{64}");
            assertThat(entry.downloadUrl()).hasValueSatisfying(url -> assertThat(url).startsWith("https://downloads.productive-k3s.io/infra/"));
        });
        CatalogEntry gcp = CatalogResolver.find(index, CatalogReference.parse("gcp-basic"));
        assertThat(gcp.artifactSha256()).isEqualTo("7ddd0cec655ce9eaff58a6b08737aa387a4142b267a61cf97a2128224b39fc2f");
        assertThat(gcp.install().requiresLocalOverrides()).isTrue();
        assertThat(gcp.install().inputs()).first().isEqualTo(new CatalogEntry.Input("GCP_PROJECT_ID", true, false,
                "local-override", "Google Cloud project id used for provisioning"));
        String published = Files.readString(catalogs().resolve("catalogs/0.9.65/index.yaml.sha256")).split("\\s+")[0];
        assertThat(index.sha256()).isEqualTo(published);
    }

    @Test
    void unversionedAndHistoricalCatalogs() throws Exception {
        CatalogIndex current = parse(catalogs().resolve("catalogs/index.yaml"));
        assertThat(current.version()).isNull();
        assertThat(current.ofKind("profile")).extracting(CatalogEntry::version).containsOnly("594a7c9");
        assertThat(current.ofKind("addon")).isNotEmpty();

        CatalogIndex composite = parse(catalogs().resolve("history/index.f1bd5d5.yaml"));
        assertThat(composite.ofKind("profile")).extracting(CatalogEntry::version).containsOnly("0.9.62-0.9.4");

        CatalogIndex initial = parse(catalogs().resolve("history/index.7b4d314.yaml"));
        assertThat(initial.ofKind("scenario")).extracting(CatalogEntry::id).containsExactly("aws-single-node");
        CatalogEntry pro = CatalogResolver.find(initial, CatalogReference.parse("edge-arm-pro"));
        assertThat(pro.name()).isEqualTo("Edge ARM Pro");
        assertThat(pro.artifactUrl()).isNull();
        assertThat(pro.commercial()).isEqualTo(new CatalogEntry.Commercial("Request access", "https://productive-k3s.io/contact/"));
    }

    @Test
    void scalarsKeepTheirText() {
        CatalogIndex index = parse(HEADER + DEMO.replace("version: 1.0.0", "version: 0.10")
                .replace("url: https://downloads.example.test/infra/demo-1.0.0.tgz",
                        "url: https://downloads.example.test/infra/demo-1.0.0.tgz\n      sha256: " + "AB".repeat(32)));
        assertThat(index.entries().get(0).version()).isEqualTo("0.10");
        assertThat(index.entries().get(0).artifactSha256()).isEqualTo("ab".repeat(32));
    }

    @Test
    void structuralProblemsAreExit4WithTheirPath() {
        assertInvalid(HEADER.replace("v1alpha1", "v2") + DEMO, "catalog test.yaml is invalid: apiVersion is unsupported: catalogs.productive-k3s.io/v2");
        assertInvalid(HEADER.replace("kind: ProductiveK3SCatalog", "kind: Other") + DEMO, "catalog test.yaml is invalid: kind is unsupported: Other");
        assertInvalid(HEADER + DEMO.replace("    category: edge\n", ""), "catalog test.yaml is invalid: entries[0].category is required");
        assertInvalid(HEADER + DEMO.replace("url: https://downloads.example.test/infra/demo-1.0.0.tgz", "url: null"),
                "catalog test.yaml is invalid: entries[0].artifact.url is required for a public entry");
        assertInvalid(HEADER + DEMO + DEMO, "catalog test.yaml is invalid: entries[1].id is not unique: demo");
        assertInvalid(HEADER + DEMO.replace("      type: tgz\n", "      type: tgz\n      sha256: nope\n"),
                "catalog test.yaml is invalid: entries[0].artifact.sha256 is not a sha256 digest: nope");
        assertInvalid(HEADER + DEMO.replace("    kind: profile\n", "    kind: profile\n    kind: addon\n"),
                "catalog test.yaml is invalid: entries[0] has a duplicate key 'kind'");
        assertInvalid(HEADER.replace("entries:\n", ""), "catalog test.yaml is invalid: entries is required and must be a list");
        assertInvalid("entries: [", "catalog test.yaml is not valid YAML: ");
        assertInvalid("- a\n- b\n", "catalog test.yaml is not valid YAML: the top level is not a mapping");
    }

    @Test
    void protectedEntriesMayOmitTheUrl() {
        CatalogIndex index = parse(HEADER + DEMO.replace("visibility: public", "visibility: protected")
                .replace("url: https://downloads.example.test/infra/demo-1.0.0.tgz", "url: null"));
        assertThat(index.entries().get(0).downloadUrl()).isEmpty();
    }

    private static void assertInvalid(String yaml, String messageStart) {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(EngineException.class)
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4))
                .hasMessageStartingWith(messageStart);
    }
}
