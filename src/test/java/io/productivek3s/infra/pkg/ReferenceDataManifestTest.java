package io.productivek3s.infra.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** Upstream-shaped sidecars and catalog inputs (fixtures, plus opt-in reference data), wrapped into manifests the way packages carry them. */
class ReferenceDataManifestTest {
    private static final String HEAD = """
            apiVersion: infra.productive-k3s.io/v1
            kind: Profile
            metadata:
              name: exported-profile
              version: exported
            spec:
              scenario:
                type: multipass
              engine:
                type: opentofu
              execution:
                installScript: scripts/install.sh
            """;

    private static List<Path> sidecars() throws IOException {
        List<Path> all = new java.util.ArrayList<>();
        for (Path root : io.productivek3s.infra.testing.Repo.shapeRoots()) {
            try (Stream<Path> walk = Files.walk(root.resolve("productive-k3s-profiles"))) {
                all.addAll(walk.filter(p -> p.getFileName().toString().endsWith(".package.yaml")).sorted().toList());
            }
        }
        return all;
    }

    private static int declaredItems(String sidecar) {
        return (int) sidecar.lines().filter(l -> l.startsWith("  - name: ")).count();
    }

    @Test
    void sidecarsAppendedAtTopLevelParseWithLegacyWarnings() throws IOException {
        List<Path> sidecars = sidecars();
        assertThat(sidecars).hasSizeGreaterThanOrEqualTo(5);
        for (Path sidecar : sidecars) {
            String text = Files.readString(sidecar);
            // What the bash normalization produced (D21): the sidecar pasted after spec, at column 0.
            ProfileManifest m = ManifestParser.parse((HEAD + text).getBytes(StandardCharsets.UTF_8));
            assertThat(m.inputs()).as(sidecar.toString()).hasSize(declaredItems(text)).allSatisfy(input -> {
                assertThat(input.required()).isTrue();
                assertThat(input.sensitive()).isFalse();
                assertThat(input.source()).isIn(InputSource.PACKAGE_DEFAULT, InputSource.LOCAL_OVERRIDE);
                assertThat(input.description()).isNotBlank();
            });
            assertThat(m.warnings()).contains(ManifestParser.TOP_LEVEL_INPUTS_WARNING);
            assertThat(m.warnings().contains(ManifestParser.TOP_LEVEL_COMPATIBILITY_WARNING))
                    .isEqualTo(text.contains("compatibility:"));
        }
    }

    @Test
    void sidecarsNestedUnderSpecParseWithoutWarnings() throws IOException {
        for (Path sidecar : sidecars()) {
            String text = Files.readString(sidecar);
            ProfileManifest m = ManifestParser.parse((HEAD + text.indent(2)).getBytes(StandardCharsets.UTF_8));
            assertThat(m.inputs()).as(sidecar.toString()).hasSize(declaredItems(text));
            assertThat(m.warnings()).isEmpty();
        }
    }

    @Test
    void newerSidecarCarriesTheCompatibilityWindow() throws IOException {
        Path sidecar = io.productivek3s.infra.testing.Repo.fixture(
                "productive-k3s-profiles/upstream-newer/profiles/local/multipass-single-node/basic.package.yaml");
        ProfileManifest m = ManifestParser.parse((HEAD + Files.readString(sidecar).indent(2))
                .getBytes(StandardCharsets.UTF_8));
        assertThat(m.compatibility()).contains(new CompatibilitySpec("profile/v1", "0.9.65", "0.10.0", "0.9.6",
                "0.10.0", List.of(new TestedWith("0.9.65-0.9.6", "0.9.6"))));
        assertThat(m.inputs()).extracting(ProfileInput::name).containsExactly("TF_VAR_cluster_name", "TF_VAR_image",
                "TF_VAR_base_domain", "TF_VAR_agent_count");
        assertThat(CompatibilityGate.evaluate(m, "0.9.65-0.9.6", null, java.util.Optional.of("0.9.6")).passed())
                .isTrue();
    }

    @Test
    @SuppressWarnings("unchecked")
    void catalogProfileEntriesParseAsSpecInputsAndCompatibility() throws IOException {
        Path index = io.productivek3s.infra.testing.Repo.fixture("productive-k3s-catalogs/catalogs/0.9.65/index.yaml");
        Map<String, Object> catalog = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(index));
        Dump dump = new Dump(DumpSettings.builder().build());
        int profiles = 0;
        for (Object raw : (List<Object>) catalog.get("entries")) {
            Map<String, Object> entry = (Map<String, Object>) raw;
            if (!"profile".equals(entry.get("kind"))) {
                continue;
            }
            profiles++;
            Map<String, Object> install = (Map<String, Object>) entry.get("install");
            List<Object> inputs = (List<Object>) install.get("inputs");
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("scenario", Map.of("type", entry.get("name")));
            spec.put("engine", Map.of("type", "opentofu"));
            spec.put("execution", Map.of("installScript", "scripts/install.sh"));
            spec.put("inputs", inputs);
            spec.put("compatibility", entry.get("compatibility"));
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("apiVersion", ManifestParser.API_VERSION);
            manifest.put("kind", ManifestParser.KIND);
            manifest.put("metadata", Map.of("name", entry.get("name"), "version", entry.get("version")));
            manifest.put("spec", spec);

            ProfileManifest m = ManifestParser.parse(dump.dumpToString(manifest).getBytes(StandardCharsets.UTF_8));
            assertThat(m.inputs()).as((String) entry.get("name")).hasSize(inputs.size());
            assertThat(m.compatibility()).hasValueSatisfying(c -> {
                assertThat(c.contract()).isEqualTo("profile/v1");
                assertThat(c.minEngineVersion()).isEqualTo("0.9.65");
                assertThat(c.maxEngineVersionExclusive()).isEqualTo("0.10.0");
            });
            if (entry.get("name").equals("hetzner-basic")) {
                assertThat(m.inputs().get(0)).isEqualTo(new ProfileInput("HCLOUD_TOKEN", true, true,
                        InputSource.LOCAL_OVERRIDE, "Hetzner Cloud API token used by the OpenTofu provider"));
            }
        }
        assertThat(profiles).isGreaterThanOrEqualTo(3);
    }
}
