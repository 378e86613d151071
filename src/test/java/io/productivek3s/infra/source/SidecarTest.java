package io.productivek3s.infra.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.pkg.InputSource;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.ProfileInput;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.testing.Repo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sidecar parsing and the emitted {@code profile.yaml} (docs/contract/source.md#normalized-package, D21), checked with the package parser. */
class SidecarTest {
    @TempDir
    Path dir;

    @Test
    void upstreamSidecarsBecomeSpecInputsAndCompatibility() throws Exception {
        Path reference = Repo.fixture("productive-k3s-profiles");
        Path profile = Files.copy(reference.resolve("profiles/cloud/aws-single-node/basic.env"), dir.resolve("basic.env"));
        Files.copy(reference.resolve("upstream-newer/profiles/local/multipass-single-node/basic.package.yaml"), dir.resolve("basic.package.yaml"));
        Sidecar sidecar = Sidecar.forProfile(profile, "p/basic.env").orElseThrow();
        assertThat(sidecar.displayPath()).isEqualTo("p/basic.package.yaml");
        assertThat(sidecar.declaredInputs()).extracting(ProfileInput::name)
                .containsExactly("TF_VAR_cluster_name", "TF_VAR_image", "TF_VAR_base_domain", "TF_VAR_agent_count");

        ProfileManifest manifest = parse(fields("multipass-single-node", "exported"), sidecar);
        assertThat(manifest.warnings()).isEmpty();
        assertThat(manifest.inputs()).isEqualTo(sidecar.declaredInputs());
        assertThat(manifest.inputs().get(3)).isEqualTo(new ProfileInput("TF_VAR_agent_count", true, false, InputSource.PACKAGE_DEFAULT,
                "Number of Multipass agent nodes; 0 for single-node validation"));
        assertThat(manifest.compatibility()).hasValueSatisfying(c -> {
            assertThat(c.contract()).isEqualTo("profile/v1");
            assertThat(c.minEngineVersion()).isEqualTo("0.9.65");
            assertThat(c.coreMaxVersionExclusive()).isEqualTo("0.10.0");
            assertThat(c.testedWith()).hasSize(1);
        });
    }

    @Test
    void emittedValuesReadBackExactlyWhateverTheyContain() {
        String[] awkward = {"0.10", "yes", "true", "null", "~", "1e3", "a: b", "#hash", "- dash", "it's \"quoted\"", "tab\there", "",
            "ünïcode", "@at", "%pct", "x #y", "[1]", "{a}", "*star", "!bang", "&amp", "|pipe", ">gt", "'", "on", "No", "0x1F", "null"};
        for (String value : awkward) {
            String type = value.isEmpty() ? "t" : value;
            ProfileManifest manifest = ManifestParser.parse(SourceManifest.render(
                    new SourceManifest.Fields("n", value, value, type, "shell", "run.sh"), Optional.empty(), Optional.empty())
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(manifest.version()).as(value).isEqualTo(value.isEmpty() ? null : value);
            assertThat(manifest.category()).as(value).isEqualTo(value.isEmpty() ? null : value);
            assertThat(manifest.scenarioType()).as(value).isEqualTo(type);
        }
        // YAML 1.1 readers would take a plain yes/on as a boolean
        assertThat(SourceManifest.render(fields("on", "yes"), Optional.empty(), Optional.empty())).contains("  name: 'on'\n", "  version: 'yes'\n");
        String yaml = SourceManifest.render(fields("demo", "1.0"), Optional.empty(), Optional.empty());
        assertThat(yaml).isEqualTo("""
                apiVersion: infra.productive-k3s.io/v1
                kind: Profile
                metadata:
                  name: demo
                  version: '1.0'
                  category: edge
                spec:
                  scenario:
                    type: onprem-basic
                  engine:
                    type: ansible
                  execution:
                    installScript: scripts/install.sh
                """);
    }

    @Test
    void sidecarProblemsAreReportedAgainstTheSidecar() throws Exception {
        assertInvalid("inputs:\n  - name: A\n    required: yes\n", "profile sidecar s.package.yaml: input 'A' has invalid required value: yes");
        assertInvalid("inputs:\n  - name: 9x\n", "profile sidecar s.package.yaml: input name is invalid: 9x");
        assertInvalid("inputs:\n  - name: A\n  - name: A\n", "profile sidecar s.package.yaml: input 'A' is declared more than once");
        assertInvalid("inputs: {name: A}\n", "profile sidecar s.package.yaml: spec.inputs must be a list");
        assertInvalid("compatibility:\n  requires:\n    infra:\n      minEngineVersion: 0.9\n",
                "profile sidecar s.package.yaml: compatibility has invalid version: 0.9");
        assertInvalid("- inputs\n", "profile sidecar s.package.yaml is not valid YAML: the top level is not a mapping");
        assertInvalid("inputs: []\n---\ninputs: []\n", "profile sidecar s.package.yaml is not valid YAML: the file contains more than one YAML document");
        assertInvalid("inputs:\n  - name: A\n    name: B\n", "profile sidecar s.package.yaml is not valid YAML: duplicate key 'name' at line 3, column 5");
        assertInvalid("inputs: [\n", null);
    }

    @Test
    void emptyOrNullBlocksMeanNoInputs() throws Exception {
        for (String text : new String[] {"", "# only a comment\n", "inputs:\ncompatibility: ~\n"}) {
            Sidecar sidecar = Sidecar.load(Files.writeString(dir.resolve("s.package.yaml"), text), "s.package.yaml");
            assertThat(sidecar.inputs()).isEmpty();
            assertThat(sidecar.compatibility()).isEmpty();
            assertThat(sidecar.declaredInputs()).isEmpty();
        }
        assertThat(Sidecar.forProfile(Files.writeString(dir.resolve("lonely.env"), "A=1\n"), "lonely.env")).isEmpty();
        assertThat(Sidecar.forProfile(Files.writeString(dir.resolve("other.profile"), "A=1\n"), "other.profile")).isEmpty();
    }

    private void assertInvalid(String text, String message) throws Exception {
        Path file = Files.writeString(dir.resolve("s.package.yaml"), text);
        assertThatThrownBy(() -> Sidecar.load(file, "s.package.yaml")).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(4);
            if (message == null) {
                assertThat(e.getMessage()).startsWith("profile sidecar s.package.yaml is not valid YAML: ").doesNotContain("\n");
            } else {
                assertThat(e.getMessage()).isEqualTo(message);
            }
        });
    }

    private static SourceManifest.Fields fields(String name, String version) {
        return new SourceManifest.Fields(name, version, "edge", "onprem-basic", "ansible", "scripts/install.sh");
    }

    private static ProfileManifest parse(SourceManifest.Fields fields, Sidecar sidecar) {
        return ManifestParser.parse(SourceManifest.render(fields, sidecar.inputs(), sidecar.compatibility()).getBytes(StandardCharsets.UTF_8));
    }
}
