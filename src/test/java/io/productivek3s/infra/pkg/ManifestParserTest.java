package io.productivek3s.infra.pkg;

import static io.productivek3s.infra.pkg.ProfileArchiveScanTest.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestParserTest {
    /** The target format of docs/contract/package.md#profileyaml. */
    static final String FULL = """
            apiVersion: infra.productive-k3s.io/v1
            kind: Profile
            metadata:
              name: on-prem-basic
              version: 0.1.0
              category: edge
            spec:
              scenario:
                type: onprem-basic
              engine:
                type: ansible
              execution:
                installScript: scripts/install.sh
              runtime:
                os: [linux, darwin]
                architectures:
                  - amd64
                  - arm64
              inputs:
                - name: ONPREM_SERVER_IP
                  required: true
                  sensitive: false
                  source: local-override
                  description: Server host or IP for the on-prem cluster
                - name: ONPREM_TOKEN
                  sensitive: true
              compatibility:                       # optional [0.9.65]
                requires:
                  infra: {contract: profile/v1, minEngineVersion: 0.9.65, maxEngineVersionExclusive: 0.10.0}
                  core:  {minVersion: 0.9.6, maxVersionExclusive: 0.10.0}
                testedWith:
                  infra:
                    - {release: 0.9.65-0.9.6, core: 0.9.6}
            """;

    static ProfileManifest parse(String yaml) {
        return ManifestParser.parse(yaml.getBytes(StandardCharsets.UTF_8));
    }

    static void assertRejected(String yaml, String message) {
        assertInvalid(() -> parse(yaml), message);
    }

    /** A valid minimal manifest with {@code extraSpec} appended under {@code spec:} (2-space indented lines). */
    static String withSpec(String extraSpec) {
        return """
                metadata:
                  name: demo
                spec:
                  scenario:
                    type: demo
                  engine:
                    type: shell
                  execution:
                    installScript: scripts/install.sh
                """ + extraSpec;
    }

    static String withInputs(String items) {
        return withSpec("  inputs:\n" + items.indent(4));
    }

    @Test
    void parsesTheTargetFormat() {
        ProfileManifest m = parse(FULL);
        assertThat(m.apiVersion()).isEqualTo("infra.productive-k3s.io/v1");
        assertThat(m.kind()).isEqualTo("Profile");
        assertThat(m.name()).isEqualTo("on-prem-basic");
        assertThat(m.version()).isEqualTo("0.1.0");
        assertThat(m.category()).isEqualTo("edge");
        assertThat(m.scenarioType()).isEqualTo("onprem-basic");
        assertThat(m.engineType()).isEqualTo("ansible");
        assertThat(m.installScript()).isEqualTo("scripts/install.sh");
        assertThat(m.runtimeOs()).containsExactly("linux", "darwin");
        assertThat(m.runtimeArchitectures()).containsExactly("amd64", "arm64");
        assertThat(m.inputs()).containsExactly(
                new ProfileInput("ONPREM_SERVER_IP", true, false, InputSource.LOCAL_OVERRIDE,
                        "Server host or IP for the on-prem cluster"),
                new ProfileInput("ONPREM_TOKEN", false, true, InputSource.EITHER, ""));
        assertThat(m.compatibility()).contains(new CompatibilitySpec("profile/v1", "0.9.65", "0.10.0", "0.9.6",
                "0.10.0", java.util.List.of(new TestedWith("0.9.65-0.9.6", "0.9.6"))));
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void optionalKeysMayBeAbsent() {
        ProfileManifest m = parse(withSpec(""));
        assertThat(m.apiVersion()).isNull();
        assertThat(m.kind()).isNull();
        assertThat(m.version()).isNull();
        assertThat(m.category()).isNull();
        assertThat(m.inputs()).isEmpty();
        assertThat(m.compatibility()).isEmpty();
        assertThat(m.runtimeOs()).isEmpty();
    }

    @Test
    void requiredKeysAreReportedInContractOrder() {
        assertRejected("{}", "profile package metadata.name is required");
        assertRejected("metadata: {name: ''}\n", "profile package metadata.name is required");
        assertRejected("metadata: {name: ~}\n", "profile package metadata.name is required");
        assertRejected("metadata: {name: demo}\n", "profile package spec.scenario.type is required");
        assertRejected("metadata: {name: demo}\nspec: {scenario: {type: demo}}\n",
                "profile package spec.engine.type is required");
        assertRejected("metadata: {name: demo}\nspec: {scenario: {type: demo}, engine: {type: shell}}\n",
                "profile package spec.execution.installScript is required");
        assertRejected("""
                metadata: {name: demo}
                spec: {scenario: {type: demo}, engine: {type: shell}, execution: {installScript: ""}}
                """, "profile package spec.execution.installScript is required");
    }

    @Test
    void presenceChecksComeBeforeValueChecks() {
        // invalid name and invalid engine, but the scenario is missing: presence first
        assertRejected("metadata: {name: ../x}\nspec: {engine: {type: bash}}\n",
                "profile package spec.scenario.type is required");
        assertRejected("""
                metadata: {name: ../x}
                spec: {scenario: {type: demo}, engine: {type: bash}, execution: {installScript: /abs}}
                """, "profile package metadata.name is invalid: ../x");
        assertRejected("""
                metadata: {name: demo}
                spec: {scenario: {type: demo}, engine: {type: bash}, execution: {installScript: /abs}}
                inputs: [{name: 1BAD}]
                """, "unsupported profile package engine: bash");
    }

    @Test
    void apiVersionAndKindAreCheckedFirstWhenPresent() {
        assertRejected("apiVersion: infra.productive-k3s.io/v2\n", "profile package apiVersion is unsupported: "
                + "infra.productive-k3s.io/v2");
        assertRejected("kind: Catalog\n", "profile package kind is unsupported: Catalog");
        assertRejected("apiVersion: infra.productive-k3s.io/v1\nkind: Profile\n",
                "profile package metadata.name is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../../../x/victim", "-lead", ".hidden", "has space", "a/b", "é"})
    void unsafeProfileNamesAreRejected(String name) {
        String yaml = withSpec("").replace("name: demo", "name: '" + name + "'");
        assertRejected(yaml, "profile package metadata.name is invalid: " + name);
    }

    @Test
    void profileNameLengthIsBounded() {
        String ok = "a".repeat(128);
        assertThat(parse(withSpec("").replace("name: demo", "name: " + ok)).name()).isEqualTo(ok);
        assertRejected(withSpec("").replace("name: demo", "name: " + ok + "b"),
                "profile package metadata.name is invalid: " + ok + "b");
    }

    @Test
    void engineMustBeKnownAndCaseSensitive() {
        assertRejected(withSpec("").replace("type: shell", "type: Ansible"), "unsupported profile package engine: Ansible");
        for (String engine : new String[] {"opentofu", "ansible", "shell"}) {
            assertThat(parse(withSpec("").replace("type: shell", "type: " + engine)).engineType()).isEqualTo(engine);
        }
    }

    @Test
    void fourSpaceIndentationIsFine() {
        ProfileManifest m = parse("""
                metadata:
                    name: four
                spec:
                    scenario:
                        type: onprem
                    engine:
                        type: shell
                    execution:
                        installScript: scripts/install.sh
                    inputs:
                        -   name: A
                            required: true
                """);
        assertThat(m.name()).isEqualTo("four");
        assertThat(m.scenarioType()).isEqualTo("onprem");
        assertThat(m.inputs()).extracting(ProfileInput::name).containsExactly("A");
    }

    @Test
    void crlfLineEndingsAreFine() {
        ProfileManifest m = parse(FULL.replace("\n", "\r\n"));
        assertThat(m.engineType()).isEqualTo("ansible");
        assertThat(m.inputs().get(0).source()).isEqualTo(InputSource.LOCAL_OVERRIDE);
    }

    @Test
    void byteOrderMarkIsAccepted() {
        byte[] yaml = ("\uFEFF" + FULL).getBytes(StandardCharsets.UTF_8);
        assertThat(ManifestParser.parse(yaml).name()).isEqualTo("on-prem-basic");
    }

    @Test
    void commentsAndQuotesAreFine() {
        ProfileManifest m = parse("""
                # leading comment
                metadata:
                  name: "quoted-name"   # trailing comment
                  version: '0.1.0'
                spec:
                  scenario: {type: 'onprem-basic'}  # flow mapping
                  engine:
                    type: "ansible"
                  execution:
                    installScript: 'scripts/install.sh'
                  inputs:
                    - {name: "A_1", required: "true", sensitive: 'false', source: "package-default", description: 'it''s'}
                    - name: B
                      description: "hash # not a comment"
                """);
        assertThat(m.name()).isEqualTo("quoted-name");
        assertThat(m.version()).isEqualTo("0.1.0");
        assertThat(m.scenarioType()).isEqualTo("onprem-basic");
        assertThat(m.installScript()).isEqualTo("scripts/install.sh");
        assertThat(m.inputs()).containsExactly(
                new ProfileInput("A_1", true, false, InputSource.PACKAGE_DEFAULT, "it's"),
                new ProfileInput("B", false, false, InputSource.EITHER, "hash # not a comment"));
    }

    @Test
    void wholeDocumentInFlowStyle() {
        ProfileManifest m = parse("{metadata: {name: flow, version: 1.0}, spec: {scenario: {type: multipass}, "
                + "engine: {type: opentofu}, execution: {installScript: scripts/install.sh}, inputs: [{name: X}]}}");
        assertThat(m.name()).isEqualTo("flow");
        assertThat(m.version()).as("raw scalar text, not a float").isEqualTo("1.0");
        assertThat(m.inputs()).hasSize(1);
    }

    @Test
    void unknownKeysAreIgnored() {
        assertThat(parse(withSpec("  future: {anything: [1, 2]}\n") + "status: {}\n").name()).isEqualTo("demo");
    }

    @Test
    void duplicateKeysAreNotValidYaml() {
        assertRejected("metadata:\n  name: a\n  name: b\n",
                "profile package profile.yaml is not valid YAML: duplicate key 'name' at line 3, column 3");
        assertRejected("spec: {}\nspec: {}\n",
                "profile package profile.yaml is not valid YAML: duplicate key 'spec' at line 2, column 1");
        assertRejected(withInputs("- name: A\n  required: true\n  required: false\n"),
                "profile package profile.yaml is not valid YAML: duplicate key 'required' at line 13, column 7");
    }

    @Test
    void malformedDocumentsAreNotValidYaml() {
        assertRejected("metadata:\n  name: [unclosed\n", "profile package profile.yaml is not valid YAML: "
                + "expected ',' or ']', but got <stream end> at line 3, column 1");
    }

    @Test
    void yamlErrorsAreOneLine() {
        for (String bad : new String[] {"metadata:\n  name: [unclosed\n", "a: b: c\n", "\tmetadata: x\n",
                "key: 'unterminated\n", "- a\nb: c\n"}) {
            assertInvalidYaml(bad);
        }
    }

    private static void assertInvalidYaml(String yaml) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(io.productivek3s.infra.EngineException.class)
                .hasMessageStartingWith("profile package profile.yaml is not valid YAML: ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").hasSizeLessThan(300));
    }

    @Test
    void exactlyOneMappingDocument() {
        assertRejected("", "profile package profile.yaml is not valid YAML: the file contains no YAML document");
        assertRejected("# only a comment\n",
                "profile package profile.yaml is not valid YAML: the file contains no YAML document");
        assertRejected(withSpec("") + "---\nmetadata: {name: other}\n",
                "profile package profile.yaml is not valid YAML: the file contains more than one YAML document");
        assertRejected("- a\n- b\n", "profile package profile.yaml is not valid YAML: the top level is not a mapping");
        assertRejected("just text\n", "profile package profile.yaml is not valid YAML: the top level is not a mapping");
    }

    @Test
    void invalidUtf8IsNotValidYaml() {
        byte[] bytes = {'a', ':', ' ', (byte) 0xC3, (byte) 0x28, '\n'};
        assertInvalid(() -> ManifestParser.parse(bytes),
                "profile package profile.yaml is not valid YAML: the file is not valid UTF-8");
    }

    @Test
    void aliasBombIsNotValidYaml() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            char prev = (char) (c - 1);
            yaml.append(c).append(": &").append(c).append(" [").append(("*" + prev + ", ").repeat(9)).append("]\n");
        }
        assertInvalidYaml(yaml.toString());
    }

    @Test
    void deepNestingIsNotValidYaml() {
        assertInvalidYaml("a: " + "[".repeat(200_000) + "]".repeat(200_000) + "\n");
    }

    @Test
    void nonScalarWhereAScalarIsExpected() {
        assertRejected("metadata: {name: {first: a}}\n", "profile package metadata.name must be a scalar value");
        assertRejected(withSpec("").replace("type: demo", "type: [a, b]"),
                "profile package spec.scenario.type must be a scalar value");
        assertRejected("apiVersion: [v1]\n", "profile package apiVersion must be a scalar value");
        assertRejected("metadata: [name]\n", "profile package metadata.name is required");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "required: yes|required|yes",
            "required: True|required|True",
            "required: on|required|on",
            "required: 'yes'|required|yes",
            "required: 1|required|1",
            "required: TRUE|required|TRUE",
            "required: ''|required|''",
            "required: [true]|required|[...]",
            "sensitive: no|sensitive|no",
            "sensitive: False|sensitive|False",
            "source: default|source|default",
            "source: Local-Override|source|Local-Override",
            "source: {a: b}|source|{...}",
            "description: {a: b}|description|{...}"})
    void strictInputValues(String line, String field, String shown) {
        String expected = shown.equals("''") ? "" : shown;
        assertRejected(withInputs("- name: X\n  " + line + "\n"),
                "profile package input 'X' has invalid " + field + " value: " + expected);
    }

    @Test
    void booleansAcceptExactTextQuotedOrPlain() {
        ProfileManifest m = parse(withInputs("""
                - {name: A, required: true, sensitive: false}
                - {name: B, required: "true", sensitive: 'true'}
                - {name: C, required: false, sensitive: ~}
                - {name: D, required:, source: either}
                """));
        assertThat(m.inputs()).extracting(ProfileInput::required).containsExactly(true, true, false, false);
        assertThat(m.inputs()).extracting(ProfileInput::sensitive).containsExactly(false, true, false, false);
    }

    @Test
    void inputChecksRunInOrder() {
        assertRejected(withInputs("- required: true\n"), "profile package input name is required");
        assertRejected(withInputs("- name: ''\n"), "profile package input name is required");
        assertRejected(withInputs("- JUST_A_STRING\n"), "profile package input name is required");
        assertRejected(withInputs("- name: 1ABC\n"), "profile package input name is invalid: 1ABC");
        assertRejected(withInputs("- name: A-B\n"), "profile package input name is invalid: A-B");
        assertRejected(withInputs("- name: {x: y}\n"), "profile package input name is invalid: {...}");
        assertRejected(withInputs("- name: A\n- name: B\n- name: A\n"),
                "profile package input 'A' is declared more than once");
        // required is checked before sensitive, sensitive before source
        assertRejected(withInputs("- {name: A, required: yes, sensitive: no, source: x}\n"),
                "profile package input 'A' has invalid required value: yes");
        assertRejected(withInputs("- {name: A, sensitive: no, source: x}\n"),
                "profile package input 'A' has invalid sensitive value: no");
        // the first bad input wins even if a later one is worse
        assertRejected(withInputs("- {name: A, source: x}\n- {name: 2}\n"),
                "profile package input 'A' has invalid source value: x");
    }

    @Test
    void inputsMustBeAList() {
        assertRejected(withSpec("  inputs: {name: A}\n"), "profile package spec.inputs must be a list");
        assertThat(parse(withSpec("  inputs: []\n")).inputs()).isEmpty();
        assertThat(parse(withSpec("  inputs:\n")).inputs()).isEmpty();
    }

    @Test
    void topLevelInputsAreUsedWithAWarning() {
        ProfileManifest m = parse(withSpec("") + "inputs:\n  - name: LEGACY\n    required: true\n");
        assertThat(m.inputs()).extracting(ProfileInput::name).containsExactly("LEGACY");
        assertThat(m.warnings()).containsExactly(
                "profile package declares inputs at the top level; treating them as spec.inputs");
    }

    @Test
    void specInputsWinOverTopLevelOnes() {
        ProfileManifest m = parse(withSpec("  inputs: [{name: NESTED}]\n") + "inputs: [{name: LEGACY}]\n");
        assertThat(m.inputs()).extracting(ProfileInput::name).containsExactly("NESTED");
        assertThat(m.warnings()).isEmpty();
    }

    @Test
    void topLevelCompatibilityIsUsedWithAWarning() {
        ProfileManifest m = parse(withSpec("") + """
                compatibility:
                  requires:
                    infra: {contract: profile/v1, minEngineVersion: 0.9.65, maxEngineVersionExclusive: 0.10.0}
                inputs: [{name: A}]
                """);
        assertThat(m.compatibility()).hasValueSatisfying(c -> {
            assertThat(c.minEngineVersion()).isEqualTo("0.9.65");
            assertThat(c.coreMinVersion()).isNull();
            assertThat(c.testedWith()).isEmpty();
        });
        assertThat(m.warnings()).containsExactly(
                "profile package declares inputs at the top level; treating them as spec.inputs",
                "profile package declares compatibility at the top level; treating it as spec.compatibility");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "/etc/x", "a/../../b", "a/../b", "scripts/..", ".", "./", "//etc/x"})
    void installScriptMustStayInsideThePackage(String script) {
        assertRejected(withSpec("").replace("installScript: scripts/install.sh", "installScript: '" + script + "'"),
                "profile package install script escapes the package: " + script);
    }

    @Test
    void installScriptIsKeptAsWrittenWhenConfined() {
        ProfileManifest m = parse(withSpec("").replace("scripts/install.sh", "./scripts//install.sh"));
        assertThat(m.installScript()).isEqualTo("./scripts//install.sh");
    }

    @Test
    void inputsAreCheckedBeforeInstallScriptAndInstallScriptBeforeCompatibility() {
        String bad = withSpec("  inputs: [{name: A, required: yes}]\n  compatibility: {requires: {core: {minVersion: x}}}\n")
                .replace("scripts/install.sh", "/abs");
        assertRejected(bad, "profile package input 'A' has invalid required value: yes");
        assertRejected(bad.replace("required: yes", "required: true"),
                "profile package install script escapes the package: /abs");
        assertRejected(bad.replace("required: yes", "required: true").replace("/abs", "ok.sh"),
                "profile package compatibility has invalid version: x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.9", "v0.9.65", "0.10.0-rc1", "1.2.3.4", "'01.2.x'", "latest"})
    void compatibilityVersionsMustBeXyz(String version) {
        String shown = version.replace("'", "");
        assertRejected(withSpec("  compatibility:\n    requires:\n      infra:\n        minEngineVersion: "
                + version + "\n"), "profile package compatibility has invalid version: " + shown);
        assertRejected(withSpec("  compatibility:\n    requires:\n      core:\n        maxVersionExclusive: "
                + version + "\n"), "profile package compatibility has invalid version: " + shown);
    }

    @Test
    void compatibilityWindowsMustBeNonEmpty() {
        assertRejected(withSpec("  compatibility: {requires: {infra: {minEngineVersion: 0.10.0, "
                + "maxEngineVersionExclusive: 0.9.65}}}\n"),
                "profile package compatibility has invalid version: 0.9.65 is not above 0.10.0");
        assertRejected(withSpec("  compatibility: {requires: {core: {minVersion: 0.9.6, maxVersionExclusive: 0.9.6}}}\n"),
                "profile package compatibility has invalid version: 0.9.6 is not above 0.9.6");
        assertThat(parse(withSpec("  compatibility: {requires: {core: {minVersion: 0.9.6, "
                + "maxVersionExclusive: 0.9.7}}}\n")).compatibility()).isPresent();
    }

    @Test
    void compatibilityShapeIsChecked() {
        assertRejected(withSpec("  compatibility: [a]\n"), "profile package spec.compatibility must be a mapping");
        assertRejected(withSpec("  compatibility: {requires: {infra: profile/v1}}\n"),
                "profile package spec.compatibility.requires.infra must be a mapping");
        assertThat(parse(withSpec("  compatibility: {}\n")).compatibility())
                .contains(new CompatibilitySpec(null, null, null, null, null, java.util.List.of()));
        assertThat(parse(withSpec("  compatibility:\n")).compatibility()).isEmpty();
    }

    @Test
    void unknownContractIsLeftToTheGate() {
        assertThat(parse(withSpec("  compatibility: {requires: {infra: {contract: profile/v2}}}\n"))
                .compatibility().orElseThrow().contract()).isEqualTo("profile/v2");
    }

    @Test
    void controlCharactersInEchoedValuesAreEscaped() {
        assertRejected(withSpec("").replace("name: demo", "name: \"bad\\nname\""),
                "profile package metadata.name is invalid: bad\\nname");
    }
}
