package io.productivek3s.infra.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scope, layering, guard, pins and provenance (docs/contract/env-files.md#lookup-and-precedence, docs/contract/env-files.md#values-the-files-cannot-change, docs/contract/env-files.md#rules). */
class EnvStackTest {
    private final List<String> warnings = new ArrayList<>();

    private EnvStack stack(Map<String, String> processEnv) {
        return new EnvStack(processEnv, warnings::add, false);
    }

    @Test
    void overrideReferencesPackageValuesInOneScope() {
        EnvStack stack = stack(Map.of("HOME", "/home/alice"));
        stack.loadText("A=from-pkg\nB=$HOME/.ssh/id\n", "profile.env", Layer.PACKAGE);
        EnvFile override = stack.loadText("C=$A-derived\n", "./site.env", Layer.OVERRIDE);

        assertThat(override.values()).containsExactly(Map.entry("C", "from-pkg-derived"));
        assertThat(stack.effective("B")).contains("/home/alice/.ssh/id");
    }

    @Test
    void referencesSeeOnlyAssignmentsMadeSoFar() {
        EnvStack stack = stack(Map.of("A", "process"));
        stack.loadText("B=$A\nA=file\nC=$A\n", "profile.env", Layer.PACKAGE);
        assertThat(stack.effective("B")).contains("process");
        assertThat(stack.effective("C")).contains("file");
    }

    @Test
    void precedenceIsOverrideThenPackageThenProcess() {
        EnvStack stack = stack(Map.of("P", "process", "Q", "process", "R", "process"));
        stack.loadText("Q=package\nR=package\n", "profile.env", Layer.PACKAGE);
        stack.loadText("R=override\n", "./site.env", Layer.OVERRIDE);

        assertThat(stack.effective("P")).contains("process");
        assertThat(stack.effective("Q")).contains("package");
        assertThat(stack.effective("R")).contains("override");
        assertThat(stack.effective("UNSET")).isEmpty();
        assertThat(stack.effectiveEnvironment()).containsEntry("P", "process").containsEntry("Q", "package")
                .containsEntry("R", "override");
    }

    @Test
    void defaultSyntaxKeepsANonEmptyProcessValue() {
        EnvStack stack = stack(Map.of("REGION", "eu-west-1", "EMPTY", ""));
        stack.loadText("REGION=${REGION:-us-east-1}\nEMPTY=${EMPTY:-fallback}\n", "profile.env", Layer.PACKAGE);
        assertThat(stack.effective("REGION")).contains("eu-west-1");
        assertThat(stack.effective("EMPTY")).contains("fallback");
    }

    @Test
    void fileValuesKeepFirstAssignmentOrderAndLatestValue() {
        EnvStack stack = stack(Map.of());
        stack.loadText("A=1\nB=2\n", "profile.env", Layer.PACKAGE);
        stack.loadText("C=3\nA=4\n", "./site.env", Layer.OVERRIDE);

        assertThat(stack.fileValues().keySet()).containsExactly("A", "B", "C");
        assertThat(stack.fileValues().get("A").value()).isEqualTo("4");
        assertThat(stack.fileValues().get("A").origin()).isEqualTo(new Origin(Layer.OVERRIDE, "./site.env", 2));
    }

    @Test
    void provenanceRecordsLayerFileAndStatementLine() {
        EnvStack stack = stack(Map.of());
        EnvFile file = stack.loadText("# c\nA='multi\nline'\nB=x\\\ny\n\nexport C=3\n", "./site.env", Layer.OVERRIDE);

        assertThat(file.assignments()).extracting(EnvValue::name, v -> v.origin().line())
                .containsExactly(tuple("A", 2), tuple("B", 4),
                        tuple("C", 7));
        assertThat(file.assignments().get(0).origin().describe()).isEqualTo("override ./site.env:2");
        assertThat(file.displayPath()).isEqualTo("./site.env");
        assertThat(file.layer()).isEqualTo(Layer.OVERRIDE);
        assertThat(Origin.process().describe()).isEqualTo("process environment");
        assertThat(new Origin(Layer.RELEASE, "scripts/release.env", 0).describe())
                .isEqualTo("release scripts/release.env");
        assertThat(new Origin(Layer.PACKAGE, "profile.env", 5).describe()).isEqualTo("package profile.env:5");
    }

    @Test
    void fileKeepsDuplicatesInAssignmentsAndLastValueInValues() {
        EnvFile file = stack(Map.of()).loadText("A=1\nA=2\n", "f.env", Layer.SOURCE);
        assertThat(file.assignments()).extracting(EnvValue::value).containsExactly("1", "2");
        assertThat(file.values()).containsExactly(Map.entry("A", "2"));
        assertThat(file.value("A")).contains("2");
        assertThat(file.value("B")).isEmpty();
    }

    @Test
    void assignsNonBlankLooksAtThisFileOnly() {
        EnvStack stack = stack(Map.of("FROM_PROCESS", "p"));
        stack.loadText("PKG=value\n", "profile.env", Layer.PACKAGE);
        EnvFile override = stack.loadText("""
                SET=value
                EMPTY=
                SPACES='   '
                TABS="\t \t"
                EXPANDS_EMPTY=$UNSET
                EXPANDS=${PKG}
                CLEARED=x
                CLEARED=
                """, "./site.env", Layer.OVERRIDE);

        assertThat(override.assignsNonBlank("SET")).isTrue();
        assertThat(override.assignsNonBlank("EXPANDS")).isTrue();
        assertThat(override.assignsNonBlank("EMPTY")).isFalse();
        assertThat(override.assignsNonBlank("SPACES")).isFalse();
        assertThat(override.assignsNonBlank("TABS")).isFalse();
        assertThat(override.assignsNonBlank("EXPANDS_EMPTY")).isFalse();
        assertThat(override.assignsNonBlank("CLEARED")).isFalse();
        assertThat(override.assignsNonBlank("PKG")).isFalse();
        assertThat(override.assignsNonBlank("FROM_PROCESS")).isFalse();
    }

    @Test
    void guardDropsAssignmentsFromScopeAndResult() {
        EnvStack stack = stack(Map.of());
        stack.loadText("PK3S_INFRA_SCENARIO=onprem-basic\n", "profile.env", Layer.PACKAGE);
        List<String> seen = new ArrayList<>();
        stack.setGuard((name, value, origin) -> {
            seen.add(name + "@" + origin.describe());
            return !Set.of("PK3S_INFRA_SCENARIO").contains(name);
        });
        EnvFile override = stack.loadText("PK3S_INFRA_SCENARIO=other\nB=$PK3S_INFRA_SCENARIO\n", "./site.env",
                Layer.OVERRIDE);

        assertThat(seen).containsExactly("PK3S_INFRA_SCENARIO@override ./site.env:1", "B@override ./site.env:2");
        assertThat(override.values()).containsExactly(Map.entry("B", "onprem-basic"));
        assertThat(stack.effective("PK3S_INFRA_SCENARIO")).contains("onprem-basic");
        assertThat(stack.fileValues().get("PK3S_INFRA_SCENARIO").origin().layer()).isEqualTo(Layer.PACKAGE);
    }

    @Test
    void guardIsConsultedOnlyForLaterLoads() {
        EnvStack stack = stack(Map.of());
        stack.loadText("A=1\n", "profile.env", Layer.PACKAGE);
        stack.setGuard((name, value, origin) -> false);
        stack.loadText("B=2\n", "./site.env", Layer.OVERRIDE);
        assertThat(stack.fileValues()).containsOnlyKeys("A");
    }

    @Test
    void pinEntersScopeAndResultsWithoutTheGuard() {
        EnvStack stack = stack(Map.of("PRODUCTIVE_K3S_VERSION", "0.9.1"));
        stack.setGuard((name, value, origin) -> false);
        Origin bound = new Origin(Layer.RELEASE, "scripts/release.env", 0);
        stack.pin("PRODUCTIVE_K3S_VERSION", "0.9.5", bound);
        stack.setGuard(null);
        EnvFile file = stack.loadText("SEEN=$PRODUCTIVE_K3S_VERSION\n", "profile.env", Layer.PACKAGE);

        assertThat(file.values()).containsEntry("SEEN", "0.9.5");
        assertThat(stack.fileValues().get("PRODUCTIVE_K3S_VERSION")).isEqualTo(
                new EnvValue("PRODUCTIVE_K3S_VERSION", "0.9.5", bound));
        assertThat(stack.effective("PRODUCTIVE_K3S_VERSION")).contains("0.9.5");
        assertThat(stack.processEnv()).containsEntry("PRODUCTIVE_K3S_VERSION", "0.9.1");
    }

    @Test
    void warningsAreReportedWithoutLevelAndKeptOnTheFile() {
        EnvFile file = stack(Map.of()).loadText("A=x y\n", "./site.env", Layer.OVERRIDE);
        assertThat(warnings).singleElement().asString().startsWith("./site.env:1: unquoted value with spaces for A;");
        assertThat(file.warnings()).isEqualTo(warnings);
    }

    @Test
    void loadReadsAFileAndUsesTheDisplayPath(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("site.env");
        Files.write(file, "\uFEFFA=1\r\nB=$A\r\n".getBytes(StandardCharsets.UTF_8));
        EnvFile loaded = stack(Map.of()).load(file, "./site.env", Layer.OVERRIDE);

        assertThat(loaded.values()).containsExactly(Map.entry("A", "1"), Map.entry("B", "1"));
        assertThat(loaded.assignments().get(1).origin().describe()).isEqualTo("override ./site.env:2");
    }

    @Test
    void syntaxErrorsNameTheDisplayPath(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("site.env");
        Files.writeString(file, "A=$(id)\n");
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> stack(Map.of()).load(file, "conf/site.env", Layer.OVERRIDE));
        assertThat(e.exitCode()).isEqualTo(4);
        assertThat(e).hasMessage("env file conf/site.env:1: unsupported shell construct '$(…)'");
    }

    @Test
    void unreadableFileIsInvalid(@TempDir Path dir) {
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> stack(Map.of()).load(dir.resolve("missing.env"), "missing.env", Layer.OVERRIDE));
        assertThat(e.exitCode()).isEqualTo(4);
        assertThat(e).hasMessage("env file missing.env: cannot be read");
    }

    @Test
    void invalidUtf8IsRejectedWithoutEchoingBytes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("latin1.env");
        Files.write(file, new byte[] {'A', '=', (byte) 0xE9, '\n'});
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> stack(Map.of()).load(file, "latin1.env", Layer.OVERRIDE));
        assertThat(e.exitCode()).isEqualTo(4);
        assertThat(e).hasMessage("env file latin1.env: not valid UTF-8 text");
    }

    @Test
    void processEnvironmentIsCopied() {
        Map<String, String> env = new LinkedHashMap<>(Map.of("A", "1"));
        EnvStack stack = stack(env);
        env.put("A", "2");
        assertThat(stack.effective("A")).contains("1");
    }

    @Test
    void secretValuesAreMaskedInToString() {
        EnvValue token = new EnvValue("HCLOUD_TOKEN", "abcd1234", new Origin(Layer.OVERRIDE, "./site.env", 1));
        assertThat(token.toString()).doesNotContain("abcd1234").contains("****");
    }
}
