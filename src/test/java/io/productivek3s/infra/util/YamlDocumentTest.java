package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.nodes.Node;

/** The bounds of the one YAML reader: size, depth, aliases (no recursion), each one exit-4 line. */
class YamlDocumentTest {
    private static final Function<String, EngineException> NOT_YAML = detail -> EngineException.invalid("t.yaml is not valid YAML: " + detail);

    private static Node compose(String text) {
        Node root = YamlDocument.compose(text, LoadSettings.builder(), "t.yaml", NOT_YAML).orElseThrow();
        YamlDocument.rejectDuplicateKeys(root, NOT_YAML);
        return root;
    }

    private static void assertNotYaml(String text, String detail) {
        assertThatThrownBy(() -> compose(text)).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(4);
            assertThat(e.getMessage()).isEqualTo("t.yaml is not valid YAML: " + detail);
        });
    }

    @Test
    void recursiveAliasesAreRefusedWhereverTheyPoint() {
        assertNotYaml("metadata: &m\n  name: x\n  self: *m\n", "recursive alias *m at line 3, column 9");
        assertNotYaml("a: &a [*a]\n", "recursive alias *a at line 1, column 8");
        assertNotYaml("a: &a {b: [c, {d: *a}]}\n", "recursive alias *a at line 1, column 19");
        // an alias to a finished collection is not recursive
        compose("a: &a [1, 2]\nb: *a\nc: {d: *a}\n");
    }

    @Test
    void aliasesHaveASmallBudget() {
        StringBuilder ok = new StringBuilder("a: &a [x]\n");
        for (int i = 0; i < YamlDocument.MAX_ALIASES; i++) {
            ok.append("k").append(i).append(": *a\n");
        }
        compose(ok.toString());
        assertNotYaml(ok + "last: *a\n", "more than 20 aliases at line 22, column 7");
        // the classic billion laughs stops at the budget, long before it expands
        assertNotYaml("a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                + "d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n", "more than 20 aliases at line 4, column 11");
    }

    @Test
    void nestingIsBoundedWithoutRecursionInTheParser() {
        compose("a: " + "[".repeat(YamlDocument.MAX_DEPTH - 1) + "]".repeat(YamlDocument.MAX_DEPTH - 1) + "\n");
        assertNotYaml("a: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n", "nesting is deeper than 64 levels at line 1, column 67");
    }

    @Test
    void sizeIsBounded() {
        assertNotYaml("a: '" + "x".repeat(YamlDocument.MAX_CHARS) + "'\n", "the document is larger than 4194304 characters");
    }
}
