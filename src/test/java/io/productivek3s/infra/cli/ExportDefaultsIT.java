package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * An export bundle's {@code install-config.env} supplies defaults only: the recipient's explicit
 * {@code TELEMETRY_ENABLED} wins over the exporter's choice, which applies only when the recipient set nothing.
 */
class ExportDefaultsIT extends PackageTestBase {

    @Test
    void recipientsExplicitTelemetryChoiceWinsOverTheBundlesDefault() throws IOException {
        pack();
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine.Result exported = engine.env("TELEMETRY_ENABLED", "true").env("TELEMETRY_ENDPOINT", Engine.UNREACHABLE)
                .run("profile", "export", "--tgz", "fixture.tgz", "--env-file", "site.env", "--output", "bundle");
        assertThat(exported.exitCode()).as(exported.toString()).isZero();
        Path bundle = home.resolve("work/bundle");
        assertThat(bundle.resolve("install-config.env")).content().contains("export TELEMETRY_ENABLED='true'");

        Engine recipient = new Engine(bundle.resolve("install.sh"), home).prependPath(tools.bin())
                .env("PK3S_PROFILE_STATE_DIR", stateDir.toString()).env("FIXTURE_RECORD_DIR", records.toString())
                .env("TELEMETRY_ENDPOINT", Engine.UNREACHABLE).env("TELEMETRY_REQUEST_TIMEOUT_SECONDS", "1").cwd(bundle);

        Engine.Result declined = recipient.env("TELEMETRY_ENABLED", "false").run();
        assertThat(declined.exitCode()).as(declined.toString()).isZero();
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "false");

        Engine.Result defaulted = recipient.unset("TELEMETRY_ENABLED").run();
        assertThat(defaulted.exitCode()).as(defaulted.toString()).isZero();
        assertThat(recordedEnv("installer.env")).containsEntry("TELEMETRY_ENABLED", "true");
    }
}
