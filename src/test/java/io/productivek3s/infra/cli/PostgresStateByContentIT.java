package io.productivek3s.infra.cli;

import static io.productivek3s.infra.cli.MtimePreservingScenario.BACKUP;
import static io.productivek3s.infra.cli.MtimePreservingScenario.GENERATED;
import static io.productivek3s.infra.cli.MtimePreservingScenario.NAME;
import static io.productivek3s.infra.cli.MtimePreservingScenario.PROVIDER;
import static io.productivek3s.infra.cli.MtimePreservingScenario.TFSTATE;
import static io.productivek3s.infra.cli.MtimePreservingScenario.serial;
import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Black-box, PostgreSQL backend with two workstations (issue 17): a scenario that keeps mtimes must still share its
 * latest content. Before the fix, B saw serial 1 after A's third install, wrote serial 2 over it, and A was then
 * stuck on a blob that did not match its digest.
 */
class PostgresStateByContentIT extends PostgresStateBaseIT {

    @Test
    void theOtherWorkstationSeesTheLatestSerialAndBothKeepWorking() throws Exception {
        MtimePreservingScenario.use(fixture, engine);
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        Engine a = engine;
        Path homeB = home.resolve("ws-b");
        Engine b = workstation(homeB);
        Path runtimeA = stateDir.resolve(NAME + ".runtime");
        Path runtimeB = homeB.resolve("state").resolve(NAME + ".runtime");

        for (int i = 1; i <= 3; i++) {
            ok(a.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()));
        }
        assertThat(runtimeA.resolve(TFSTATE)).hasContent(serial(3));
        for (int n = 1; n <= 3; n++) {
            Path out = home.resolve("pulled-" + n);
            ok(a.run("state", "pull", NAME, "--revision", Integer.toString(n), "--output", out.toString()));
            assertThat(out.resolve(NAME + ".runtime").resolve(TFSTATE)).as("revision " + n).hasContent(serial(n));
            assertThat(out.resolve(NAME + ".runtime").resolve(GENERATED)).as("revision " + n).hasContent(serial(n));
        }

        ok(b.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString()));
        assertThat(runtimeB.resolve(TFSTATE)).hasContent(serial(3));
        assertThat(runtimeB.resolve(BACKUP)).hasContent(serial(2));

        ok(b.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()));
        assertThat(runtimeB.resolve(TFSTATE)).hasContent(serial(4));

        ok(a.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString()));
        assertThat(runtimeA.resolve(TFSTATE)).hasContent(serial(4));
        assertThat(runtimeA.resolve(BACKUP)).hasContent(serial(3));
        ok(a.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString()));
        assertThat(runtimeA.resolve(TFSTATE)).hasContent(serial(5));

        ok(a.run("state", "rollback", NAME, "--revision", "2"));
        assertThat(runtimeA.resolve(TFSTATE)).hasContent(serial(2));
        ok(b.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString()));
        assertThat(runtimeB.resolve(TFSTATE)).hasContent(serial(2));

        // The rolled-back mirror is made of new files: hashed once, then the provider (hard-linked from the mirror
        // into the scenario and the staging tree, links the memo follows) comes from the memo on every repeat run.
        // (Installs: an unchanged status writes no revision, so it would not persist at all.)
        Engine.Result first = ok(b.run("--debug", "profile", "install", "--tgz", tgz.toString(), "--env-file",
                site.toString()));
        assertThat(first.stderr()).contains("digests from the memo)");
        for (int i = 0; i < 2; i++) {
            Engine.Result repeat = ok(b.run("--debug", "profile", "install", "--tgz", tgz.toString(), "--env-file",
                    site.toString()));
            assertThat(repeat.stderr()).as("repeat status %d", i).contains(" 1 digests from the memo)");
        }
        assertThat(runtimeB.resolve(PROVIDER)).hasSize(1_200_000);
    }
}
