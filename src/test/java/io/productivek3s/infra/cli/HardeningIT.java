package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.ProfileFixture;
import io.productivek3s.infra.util.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hardening through the real launcher (issue 11): checks before side effects, resource bounds named in one line,
 * signals recorded as {@code interrupted} whatever the phase, locale-proof member names.
 */
class HardeningIT extends PackageTestBase {
    private static final String SITE = "ONPREM_SERVER_IP=198.51.100.7\nTELEMETRY_ENABLED=false\n";

    private Path lockFile() {
        return stateDir.resolve("fixture-profile.lock");
    }

    private void assertNothingHappened() throws Exception {
        assertThat(lockFile()).as("no state lock taken").doesNotExist();
        assertThat(records.resolve("installer.env")).as("installer never ran").doesNotExist();
        assertNoTempLeft();
    }

    @Test
    void aMissingInstallScriptIsFoundBeforeTheLockAndAnyOutput() throws Exception {
        fixture.delete("scripts/install.sh");
        Engine.Result result = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", overrideFile(SITE).toString());
        assertError(result, 4, "profile package install script not found: scripts/install.sh");
        assertThat(result.stdout()).doesNotContain("Executing", "WARN  profile 'fixture-profile' state was created");
        assertNothingHappened();
    }

    @Test
    void anEnvironmentTheKernelWouldRefuseIsNamedBeforeAnythingRuns() throws Exception {
        // each string fits and the files stay within their bounds, but with the caller's own environment the child
        // would exceed ARG_MAX (a quarter of the stack limit this JVM hands down)
        long argMax = io.productivek3s.infra.exec.ExecLimits.current().argMax();
        StringBuilder many = new StringBuilder(SITE);
        for (int i = 0; i < 8; i++) {
            many.append("V").append(i).append('=').append("z".repeat(110_000)).append('\n');
        }
        int processVars = (int) ((argMax - 600_000) / 110_000) + 1;
        for (int i = 0; i < processVars; i++) {
            engine.env("PROCESS_V" + i, "p".repeat(110_000));
        }
        Engine.Result total = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", overrideFile(many.toString()).toString());
        for (int i = 0; i < processVars; i++) {
            engine.env("PROCESS_V" + i, null);
        }
        assertThat(total.exitCode()).as(total.toString()).isEqualTo(4);
        assertThat(total.stderrLines()).singleElement().asString()
                .startsWith("[pk3s-infra] ERROR the child environment and arguments need ")
                .endsWith(" bytes; the kernel allows " + argMax + " bytes (ARG_MAX, a quarter of the stack limit)");
        assertNothingHappened();

        // one value over the kernel's per-string limit: named, not "missing dependency: bash"
        Path huge = overrideFile(SITE + "HUGE=" + "h".repeat(131_070) + "\n");
        Engine.Result one = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", huge.toString());
        assertError(one, 4, "environment variable HUGE is 131076 bytes; the kernel limits one environment string to 131072 bytes (MAX_ARG_STRLEN)");
        assertNothingHappened();
    }

    @Test
    void exponentialEnvExpansionFailsFastWithTheLine() throws Exception {
        StringBuilder env = new StringBuilder(ProfileFixture.DEFAULT_ENV + "A=" + "a".repeat(32) + "\n");
        char previous = 'A';
        for (char name = 'B'; name <= 'J'; name++) {
            env.append(name).append('=').append(("$" + previous).repeat(16)).append('\n');
            previous = name;
        }
        fixture.env(env.toString());
        long start = System.nanoTime();
        Engine.Result result = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", overrideFile(SITE).toString());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertError(result, 4, "env file profile.env:11: value of E is longer than 131072 characters after expansion");
        assertThat(millis).as("no gigabytes of expansion").isLessThan(60_000);
        assertNothingHappened();
    }

    @Test
    void nulAndControlCharactersInEnvFilesAreRefusedWithFileAndLine() throws Exception {
        assertError(engine.run("profile", "install", "--tgz", pack().toString(), "--env-file",
                overrideFile(SITE + "PK3S_PROFILE_MAKE_BIN=/usr/bin/make\0x\n").toString()), 4,
                "env file " + home.resolve("work/site.env") + ":3: control character U+0000 is not allowed");
        fixture.env(ProfileFixture.DEFAULT_ENV + "X=\u001b]0;title\u0007\n");
        assertError(engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", overrideFile(SITE).toString()), 4,
                "env file profile.env:7: control character U+001B is not allowed");
        assertNothingHappened();
    }

    @Test
    void aTgzThatIsNoFileIsNamedAndNeverOpened() throws Exception {
        Path fifo = home.resolve("work/pipe.tgz");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Files.createDirectories(home.resolve("work/dir.tgz"));
        assertError(engine.run("profile", "validate", "--tgz", "pipe.tgz"), 3, "tgz package is not a regular file: pipe.tgz (a FIFO)");
        assertError(engine.run("profile", "install", "--tgz", "/dev/zero"), 3,
                "tgz package is not a regular file: /dev/zero (a device or other special file)");
        assertError(engine.run("profile", "status", "--tgz", "dir.tgz"), 3, "tgz package is not a regular file: dir.tgz (a directory)");
        assertError(engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", "pipe.tgz"), 4,
                "override env file is not a regular file: pipe.tgz");
    }

    @Test
    void nonAsciiMemberNamesInstallUnderTheCLocaleAndChildrenKeepTheCallersLocale() throws Exception {
        fixture.file("assets/caf\u00e9-\u00fcber-\u65e5\u672c.txt", "x\n", false);
        Path tgz = pack();
        Engine c = engine.env("LANG", "C").env("LC_ALL", "C");
        Engine.Result validate = c.run("profile", "validate", "--tgz", tgz.toString());
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        Engine.Result install = c.run("profile", "install", "--tgz", tgz.toString(), "--env-file", overrideFile(SITE).toString());
        assertThat(install.exitCode()).as(install.toString()).isZero();
        Map<String, String> env = recordedEnv("installer.env");
        assertThat(env).containsEntry("LANG", "C").containsEntry("LC_ALL", "C").doesNotContainKey("LC_CTYPE")
                .doesNotContainKeys("PK3S_INFRA_CALLER_LC_ALL", "PK3S_INFRA_CALLER_LC_CTYPE");

        Engine posix = engine.env("LC_ALL", null).env("LANG", "POSIX").env("LC_CTYPE", "POSIX");
        Engine.Result again = posix.run("profile", "install", "--tgz", tgz.toString(), "--env-file", overrideFile(SITE).toString());
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(recordedEnv("installer.env")).containsEntry("LC_CTYPE", "POSIX").doesNotContainKey("LC_ALL");
    }

    @Test
    void aSignalWhileStatePersistsIsRecordedAsInterrupted() throws Exception {
        // the installer asks the engine to stop as it finishes successfully: whatever phase the signal lands in
        // (the child's end, the persist, after it), the record and the exit code agree on "interrupted"
        fixture.file("scripts/install.sh", ProfileFixture.DEFAULT_INSTALLER.replace("exit \"${FIXTURE_INSTALL_EXIT:-0}\"",
                "kill -TERM \"$PPID\"\nexit 0"), true);
        Path tgz = pack();
        // A signal the JVM's signal thread sees only after the run settled ends the engine too, but the record
        // rightly says the install finished and a WARN says so; one seen before is recorded as interrupted.
        int interrupted = 0;
        for (int round = 0; round < 5; round++) {
            Engine.Result result = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", overrideFile(SITE).toString());
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(143);
            if (lastAction().get("result").equals("interrupted")) {
                interrupted++;
                assertThat(lastAction()).as(result.toString()).containsEntry("exit_code", "143");
            } else {
                assertThat(lastAction()).as(result.toString()).containsEntry("result", "success").containsEntry("exit_code", "0");
                assertThat(result.stderrLines()).as(result.toString()).contains(
                        "[pk3s-infra] WARN  SIGTERM received after 'profile install' finished and its state was recorded; stopping");
            }
        }
        assertThat(interrupted).as("a signal sent before the installer exits is normally seen in the run").isPositive();
    }

    @Test
    void aSignalReachingEngineAndInstallerTogetherIsAlwaysInterruptedNeverFailed() throws Exception {
        // like a Ctrl-C on a terminal, the signal reaches the engine and the installer together and the installer
        // dies of it at once, often before the engine has seen its own copy. (SIGTERM: a background test run may
        // inherit SIGINT as ignored; the race and its handling are the same for both signals.)
        fixture.file("scripts/install.sh", ProfileFixture.DEFAULT_INSTALLER.replace("exit \"${FIXTURE_INSTALL_EXIT:-0}\"",
                "kill -TERM \"$PPID\"\nkill -TERM $$\nsleep 5\nexit 0"), true);
        Path tgz = pack();
        for (int round = 0; round < 3; round++) {
            Engine.Result result = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", overrideFile(SITE).toString());
            assertThat(result.exitCode()).as(result.toString()).isEqualTo(143);
            assertThat(lastAction()).as(result.toString()).containsEntry("result", "interrupted").containsEntry("exit_code", "143");
            assertThat(result.stderrLines()).contains("[pk3s-infra] ERROR packaged profile installer was interrupted by signal SIGTERM");
        }
    }

    @Test
    void theTempDirOfAKilledRunIsRemovedByTheNextRun() throws Exception {
        fixture.file("scripts/install.sh", ProfileFixture.DEFAULT_INSTALLER.replace("echo \"fixture installer ran\"",
                "echo started > \"$FIXTURE_RECORD_DIR/started\"\nsleep 60"), true);
        Path tgz = pack();
        Process engineProcess = engine.start("profile", "install", "--tgz", tgz.toString(), "--env-file", overrideFile(SITE).toString());
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(records.resolve("started")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(records.resolve("started")).as("installer started").exists();
        java.util.List<ProcessHandle> children = engineProcess.descendants().toList();
        engineProcess.destroyForcibly().waitFor(); // SIGKILL: no cleanup can run
        children.forEach(ProcessHandle::destroyForcibly);
        try (var left = Files.list(home.resolve("tmp"))) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).as("the killed run left its temp dir")
                    .anySatisfy(name -> assertThat(name).startsWith("pk3s-infra-" + engineProcess.pid() + "-"));
        }
        fixture.file("scripts/install.sh", ProfileFixture.DEFAULT_INSTALLER, true);
        Engine.Result next = engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", overrideFile(SITE).toString());
        assertThat(next.exitCode()).as(next.toString()).isZero();
        assertNoTempLeft();
    }

    private Map<String, String> lastAction() throws Exception {
        var node = Json.parse(Files.readString(stateDir.resolve("fixture-profile.runtime/engine-state.json"))).path("last_action");
        Map<String, String> fields = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue().asText()));
        return fields;
    }
}
