package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.state.ForeignLockProcess;
import io.productivek3s.infra.testing.Engine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Issue 8: {@code doctor --tgz} runs every check the install runs before its first side effect, so it fails where
 * the install would (missing inputs, held lock) and passes only when the install would get past its prelude.
 */
class DoctorTruthIT extends PackageTestBase {

    @Test
    void whereDoctorFailsTheInstallFailsTheSameWay() throws IOException {
        pack();
        Engine.Result doctor = engine.run("doctor", "--tgz", "fixture.tgz");
        Engine.Result install = engine.run("profile", "install", "--tgz", "fixture.tgz");
        assertThat(doctor.exitCode()).isEqualTo(4).isEqualTo(install.exitCode());
        assertThat(doctor.stderrLines()).isEqualTo(install.stderrLines());
        assertThat(records.resolve("installer.env")).doesNotExist();
    }

    @Test
    void aPassingDoctorReportsStateDirectoryLockAndCoreAndNoCheckoutWarning() throws IOException {
        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result result = engine.run("doctor", "--tgz", "fixture.tgz", "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("OK    Required profile inputs are provided", "OK    Core settings: source=remote",
                "OK    Profile state directory is writable: " + stateDir,
                "OK    Profile state for 'fixture-profile' is not locked by another run")
                .doesNotContain("productive-k3s-profiles checkout not configured");
        assertThat(records.resolve("installer.env")).doesNotExist();
        assertNoTempLeft();
    }

    @Test
    void aHeldStateLockFailsDoctorAsItWouldFailTheInstall() throws Exception {
        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Files.createDirectories(stateDir);
        Path lockFile = stateDir.resolve("fixture-profile.lock");
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ForeignLockProcess.class.getName(), lockFile.toString()).start();
        try {
            BufferedReader reader = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(reader.readLine()).isEqualTo("locked");
            String expected = "profile state for 'fixture-profile' is locked by another run: " + lockFile;
            assertError(engine.run("doctor", "--tgz", "fixture.tgz", "--env-file", "site.env"), 4, expected);
            assertError(engine.run("profile", "install", "--tgz", "fixture.tgz", "--env-file", "site.env"), 4, expected);
        } finally {
            holder.getOutputStream().close();
            holder.waitFor();
        }
        assertThat(engine.run("doctor", "--tgz", "fixture.tgz", "--env-file", "site.env").exitCode()).isZero();
    }
}
