package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The launcher's JVM flags, seen from the installer the engine runs (its parent's command line): C1 only and a small
 * young generation for an ordinary package, C2 for the hot loops when {@code --tgz} is a local file of 8 MiB or more
 * (docs/performance.md "JIT").
 */
class LauncherJitIT extends PackageTestBase {

    @Test
    void aSmallPackageRunsWithC1Only() throws Exception {
        List<String> flags = installAndReadEngineCommandLine(pack());
        assertThat(flags).contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmn8m", "-Xmx384m")
                .doesNotContain("-XX:TieredStopAtLevel=4");
    }

    @Test
    void aBigLocalPackageGetsC2ForItsHotLoops() throws Exception {
        byte[] noise = new byte[9 * 1024 * 1024];
        new Random(42).nextBytes(noise);   // incompressible: the package stays above 8 MiB
        fixture.file("assets/blob.b64", Base64.getEncoder().encodeToString(noise), false);
        Path tgz = pack();
        assertThat(Files.size(tgz)).isGreaterThan(8L * 1024 * 1024);
        List<String> flags = installAndReadEngineCommandLine(tgz);
        assertThat(flags).contains("-XX:TieredStopAtLevel=4", "-XX:Tier3InvocationThreshold=2000", "-Xmn8m");
        // The big-package flags come after the base ones, so they win.
        assertThat(flags.lastIndexOf("-XX:TieredStopAtLevel=4")).isGreaterThan(flags.indexOf("-XX:TieredStopAtLevel=1"));
    }

    private List<String> installAndReadEngineCommandLine(Path tgz) throws Exception {
        Engine.Result result = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file",
                overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String> cmdline = Files.readAllLines(records.resolve("engine.cmdline"));
        assertThat(cmdline).as("the installer's parent is the engine's JVM").contains("io.productivek3s.infra.Main");
        return cmdline;
    }
}
