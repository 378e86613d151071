package io.productivek3s.infra.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** docs/catalogs.md#resolution steps 2–4. */
class CatalogResolverTest {
    private static final String CATALOG = CatalogParserTest.HEADER + """
              - id: shared
                name: shared
                kind: addon
                visibility: public
                category: platform
                description: "an addon with a profile's name"
                version: 9.9.9
                artifact:
                  type: tgz
                  url: https://downloads.example.test/addons/shared-9.9.9.tgz
              - id: demo-v1
                name: demo
                kind: profile
                visibility: public
                category: edge
                description: "demo 1"
                version: 1.0.0
                artifact:
                  type: tgz
                  url: https://downloads.example.test/infra/demo-1.0.0.tgz
                  sha256: %s
              - id: demo-v2
                name: demo
                kind: profile
                visibility: public
                category: edge
                description: "demo 2"
                version: 2.0.0
                artifact:
                  type: tgz
                  url: https://downloads.example.test/infra/demo-2.0.0.tgz
              - id: meta-only
                name: Display Name
                metadata:
                  name: by-metadata
                kind: profile
                visibility: public
                category: local
                description: "found through metadata.name"
                artifact:
                  type: zip
                  url: https://downloads.example.test/infra/meta.zip
              - id: pro
                name: pro
                kind: profile
                visibility: private
                category: edge
                description: "no public artifact"
                artifact:
                  type: tgz
                  url: null
              - id: shared
                name: shared-profile
                kind: profile
                visibility: public
                category: edge
                description: "same id as the addon: ids are unique per catalog, so this must fail to parse"
                artifact:
                  type: tgz
                  url: ftp://downloads.example.test/x.tgz
            """.formatted("cd".repeat(32));

    private final CatalogIndex index = CatalogParser.parse(CATALOG.substring(0, CATALOG.lastIndexOf("  - id: shared\n"))
            .getBytes(StandardCharsets.UTF_8), "t", false);

    private CatalogEntry find(String reference) {
        return CatalogResolver.find(index, CatalogReference.parse(reference));
    }

    @Test
    void firstProfileInFileOrderByNameIdOrMetadataName() {
        assertThat(find("demo").id()).isEqualTo("demo-v1");
        assertThat(find("demo-v2").id()).isEqualTo("demo-v2");
        assertThat(find("by-metadata").id()).isEqualTo("meta-only");
        assertThatThrownBy(() -> find("shared")).hasMessage("catalog has no profile 'shared'")
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3));
    }

    @Test
    void versionsMatchExactly() {
        assertThat(find("demo@2.0.0").id()).isEqualTo("demo-v2");
        assertThatThrownBy(() -> find("demo@2.0"))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(3))
                .hasMessage("catalog has no profile 'demo' at version '2.0'; it has 1.0.0, 2.0.0");
        assertThatThrownBy(() -> find("nothing@1")).hasMessage("catalog has no profile 'nothing'");
    }

    @Test
    void artifactsMustBeDownloadableTgz() {
        ArtifactCache.Request request = CatalogResolver.artifact(find("demo"), "demo", 100);
        assertThat(request.url().toString()).isEqualTo("https://downloads.example.test/infra/demo-1.0.0.tgz");
        assertThat(request.sha256()).hasValue("cd".repeat(32));
        assertThat(request.name()).isEqualTo("demo");
        assertThat(CatalogResolver.artifact(find("demo@2.0.0"), "demo", 100).sha256()).isEmpty();
        assertThatThrownBy(() -> CatalogResolver.artifact(find("by-metadata"), "by-metadata", 100))
                .hasMessage("catalog profile 'by-metadata' has unsupported artifact type: zip");
        assertThatThrownBy(() -> CatalogResolver.artifact(find("pro"), "pro", 100))
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4))
                .hasMessage("catalog profile 'pro' does not expose a downloadable tgz URL (private entry); ask the catalog publisher for access");
    }

    @Test
    void duplicateIdsAndOddSchemesAreCaught() {
        assertThatThrownBy(() -> CatalogParser.parse(CATALOG.getBytes(StandardCharsets.UTF_8), "t", false))
                .hasMessage("catalog t is invalid: entries[5].id is not unique: shared");
        CatalogIndex odd = CatalogParser.parse(CATALOG.replace("  - id: shared\n    name: shared-profile", "  - id: odd\n    name: odd")
                .getBytes(StandardCharsets.UTF_8), "t", false);
        assertThatThrownBy(() -> CatalogResolver.artifact(CatalogResolver.find(odd, CatalogReference.parse("odd")), "odd", 1))
                .hasMessage("catalog profile 'odd' has an unsupported artifact URL: ftp://downloads.example.test/x.tgz (http or https expected)");
    }
}
