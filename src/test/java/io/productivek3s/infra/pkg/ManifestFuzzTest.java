package io.productivek3s.infra.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.EngineException;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Property-based fuzzing of the manifest parser (docs/contract/package.md#profileyaml to docs/contract/package.md#structural-validation): arbitrary bytes, YAML-ish text and mutations
 * of a valid manifest either parse or end in an {@link EngineException} with exit 4 and one line, never another
 * exception (no IllegalArgumentException, no StackOverflowError, no parser trace).
 */
class ManifestFuzzTest {
    static final String VALID = """
            apiVersion: infra.productive-k3s.io/v1
            kind: Profile
            metadata:
              name: fuzz-profile
              version: 1.0.0
              category: edge
            spec:
              scenario:
                type: onprem-basic
              engine:
                type: ansible
              execution:
                installScript: scripts/install.sh
              inputs:
                - name: ONPREM_SERVER_IP
                  required: true
                  sensitive: false
                  source: local-override
                  description: server
              compatibility:
                requires:
                  infra: {contract: profile/v1, minEngineVersion: 0.9.65, maxEngineVersionExclusive: 0.10.0}
                  core: {minVersion: 0.9.6, maxVersionExclusive: 0.10.0}
                testedWith:
                  infra:
                    - {release: 0.9.65-0.9.6, core: 0.9.6}
            """;

    private static void assertParsesOrOneLine(byte[] bytes) {
        try {
            ProfileManifest manifest = ManifestParser.parse(bytes);
            assertThat(manifest.name()).matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
            assertThat(manifest.installScript()).isNotBlank();
        } catch (EngineException e) {
            assertThat(e.exitCode()).isEqualTo(4);
            assertThat(e.getMessage()).doesNotContain("\n").isNotBlank();
        }
    }

    @Test
    void theSeedIsValid() {
        assertThat(ManifestParser.parse(VALID.getBytes(StandardCharsets.UTF_8)).name()).isEqualTo("fuzz-profile");
    }

    @Property(tries = 1500)
    void arbitraryBytes(@ForAll byte[] bytes) {
        assertParsesOrOneLine(bytes);
    }

    @Property(tries = 1500)
    void yamlShapedText(@ForAll("yamlish") String text) {
        assertParsesOrOneLine(text.getBytes(StandardCharsets.UTF_8));
    }

    @Property(tries = 3000)
    void mutationsOfAValidManifest(@ForAll("mutations") String text) {
        assertParsesOrOneLine(text.getBytes(StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<String> yamlish() {
        return Arbitraries.strings().withChars("ab:- \n\t[]{},&*!|>'\"#%@`?~0129.\u00e9\0\u0085\ufeff".toCharArray()).ofMaxLength(300);
    }

    /** The valid manifest with one span replaced by a YAML token: anchors, aliases, tags, wrong types, nesting. */
    @Provide
    Arbitrary<String> mutations() {
        Arbitrary<String> token = Arbitraries.of("", "&a", "*a", "!!binary", "!tag", "[", "]", "{", "}", ": ", "- ", "\n", "\n  ",
                "\t", "'", "\"", "? ", "|", ">", "---\n", "...\n", "~", "null", "yes", "True", "0x1F", "1e3", "<<: *a",
                "&a [*a]", "[[[[[[[[[[[[", "\0", "\u0001", "../../etc", "/abs", "x".repeat(300), "\u00e9\u65e5", "%YAML 1.1\n");
        Arbitrary<Integer> at = Arbitraries.integers().between(0, VALID.length());
        Arbitrary<Integer> span = Arbitraries.integers().between(0, 12);
        return Combinators.combine(at, span, token, Arbitraries.integers().between(1, 3))
                .as((position, length, replacement, times) -> {
                    String text = VALID;
                    int start = Math.min(position, text.length());
                    int end = Math.min(start + length, text.length());
                    return text.substring(0, start) + replacement.repeat(times) + text.substring(end);
                });
    }
}
