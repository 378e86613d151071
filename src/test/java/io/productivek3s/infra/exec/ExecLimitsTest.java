package io.productivek3s.infra.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel's exec limits, named before a child is started. */
class ExecLimitsTest {
    @TempDir
    Path dir;

    @Test
    void argMaxIsAQuarterOfTheStackWithinTheKernelBounds() throws Exception {
        assertThat(ExecLimits.argMaxFrom(limits("8388608"))).isEqualTo(2L * 1024 * 1024);
        assertThat(ExecLimits.argMaxFrom(limits("unlimited"))).isEqualTo(6L * 1024 * 1024);
        assertThat(ExecLimits.argMaxFrom(limits("65536"))).isEqualTo(128L * 1024);
        assertThat(ExecLimits.argMaxFrom(dir.resolve("absent"))).isEqualTo(2L * 1024 * 1024);
        assertThat(ExecLimits.current().argMax()).isBetween(128L * 1024, 6L * 1024 * 1024);
    }

    @Test
    void oneOversizedVariableIsNamed() {
        Map<String, String> env = Map.of("BIG", "x".repeat(200_000));
        assertThatThrownBy(() -> new ExecLimits(2 << 20).check(List.of("bash"), env, 0))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.exitCode()).isEqualTo(4))
                .hasMessage("environment variable BIG is 200005 bytes; the kernel limits one environment string to 131072 bytes (MAX_ARG_STRLEN)");
        // multi-byte characters count as bytes
        assertThatThrownBy(() -> new ExecLimits(2 << 20).check(List.of(), Map.of("U", "é".repeat(70_000)), 0))
                .hasMessageStartingWith("environment variable U is 140003 bytes");
    }

    @Test
    void theTotalIsCheckedAgainstArgMax() {
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < 40; i++) {
            env.put("V" + i, "x".repeat(100_000));
        }
        assertThatThrownBy(() -> new ExecLimits(2 << 20).check(List.of("bash", "/x/install.sh"), env, 0))
                .hasMessageStartingWith("the child environment and arguments need ")
                .hasMessageEndingWith(" bytes; the kernel allows 2097152 bytes (ARG_MAX, a quarter of the stack limit)");
        new ExecLimits(8L << 20).check(List.of("bash"), env, 0);
    }

    @Test
    void aChildThatFitsTheCheckReallyStarts() throws Exception {
        // the largest single string the check lets through must be accepted by the kernel too
        String value = "x".repeat(ExecLimits.MAX_ARG_STRLEN - "BIG=".length() - 1);
        Map<String, String> env = Map.of("BIG", value, "PATH", "/usr/bin:/bin");
        ExecLimits.current().check(List.of("/bin/true"), env, 0);
        ProcessBuilder builder = new ProcessBuilder("/bin/true");
        builder.environment().clear();
        builder.environment().putAll(env);
        assertThat(builder.start().waitFor()).isZero();
        builder.environment().put("BIG", value + "y");
        assertThatThrownBy(() -> ExecLimits.current().check(List.of("/bin/true"), builder.environment(), 0)).isInstanceOf(EngineException.class);
        assertThatThrownBy(builder::start).hasMessageContaining("error=7,");
    }

    private Path limits(String stack) throws Exception {
        return Files.writeString(dir.resolve("limits-" + stack), "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max cpu time              unlimited            unlimited            seconds   \n"
                + "Max stack size            " + stack + "              unlimited            bytes     \n");
    }
}
