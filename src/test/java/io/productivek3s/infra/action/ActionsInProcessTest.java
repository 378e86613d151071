package io.productivek3s.infra.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.testing.ProfileFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Actions called in the test JVM: they return result records the CLI renders, so what they found can be asserted
 * without parsing output. Real packages, real files; no child process is started by these actions.
 */
class ActionsInProcessTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<String, String> env = new HashMap<>();
    private ProfileFixture fixture;

    @BeforeEach
    void setUp() throws IOException {
        fixture = new ProfileFixture(dir.resolve("src"));
        env.put("HOME", dir.toString());
        env.put("TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString());
        // ssh is outside the product: a stand-in on PATH, so the doctor's tool check passes on any machine
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(bin.resolve("ssh"), "#!/bin/sh\nexit 0\n");
        bin.resolve("ssh").toFile().setExecutable(true);
        env.put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("PK3S_PROFILE_STATE_DIR", dir.resolve("state").toString());
    }

    private EngineContext context() {
        return InProcessContext.of(dir, env, out);
    }

    @Test
    void profileShowReturnsValuesWithTheirOriginsAndMasksSecrets() throws IOException {
        Path tgz = fixture.tgz(dir.resolve("fixture.tgz"));
        Files.writeString(dir.resolve("site.env"), "# site\nONPREM_SERVER_IP=10.0.0.5\nSITE_TOKEN=tok-1\n");
        env.put("ONPREM_SSH_EXTRA", "from-process");
        EngineContext context = context();
        ProfileShowAction.Result result = new ProfileShowAction(context, new ArtifactPackageSource(context, true))
                .run(tgz.toString(), "site.env");

        assertThat(result.manifest().name()).isEqualTo("fixture-profile");
        assertThat(result.ready()).isTrue();
        ProfileShowAction.Variable ip = variable(result, "ONPREM_SERVER_IP");
        assertThat(ip.layer()).isEqualTo("override");
        assertThat(ip.file()).isEqualTo("site.env");
        assertThat(ip.line()).isEqualTo(2);
        ProfileShowAction.Variable user = variable(result, "ONPREM_SSH_USER");
        assertThat(user.layer()).isEqualTo("package");
        assertThat(user.origin()).isEqualTo("package profile.env:3");
        ProfileShowAction.Variable token = variable(result, "SITE_TOKEN");
        assertThat(token.value()).isEqualTo("****");
        assertThat(token.masked()).isTrue();
        assertThat(result.inputs()).extracting(ProfileShowAction.Input::name, ProfileShowAction.Input::satisfied)
                .contains(org.assertj.core.groups.Tuple.tuple("ONPREM_SERVER_IP", true));
        assertThat(dir.resolve("state")).doesNotExist();
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("tok-1");
    }

    @Test
    void profileShowReportsAnUnsatisfiedLocalOverrideInputWithoutFailing() throws IOException {
        Path tgz = fixture.tgz(dir.resolve("fixture.tgz"));
        EngineContext context = context();
        ProfileShowAction.Result result = new ProfileShowAction(context, new ArtifactPackageSource(context, true))
                .run(tgz.toString(), null);
        assertThat(result.ready()).isFalse();
        assertThat(result.inputs()).filteredOn(ProfileShowAction.Input::name, "ONPREM_SERVER_IP")
                .extracting(ProfileShowAction.Input::satisfied).containsExactly(false);
    }

    @Test
    void validateReturnsTheProblemsThatWouldStopAnInstall() throws IOException {
        fixture.delete("scripts/install.sh");
        Path tgz = fixture.tgz(dir.resolve("broken.tgz"));
        EngineContext context = context();
        ValidateAction.Result result = new ValidateAction(context, new ArtifactPackageSource(context, true)).run(tgz.toString());
        assertThat(result.name()).isEqualTo("fixture-profile");
        assertThat(result.problems()).containsExactly("profile package install script not found: scripts/install.sh");
    }

    @Test
    void doctorReportsEveryCheckUpToTheFirstFailure() throws IOException {
        Path tgz = fixture.tgz(dir.resolve("fixture.tgz"));
        EngineContext context = context();
        DoctorAction doctor = new DoctorAction(context, new ArtifactPackageSource(context, true), profile -> {
            throw new AssertionError("no source profile in this test");
        });
        env.put("PK3S_PROFILE_MAKE_BIN", "make-that-is-not-there");
        DoctorAction.Report missingMake = new DoctorAction(context(), new ArtifactPackageSource(context, true), p -> null)
                .run(tgz.toString(), null, null);
        assertThat(missingMake.failure()).get().extracting(EngineException::exitCode).isEqualTo(5);
        assertThat(missingMake.checks()).extracting(DoctorAction.Check::status).containsExactly("fail");

        DoctorAction.Report missingInput = doctor.run(tgz.toString(), null, null);
        assertThat(missingInput.failure()).get().extracting(EngineException::exitCode).isEqualTo(4);
        assertThat(missingInput.checks().get(missingInput.checks().size() - 1).message())
                .isEqualTo("required packaged profile inputs must be provided through --env-file: ONPREM_SERVER_IP");
        assertThat(missingInput.checks()).extracting(DoctorAction.Check::message).contains("Profile package: fixture-profile 1.0.0");
        assertThatThrownBy(() -> { throw missingInput.failure().get(); }).isInstanceOf(EngineException.class);
    }

    private static ProfileShowAction.Variable variable(ProfileShowAction.Result result, String name) {
        return result.env().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }
}
