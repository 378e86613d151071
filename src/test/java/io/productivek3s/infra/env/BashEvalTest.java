package io.productivek3s.infra.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.productivek3s.infra.EngineException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The opt-in escape hatch {@code PK3S_INFRA_ENV_EVAL=bash} (docs/contract/env-files.md#value-syntax). */
class BashEvalTest {
    private static final Map<String, String> PROCESS = Map.of("HOME", "/home/alice", "PATH", "/usr/bin:/bin");

    private final List<String> warnings = new ArrayList<>();

    @BeforeEach
    void requireBash() {
        BashOracle.requireBash();
    }

    private EnvStack stack(boolean bashEval) {
        return new EnvStack(PROCESS, warnings::add, bashEval);
    }

    @Test
    void commandSubstitutionIsEvaluatedWithBashWhenEnabled() {
        EnvFile file = stack(true).loadText("A=$(echo hi)\nB=\"$A $HOME\"\n", "./x.env", Layer.OVERRIDE);

        assertThat(file.values()).containsExactly(Map.entry("A", "hi"), Map.entry("B", "hi /home/alice"));
        assertThat(file.assignments()).extracting(EnvValue::origin)
                .containsOnly(new Origin(Layer.OVERRIDE, "./x.env", 0));
        assertThat(warnings).containsExactly("evaluating ./x.env with bash (PK3S_INFRA_ENV_EVAL=bash)");
        assertThat(file.warnings()).isEqualTo(warnings);
    }

    @Test
    void withoutTheOptInTheConstructIsRejected() {
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> stack(false).loadText("A=$(echo hi)\n", "./x.env", Layer.OVERRIDE));
        assertThat(e.exitCode()).isEqualTo(4);
        assertThat(e).hasMessage("env file ./x.env:1: unsupported shell construct '$(…)'");
        assertThat(warnings).isEmpty();
    }

    @Test
    void plainSyntaxErrorsAreNotHandedToBash() {
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> stack(true).loadText("A = 1\nB=$(echo hi)\n", "./x.env", Layer.OVERRIDE));
        assertThat(e).hasMessage("env file ./x.env:1: unsupported syntax");
        assertThat(warnings).isEmpty();
    }

    @Test
    void bashSeesTheSharedScopeAndProcessEnvironment() {
        EnvStack stack = stack(true);
        stack.loadText("A=from-pkg\n", "profile.env", Layer.PACKAGE);
        EnvFile override = stack.loadText("C=$(printf '%s' \"$A\")-derived\nD=$HOME\n", "./site.env", Layer.OVERRIDE);

        assertThat(override.values())
                .containsExactly(Map.entry("C", "from-pkg-derived"), Map.entry("D", "/home/alice"));
        assertThat(stack.effective("A")).contains("from-pkg");
        assertThat(override.value("A")).isEmpty();
        assertThat(override.value("HOME")).isEmpty();
    }

    @Test
    void reassigningAnUnchangedValueStillCountsAsThisFilesAssignment() {
        EnvStack stack = stack(true);
        stack.loadText("A=same\n", "profile.env", Layer.PACKAGE);
        EnvFile override = stack.loadText("A=same\nB=$(echo b)\n", "./site.env", Layer.OVERRIDE);
        assertThat(override.assignsNonBlank("A")).isTrue();
        assertThat(stack.fileValues().get("A").origin().layer()).isEqualTo(Layer.OVERRIDE);
    }

    @Test
    void outputOfTheFileDoesNotCorruptTheImport() {
        EnvFile file = stack(true).loadText("echo noise\nprintf 'X=evil\\0'\nA=$(echo hi)\n", "./x.env",
                Layer.OVERRIDE);
        assertThat(file.values()).containsExactly(Map.entry("A", "hi"));
    }

    @Test
    void valuesWithNewlinesAndEqualsSurvive() {
        EnvFile file = stack(true).loadText("A=\"$(printf 'a=1\\nb=2')\"\n", "./x.env", Layer.OVERRIDE);
        assertThat(file.values()).containsExactly(Map.entry("A", "a=1\nb=2"));
    }

    @Test
    void guardAppliesToImportedValues() {
        EnvStack stack = stack(true);
        stack.setGuard((name, value, origin) -> !name.equals("PK3S_INFRA_SCENARIO"));
        EnvFile file = stack.loadText("PK3S_INFRA_SCENARIO=$(echo x)\nB=1\n", "./x.env", Layer.OVERRIDE);
        assertThat(file.values()).containsOnlyKeys("B");
        assertThat(stack.fileValues()).containsOnlyKeys("B");
    }

    @Test
    void loadSourcesTheFileItself(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("site.env");
        Files.writeString(file, "A=$(basename \"${BASH_SOURCE[0]}\")\n");
        EnvFile loaded = stack(true).load(file, "./site.env", Layer.OVERRIDE);
        assertThat(loaded.values()).containsExactly(Map.entry("A", "site.env"));
    }

    @Test
    void aFileThatExitsIsAnError() {
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> stack(true).loadText("A=$(echo hi)\nexit 3\n", "./x.env", Layer.OVERRIDE));
        assertThat(e.exitCode()).isEqualTo(4);
        assertThat(e).hasMessage("env file ./x.env: evaluation with bash failed (exit 3)");
    }
}
