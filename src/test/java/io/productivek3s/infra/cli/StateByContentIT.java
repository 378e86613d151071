package io.productivek3s.infra.cli;

import static io.productivek3s.infra.cli.MtimePreservingScenario.BACKUP;
import static io.productivek3s.infra.cli.MtimePreservingScenario.GENERATED;
import static io.productivek3s.infra.cli.MtimePreservingScenario.NAME;
import static io.productivek3s.infra.cli.MtimePreservingScenario.TFSTATE;
import static io.productivek3s.infra.cli.MtimePreservingScenario.serial;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Black-box, local backend (issue 17): a scenario that rewrites its state and restores the old mtime must still get
 * one revision per content. Before the fix, every revision claimed serial 1 and rollback brought serial 1 back.
 */
class StateByContentIT extends PackageTestBase {

    @Test
    void everyRevisionHoldsWhatTheInstallerWroteEvenWithTheOldMtime() throws Exception {
        MtimePreservingScenario.use(fixture, engine);
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\nTELEMETRY_ENABLED=false\n");
        for (int i = 1; i <= 3; i++) {
            ok(engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()));
        }
        Path runtime = stateDir.resolve(NAME + ".runtime");
        assertThat(runtime.resolve(TFSTATE)).hasContent(serial(3));

        for (int n = 1; n <= 3; n++) {
            Path out = home.resolve("pulled-" + n);
            ok(engine.run("state", "pull", NAME, "--revision", Integer.toString(n), "--output", out.toString()));
            Path pulled = out.resolve(NAME + ".runtime");
            assertThat(pulled.resolve(TFSTATE)).as("revision " + n).hasContent(serial(n));
            assertThat(pulled.resolve(BACKUP)).as("revision " + n).hasContent(serial(n - 1));
            assertThat(pulled.resolve(GENERATED)).as("revision " + n).hasContent(serial(n));
        }

        ok(engine.run("state", "rollback", NAME, "--revision", "2"));
        assertThat(runtime.resolve(TFSTATE)).hasContent(serial(2));
        assertThat(runtime.resolve(BACKUP)).hasContent(serial(1));
        assertThat(runtime.resolve(GENERATED)).hasContent(serial(2));

        // The next install starts from the rolled-back state.
        ok(engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()));
        assertThat(runtime.resolve(TFSTATE)).hasContent(serial(3));
        Path out = home.resolve("pulled-current");
        ok(engine.run("state", "pull", NAME, "--output", out.toString()));
        assertThat(out.resolve(NAME + ".runtime").resolve(TFSTATE)).hasContent(serial(3));
    }
}
