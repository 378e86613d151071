package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Per-command help, the exit-code table and typo hints through the real launcher (issue 8). */
class CommandHelpIT extends PackageTestBase {

    @Test
    void commandHelpNeedsNoTgzAndPrintsFlagsExamplesEnvironmentAndExitCodes() {
        for (String[] args : new String[][] {{"profile", "install", "--help"}, {"help", "profile", "install"},
                {"profile", "install", "-h"}, {"--help", "profile", "install"}}) {
            Engine.Result result = engine.run(args);
            assertThat(result.exitCode()).as(result.toString()).isZero();
            assertThat(result.stderr()).isEmpty();
            assertThat(result.stdout()).startsWith("Usage:\n  ./productive-k3s-infra.sh profile install --tgz <file> [--env-file <file>]")
                    .contains("\nFlags:\n  --tgz <file>\n", "\nExamples:\n  ./productive-k3s-infra.sh profile install --tgz ./profile.tgz",
                            "\nEnvironment:\n", "  PK3S_PROFILE_STATE_DIR\n", "\nExit codes:\n", "  3      missing required flag",
                            "  N      the exit status of the child");
        }
    }

    @Test
    void groupHelpListsTheSubcommandsAndUnknownTopicsAreUsageErrors() {
        Engine.Result group = engine.run("help", "catalog");
        assertThat(group.exitCode()).isZero();
        assertThat(group.stdout()).contains("  catalog list\n", "  catalog show\n");
        Engine.Result unknown = engine.run("help", "profil");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.stderrLines()).containsExactly("[pk3s-infra] ERROR unsupported command: profil (did you mean 'profile'?)");
    }

    @Test
    void topLevelUsageLeadsWithPackageCommandsAndEndsWithTheExitCodes() {
        String usage = engine.run("help").stdout();
        assertThat(usage).contains("Profile-driven commands:\n  profile validate --tgz <file>\n      check a package's structure")
                .contains("\nExit codes:\n  0      success\n", "  5      missing host dependency");
    }

    @Test
    void packageOnlySurfaceGatesHelpOfSourceCommandsAndHidesThemFromGroups() {
        engine.env("PK3S_INFRA_RUNTIME_SURFACE", "package-only");
        Engine.Result gated = engine.run("validate-profile", "--help");
        assertThat(gated.exitCode()).isEqualTo(2);
        assertThat(gated.stderr()).contains("the 'validate-profile' command is not available in the package-only release surface");
        assertThat(engine.run("help", "profile", "status").exitCode()).isZero();
    }

    @Test
    void aNearMissOfAKnownFlagIsRefusedAndOtherUnknownFlagsAreIgnoredWithAWarning() throws IOException {
        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        // #21: it used to WARN and run on without the override; the user meant --env-file, so nothing runs now
        Engine.Result result = engine.run("profile", "install", "--tgz", "fixture.tgz", "--evn-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.stderrLines()).containsExactly(
                "[pk3s-infra] ERROR unknown flag --evn-file (did you mean --env-file?); nothing was done");
        assertThat(result.stdout()).doesNotContain("ignoring unknown flag");

        // docs/contract/invocation.md#parsing-rules: a flag no command resembles stays a positional and is ignored, named by a WARN
        Engine.Result inline = engine.run("profile", "validate", "--tgz", "fixture.tgz", "--frobnicate=1");
        assertThat(inline.exitCode()).isZero();
        assertThat(inline.stdoutLines()).contains("[pk3s-infra] WARN  ignoring unknown flag --frobnicate");
    }

    @Test
    void unknownCommandsAndSubcommandsGetADidYouMean() {
        assertError(engine.run("stauts", "--profile", "x.env"), 2, "unsupported command: stauts (did you mean 'status'?)");
        assertError(engine.run("profile", "instal"), 2, "unsupported profile command: instal (did you mean 'install'?)");
        assertError(engine.run("catalog", "lst"), 2, "unsupported catalog command: lst (did you mean 'list'?)");
        assertError(engine.run("frobnicate"), 2, "unsupported command: frobnicate");
    }

    @Test
    void legacyAliasesStillForwardDashTokensToMakeWithoutWarnings() throws IOException {
        Path checkout = Files.createDirectories(home.resolve("checkout/scenarios/local/multipass"));
        Engine.Result result = engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.getParent().getParent().getParent().toString())
                .run("multipass", "status", "--frob");
        assertThat(result.stdout() + result.stderr()).doesNotContain("ignoring unknown flag");
        assertThat(tools.calls("make")).isNotEmpty();
        assertThat(tools.calls("make").get(0).args()).contains("--frob");
    }
}
