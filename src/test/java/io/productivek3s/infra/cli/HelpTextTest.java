package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HelpTextTest {
    @Test
    void sourceSurfaceListsEverySectionAndFlag() {
        String text = HelpText.render(false);
        assertThat(text).startsWith("Usage:\n  ./productive-k3s-infra.sh <command> --profile <file> [flags]\n")
                .contains("\nProfile-driven commands:\n", "\nLegacy compatibility:\n", "\nSupported global flags:\n",
                        "  onprem | onprem-basic [command]\n", "  validate-profile --profile <file>\n", "  --env-file <file>\n",
                        "  --force\n", "  --events ndjson\n", "  ./productive-k3s-infra.sh <scenario> [command] [make-args...]\n");
    }

    @Test
    void packageOnlySurfaceHidesSourceCommands() {
        String text = HelpText.render(true);
        assertThat(text).contains("\nPackage-oriented commands:\n", "  profile status --tgz <file>\n")
                .doesNotContain("Legacy compatibility", "list-profiles", "--profile <file>", "validate-profile");
    }
}
