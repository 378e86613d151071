package io.productivek3s.infra.env;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.EngineException;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of the env parser, expansion and the package+override merge (docs/contract/env-files.md): whatever the
 * text, the outcome is a value map or an {@link EngineException} with exit 4 and a one-line message, never another
 * exception, and bounded in size.
 */
class EnvFuzzTest {
    /** Characters that matter to the parser, plus NUL, controls and non-ASCII. */
    private static final String ALPHABET = "AB_x9 \t\n=$${}:-+?#%/'\"\\`()[]*!~@.,;|&<>\0\u0001\u001b\r\u00e9\u65e5";

    private static final Map<String, String> PROCESS = Map.of("HOME", "/home/fuzz", "PATH", "/usr/bin", "A", "proc");

    private static void assertOnlyEngineErrors(Runnable load) {
        try {
            load.run();
        } catch (EngineException e) {
            assertThat(e.exitCode()).isEqualTo(4);
            assertThat(e.getMessage()).doesNotContain("\n").isNotBlank();
        }
    }

    @Property(tries = 3000)
    void arbitraryTextParsesOrFailsWithOneLine(@ForAll("texts") String text) {
        assertOnlyEngineErrors(() -> {
            EnvFile file = new EnvStack(PROCESS, w -> assertThat(w).doesNotContain("\n"), false)
                    .loadText(text, "fuzz.env", Layer.PACKAGE);
            file.values().forEach((name, value) -> {
                assertThat(name).matches("[A-Za-z_][A-Za-z0-9_]*");
                assertThat(value.length()).isLessThanOrEqualTo(EnvLimits.MAX_VALUE_CHARS);
                assertThat(value).doesNotContain("\0");
            });
        });
    }

    @Property(tries = 3000)
    void assignmentShapedFilesMergeOrFailWithOneLine(@ForAll("files") String packageEnv, @ForAll("files") String override) {
        assertOnlyEngineErrors(() -> {
            EnvStack stack = new EnvStack(PROCESS, w -> { }, false);
            stack.loadText(packageEnv, "profile.env", Layer.PACKAGE);
            stack.loadText(override, "site.env", Layer.OVERRIDE);
            Map<String, String> effective = stack.effectiveEnvironment();
            assertThat(effective).containsKeys("HOME", "PATH");
            long total = stack.fileValues().values().stream().mapToLong(v -> v.name().length() + 1L + v.value().length()).sum();
            assertThat(total).isLessThanOrEqualTo(EnvLimits.MAX_TOTAL_CHARS);
        });
    }

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.strings().withChars(ALPHABET.toCharArray()).ofMaxLength(200);
    }

    /** Lines that look like assignments, with references between names so expansion chains are exercised. */
    @Provide
    Arbitrary<String> files() {
        Arbitrary<String> name = Arbitraries.of("A", "B", "C", "D", "HOME", "X_1", "_", "export A", "1A", "A-B");
        Arbitrary<String> segment = Arbitraries.oneOf(
                Arbitraries.strings().withChars("abc xyz/.:-_~".toCharArray()).ofMaxLength(8),
                Arbitraries.of("$A", "${B}", "${C:-d}", "${D-e}", "${A:+alt}", "${B+set}", "$HOME", "~", "~/x",
                        "\"$A$A$A$A\"", "'$A'", "\\$", "${A:-${B:-${C}}}", "$(id)", "`id`", "${A:=x}", "$1", "${#A}",
                        "\"unterminated", "'", "\\", "# c", "\0", "\u0007", "\u00e9"),
                Arbitraries.strings().withChars("A$B{}".toCharArray()).ofMaxLength(6));
        Arbitrary<String> value = segment.list().ofMaxSize(6).map(parts -> String.join("", parts));
        Arbitrary<String> line = Combinators.combine(name, value, Arbitraries.of("=", "=", "=", " = ", "==", ""))
                .as((n, v, eq) -> n + eq + v);
        Arbitrary<List<String>> lines = Arbitraries.oneOf(line, Arbitraries.of("", "# comment", "export A", "if true; then", "  \t"))
                .list().ofMaxSize(12);
        return lines.map(l -> String.join("\n", l) + "\n");
    }
}
