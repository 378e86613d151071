package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
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

    @Test
    void aWrapperNamesTheProgramInEveryUsageLine() {
        String program = HelpText.program(Map.of("PK3S_INFRA_PROGRAM", "bash productive-k3s-infra-cli.sh"));
        assertThat(program).isEqualTo("bash productive-k3s-infra-cli.sh");
        String text = HelpText.render(program, true);
        assertThat(text).startsWith("Usage:\n  bash productive-k3s-infra-cli.sh <command> [flags]\n")
                .contains("Run 'bash productive-k3s-infra-cli.sh <command> --help'").doesNotContain("./productive-k3s-infra.sh <");
        assertThat(HelpText.command(program, CommandTable.all().get(0))).contains("\n  bash productive-k3s-infra-cli.sh ");
    }

    @Test
    void anUnusableProgramNameFallsBackToTheLauncher() {
        assertThat(HelpText.program(Map.of())).isEqualTo("./productive-k3s-infra.sh");
        assertThat(HelpText.program(Map.of("PK3S_INFRA_PROGRAM", "  "))).isEqualTo("./productive-k3s-infra.sh");
        assertThat(HelpText.program(Map.of("PK3S_INFRA_PROGRAM", "two\nlines"))).isEqualTo("./productive-k3s-infra.sh");
        assertThat(HelpText.program(Map.of("PK3S_INFRA_PROGRAM", "x".repeat(201)))).isEqualTo("./productive-k3s-infra.sh");
    }

    @Test
    void everyCommandsUsageNamesThePositionalsOfItsSynopsis() {
        assertThat(HelpText.usageLine(CommandTable.find(java.util.List.of("state", "show")).orElseThrow()))
                .isEqualTo("state show <name> [--json]");
        assertThat(HelpText.usageLine(CommandTable.find(java.util.List.of("state", "rollback")).orElseThrow()))
                .isEqualTo("state rollback <name> --revision <n> [--lock-timeout <duration>] [--json]");
        assertThat(HelpText.usageLine(CommandTable.find(java.util.List.of("catalog", "show")).orElseThrow()))
                .isEqualTo("catalog show <name>[@<version>] [--json] [--offline]");
        assertThat(HelpText.usageLine(CommandTable.find(java.util.List.of("telemetry", "preview")).orElseThrow()))
                .startsWith("telemetry preview <command line> [--tgz <file>]");
        assertThat(HelpText.usageLine(CommandTable.find(java.util.List.of("state", "migrate")).orElseThrow()))
                .startsWith("state migrate --to <backend>");
        assertThat(HelpText.usageLine(CommandTable.find(java.util.List.of("state", "keygen")).orElseThrow()))
                .isEqualTo("state keygen [--output <file>] [--json]");
        java.util.Set<String> backendWide = java.util.Set.of("state list", "state migrate", "state keygen");
        for (CommandSpec spec : CommandTable.all()) {
            if (spec.words().get(0).equals("state") && !backendWide.contains(spec.name())) {
                assertThat(HelpText.usageLine(spec)).as(spec.name()).startsWith(spec.name() + " <name>");
            }
        }
    }

    @Test
    void theGlobalFlagListNamesClusterNameAndLockTimeoutWithTheCommandsThatTakeThem() {
        for (boolean packageOnly : new boolean[] {false, true}) {
            String text = HelpText.render(packageOnly);
            assertThat(text).contains("\n  --name <name>\n      cluster name that keys the state",
                    "\n  --lock-timeout <duration>\n      wait this long for the state lock");
            assertThat(text).contains("(default: the package's metadata.name)\n      taken by: profile install|apply|plan|status|destroy, doctor\n",
                    "(default 0: fail at once)\n      taken by: profile install|apply|plan|status|destroy, state rollback|push|migrate|rekey\n");
        }
        // listed, not made global: a command that does not take --name still does not accept it
        assertThat(Flag.GLOBAL).doesNotContain(Flag.NAME, Flag.LOCK_TIMEOUT);
    }
}
