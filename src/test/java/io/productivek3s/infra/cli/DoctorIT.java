package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code doctor} host and package checks (docs/cli.md#doctor), and the bash dependency of packaged installers. */
class DoctorIT extends PackageTestBase {

    @Test
    void reportsToolsAndAMissingCheckoutWithoutFailing() {
        Engine.Result result = engine.run("doctor");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdoutLines()).startsWith("[pk3s-infra] OK    bash is available", "[pk3s-infra] OK    make is available");
        assertThat(result.stdout()).contains("OK    java runtime ", "WARN  productive-k3s-profiles checkout not configured; set PRODUCTIVE_K3S_PROFILES_REPO_DIR for source-based commands");
    }

    @Test
    void findsAProfilesCheckout() throws Exception {
        Path checkout = Files.createDirectories(home.resolve("profiles-repo/profiles")).getParent();
        Engine.Result result = engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.toString()).run("doctor");
        assertThat(result.stdout()).contains("OK    productive-k3s-profiles checkout found: " + checkout);
    }

    @Test
    void missingMakeIsExit5() {
        assertError(engine.env("PK3S_PROFILE_MAKE_BIN", "gmake-not-here").run("doctor"), 5, "missing dependency: gmake-not-here");
    }

    @Test
    void checksAPackageItsToolsAndItsInputs() throws Exception {
        Path tgz = pack();
        // issue 8: doctor runs the install's own input check, so a package that needs --env-file fails without one
        assertError(engine.run("doctor", "--tgz", tgz.toString()), 4,
                "required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP");
        Path complete = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("doctor", "--tgz", tgz.toString(), "--env-file", complete.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("OK    Profile package: fixture-profile 1.0.0", "OK    Profile scenario: onprem-basic",
                "OK    Profile engine: ansible", "OK    ssh is available for remote-oriented profile validation");
        Path site = overrideFile("ONPREM_SSH_USER=admin\n");
        assertError(engine.run("doctor", "--tgz", tgz.toString(), "--env-file", site.toString()), 4,
                "required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP");
        Files.delete(tools.bin().resolve("ssh"));
        Path bin = minimalPath(true);
        assertError(engine.env("PATH", tools.bin() + ":" + bin).run("doctor", "--tgz", tgz.toString(), "--env-file", site.toString()), 5,
                "missing dependency: ssh");
    }

    @Test
    void compatibilityViolationIsExit4AndTestedWithIsShown() throws Exception {
        fixture.manifest(ProfileFixtureManifests.DEFAULT + "  compatibility:\n    requires:\n      infra: {contract: profile/v1, minEngineVersion: 0.9.65, maxEngineVersionExclusive: 0.10.0}\n"
                + "    testedWith:\n      infra:\n        - {release: 0.9.65-0.9.6, core: 0.9.6}\n");
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result ok = engine.env("PRODUCTIVE_K3S_INFRA_VERSION", "0.9.65-0.9.6").run("doctor", "--tgz", tgz.toString(),
                "--env-file", site.toString());
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).contains("Tested with infra 0.9.65-0.9.6 and core 0.9.6");
        assertError(engine.env("PRODUCTIVE_K3S_INFRA_VERSION", "0.10.1").run("doctor", "--tgz", tgz.toString()), 4,
                "profile fixture-profile 1.0.0 is incompatible: requires Infra >=0.9.65 and <0.10.0 (running 0.10.1)");
    }

    @Test
    void installWithoutBashIsExit5BeforeAnythingRuns() throws Exception {
        Path bin = minimalPath(false);
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Path tgz = pack();
        // run the launcher through an explicit interpreter so that PATH itself holds no bash
        Engine noBash = new Engine(Path.of("/usr/bin/bash"), home).env("PATH", tools.bin() + ":" + bin)
                .env("PK3S_PROFILE_STATE_DIR", stateDir.toString()).cwd(home.resolve("work"));
        Engine.Result result = noBash.run(io.productivek3s.infra.testing.Repo.root().resolve("productive-k3s-infra.sh").toString(),
                "profile", "install", "--tgz", tgz.toString(), "--env-file", "site.env");
        assertError(result, 5, "missing dependency: bash");
        assertThat(records.resolve("installer.env")).doesNotExist();
        assertNoTempLeft();
    }

    /** A PATH directory with the few tools the launcher uses, optionally without bash. */
    private Path minimalPath(boolean withBash) throws Exception {
        Path bin = Files.createDirectories(home.resolve(withBash ? "min-bin-bash" : "min-bin"));
        for (String tool : new String[] {"env", "dirname", "readlink", "find", "mkdir", "rmdir", "cat", "bash"}) {
            if (tool.equals("bash") && !withBash) {
                continue;
            }
            if (!Files.exists(bin.resolve(tool))) {
                Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool).toRealPath());
            }
        }
        return bin;
    }
}
