package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.testing.TestHttpServer.Response;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Smaller operator-facing behaviours through the real launcher (issue 21): each one a user ran into. */
class OperatorItemsIT extends PackageTestBase {

    @Test
    void statePullToStdoutIsRefusedAndCreatesNothing() throws Exception {
        Engine.Result result = engine.run("state", "pull", "fixture-profile", "--output", "-");
        assertError(result, 2, "state pull --output - is not supported: a state is a directory tree, not a stream; "
                + "give a directory (e.g. --output ./fixture-profile-state) and archive it if needed");
        assertThat(home.resolve("work/-")).doesNotExist();
    }

    @Test
    void validateStrictFailsOnAPackageWithoutItsInstallScript() throws Exception {
        fixture.delete("scripts/install.sh");
        Path tgz = pack();
        Engine.Result lenient = engine.run("profile", "validate", "--tgz", tgz.toString());
        assertThat(lenient.exitCode()).as(lenient.toString()).isZero();
        assertThat(lenient.stdout()).contains("WARN  package is not executable as-is: profile package install script not found: "
                + "scripts/install.sh", "OK    Profile package validation passed");

        Engine.Result strict = engine.run("profile", "validate", "--tgz", tgz.toString(), "--strict");
        assertError(strict, 4, "package is not executable as-is: profile package install script not found: scripts/install.sh");
        assertThat(strict.stdout()).contains("WARN  package is not executable as-is").doesNotContain("validation passed");

        Engine.Result json = engine.run("profile", "validate", "--tgz", tgz.toString(), "--strict", "--json");
        assertThat(json.exitCode()).as(json.toString()).isEqualTo(4);
        assertThat(json.stdout()).containsPattern("\"executable_as_is\"\\s*:\\s*false");

        Engine.Result complete = engine.run("profile", "validate", "--tgz", fixtureWithScript().toString(), "--strict");
        assertThat(complete.exitCode()).as(complete.toString()).isZero();
        assertNoTempLeft();
    }

    @Test
    void aLongDownloadWithoutATerminalPrintsPlainProgressLinesOnStderr() throws Exception {
        byte[] body = new byte[8 * 8192]; // eight chunks, 0.8 s apart: about 6.5 s in all
        java.util.Arrays.fill(body, (byte) 'x');
        try (TestHttpServer server = new TestHttpServer()) {
            server.route("/slow.tgz", Response.ok(body).slow(800));
            server.route("/fast.tgz", Response.ok(body));
            Engine.Result slow = engine.run("profile", "validate", "--tgz", server.url("/slow.tgz"), "--json");
            assertThat(slow.stderr()).containsPattern("\\[pk3s-infra\\] INFO  downloading slow.tgz: [0-9.]+ MiB of 0.1 MiB\n");
            assertThat(slow.stdout()).doesNotContain("downloading");
            Engine.Result fast = engine.run("profile", "validate", "--tgz", server.url("/fast.tgz"));
            assertThat(fast.stderr() + fast.stdout()).doesNotContain("downloading");
        }
    }

    @Test
    void aProcessSubstitutionIsSpooledOnceAndRemoved() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=198.51.100.7\nTELEMETRY_ENABLED=false\n");
        Engine piped = piped();
        Engine.Result validate = piped.run(tgz.toString(), "profile", "validate");
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.stdout()).contains("OK    Profile package validation passed");
        assertNoTempLeft();

        Engine.Result install = piped.run(tgz.toString(), "profile", "install", "--env-file", site.toString());
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.stdout()).contains("fixture installer ran");
        assertNoTempLeft();

        Engine.Result tooLarge = piped.env("PK3S_INFRA_MAX_PACKAGE_BYTES", "1000").run(tgz.toString(), "profile", "validate");
        assertThat(tooLarge.exitCode()).as(tooLarge.toString()).isEqualTo(4);
        assertThat(tooLarge.stderrLines()).singleElement().asString().matches("\\[pk3s-infra\\] ERROR tgz package from "
                + "/dev/fd/[0-9]+ is larger than 1000 bytes \\(raise PK3S_INFRA_MAX_PACKAGE_BYTES if this is expected\\)");
        assertNoTempLeft();
    }

    /** The engine behind a bash wrapper that passes its first argument as {@code --tgz <(cat FILE)}. */
    private Engine piped() throws Exception {
        Path wrapper = home.resolve("piped.sh");
        Files.writeString(wrapper, "#!/usr/bin/env bash\nfile=$1\nshift\nexec \"$PK3S_TEST_LAUNCHER\" \"$@\" --tgz <(cat \"$file\")\n");
        assertThat(wrapper.toFile().setExecutable(true)).isTrue();
        Engine piped = new Engine(wrapper, home).cwd(home.resolve("work"))
                .env("PK3S_TEST_LAUNCHER", io.productivek3s.infra.testing.Repo.root().resolve("productive-k3s-infra.sh").toString());
        engine.environment().forEach(piped::env);
        return piped;
    }

    private Path fixtureWithScript() throws Exception {
        Path dir = home.resolve("src/complete");
        Files.createDirectories(dir);
        return new io.productivek3s.infra.testing.ProfileFixture(dir).tgz(home.resolve("work/complete.tgz"));
    }
}
