package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * #21 item 1: a mistyped flag must not make a command that changes state act on the wrong cluster. A near miss of a
 * known flag is exit 2 everywhere; any unknown flag (double- or single-dash) on a state-changing command is exit 2;
 * both before anything runs. Other unknown flags keep the forward-compatible WARN (docs/cli.md "Typos").
 */
class FlagTyposIT extends PackageTestBase {
    private static final String DEFAULT = "fixture-profile";

    @BeforeEach
    void packageAndSite() throws Exception {
        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
    }

    @Test
    void aTypoedNameOnDestroyLeavesTheDefaultClusterIntactAndExits2() throws Exception {
        ok(engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        ok(engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env", "--name", "site-b"));
        int makeCalls = tools.calls("make").size();
        List<String> before = stateFiles();

        Engine.Result typo = engine.run("profile", "destroy", "--tgz", "fixture.tgz", "--env-file", "site.env",
                "--nmae", "site-b");

        assertThat(typo.exitCode()).as(typo.toString()).isEqualTo(2);
        assertThat(typo.stderrLines()).as(typo.toString()).containsExactly(
                "[pk3s-infra] ERROR unknown flag --nmae (did you mean --name?); nothing was done");
        assertThat(typo.stdout()).as("no WARN-and-carry-on").doesNotContain("ignoring unknown flag");
        assertThat(stateDir.resolve(DEFAULT + ".json")).isRegularFile();
        assertThat(stateDir.resolve(DEFAULT + ".runtime/engine-state.json")).isRegularFile();
        assertThat(stateDir.resolve("site-b.json")).isRegularFile();
        assertThat(stateFiles()).as("nothing written, no lock taken").isEqualTo(before);
        assertThat(tools.calls("make")).hasSize(makeCalls);
        assertNoTempLeft();

        // the same with --name=… and on the other state-changing commands
        assertThat(engine.run("profile", "destroy", "--tgz", "fixture.tgz", "--nmae=site-b").exitCode()).isEqualTo(2);
        Engine.Result rollback = engine.run("state", "rollback", DEFAULT, "--revison", "1");
        assertThat(rollback.exitCode()).as(rollback.toString()).isEqualTo(2);
        assertThat(rollback.stderrLines()).containsExactly(
                "[pk3s-infra] ERROR unknown flag --revison (did you mean --revision?); nothing was done");
        assertThat(stateFiles()).isEqualTo(before);
    }

    @Test
    void aSingleDashNameOnInstallIsRefusedBeforeAnythingRuns() throws Exception {
        Engine.Result result = engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env",
                "-n", "site-y");

        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.stderrLines()).containsExactly("[pk3s-infra] ERROR unknown flag -n: 'profile install' "
                + "changes state, so it refuses flags it does not know; nothing was done ('help profile install' lists "
                + "its flags)");
        assertThat(stateDir).doesNotExist();
        assertThat(records.resolve("installer.env")).doesNotExist();
        assertNoTempLeft();
    }

    @Test
    void anyUnknownFlagOnAStateChangingStateCommandIsRefused() throws Exception {
        ok(engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env"));
        List<String> before = stateFiles();
        for (List<String> command : List.of(List.of("state", "unlock", DEFAULT, "--force", "--frobnicate"),
                List.of("state", "rollback", DEFAULT, "--revision", "1", "-x"),
                List.of("state", "migrate", "--to", "local", "--frobnicate=1"),
                List.of("state", "rekey", "--all", "--frobnicate"),
                List.of("state", "migrate", "--decrypt", "--frobnicate"),
                List.of("profile", "apply", "--tgz", "fixture.tgz", "--env-file", "site.env", "--frobnicate"))) {
            Engine.Result result = engine.run(command.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
            assertThat(result.stderrLines()).as(result.toString()).hasSize(1);
            assertThat(result.stderrLines().get(0)).contains("changes state, so it refuses flags it does not know");
        }
        assertThat(stateFiles()).isEqualTo(before);
    }

    @Test
    void otherUnknownFlagsOnlyWarnAsBefore() throws Exception {
        Engine.Result validate = engine.run("profile", "validate", "--tgz", "fixture.tgz", "--frobnicate", "-q");
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.stdoutLines()).contains("[pk3s-infra] WARN  ignoring unknown flag --frobnicate",
                "[pk3s-infra] WARN  ignoring unknown flag -q");

        // a near miss is refused on a read-only command too: the user meant another flag
        Engine.Result near = engine.run("profile", "validate", "--tgz", "fixture.tgz", "--jsno");
        assertThat(near.exitCode()).as(near.toString()).isEqualTo(2);
        assertThat(near.stderrLines()).containsExactly(
                "[pk3s-infra] ERROR unknown flag --jsno (did you mean --json?); nothing was done");

        Engine.Result list = engine.run("state", "list", "--frobnicate");
        assertThat(list.exitCode()).as(list.toString()).isZero();
        assertThat(list.stdoutLines()).contains("[pk3s-infra] WARN  ignoring unknown flag --frobnicate");

        // help still wins over an unknown flag
        Engine.Result help = engine.run("profile", "destroy", "--help", "--frobnicate");
        assertThat(help.exitCode()).as(help.toString()).isZero();
    }

    /** Every file and directory of the state dir with its size and modification time: any write shows. */
    private List<String> stateFiles() throws Exception {
        try (Stream<Path> files = Files.walk(stateDir)) {
            return files.map(p -> {
                try {
                    return stateDir.relativize(p) + " " + (Files.isDirectory(p) ? "dir" : Files.size(p)) + " "
                            + Files.getLastModifiedTime(p).toMillis();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }
}
