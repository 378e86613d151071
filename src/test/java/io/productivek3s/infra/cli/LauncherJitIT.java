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

    private Path bigPackage() throws Exception {
        byte[] noise = new byte[9 * 1024 * 1024];
        new Random(42).nextBytes(noise);   // incompressible: the package stays above 8 MiB
        fixture.file("assets/blob.b64", Base64.getEncoder().encodeToString(noise), false);
        Path tgz = pack();
        assertThat(Files.size(tgz)).isGreaterThan(8L * 1024 * 1024);
        return tgz;
    }

    @Test
    void aBigLocalPackageGetsC2ForItsHotLoopsOnlyWhileItIsNotCached() throws Exception {
        Path tgz = bigPackage();
        List<String> flags = installAndReadEngineCommandLine(tgz);
        assertThat(flags).contains("-XX:TieredStopAtLevel=4", "-XX:Tier3InvocationThreshold=2000", "-Xmn8m");
        // The big-package flags come after the base ones, so they win.
        assertThat(flags.lastIndexOf("-XX:TieredStopAtLevel=4")).isGreaterThan(flags.indexOf("-XX:TieredStopAtLevel=1"));
        // now extracted in the package cache: the next run neither inflates nor hashes it
        assertThat(installAndReadEngineCommandLine(tgz)).contains("-XX:TieredStopAtLevel=1")
                .doesNotContain("-XX:TieredStopAtLevel=4");
        // a changed file is a new package to the launcher too
        Files.setLastModifiedTime(tgz, java.nio.file.attribute.FileTime.fromMillis(1_000_000_000_000L));
        assertThat(installAndReadEngineCommandLine(tgz)).contains("-XX:TieredStopAtLevel=4");
    }

    @Test
    void aValidatedPackageIsValidatedAgainWithC1ButItsFirstInstallGetsC2() throws Exception {
        Path tgz = bigPackage();
        assertThat(validateJvmFlags(tgz)).contains("-XX:TieredStopAtLevel=4");
        assertThat(validateJvmFlags(tgz)).doesNotContain("-XX:TieredStopAtLevel=4");
        // validate only scanned it: the first install inflates it
        assertThat(installAndReadEngineCommandLine(tgz)).contains("-XX:TieredStopAtLevel=4");
        assertThat(installAndReadEngineCommandLine(tgz)).doesNotContain("-XX:TieredStopAtLevel=4");
        // without the package cache every run reads the package
        engine.env("PK3S_INFRA_PACKAGE_CACHE_BYTES", "0");
        assertThat(validateJvmFlags(tgz)).contains("-XX:TieredStopAtLevel=4");
    }

    private String validateJvmFlags(Path tgz) {
        Engine.Result result = engine.run("profile", "validate", "--tgz", tgz.toString(), "--debug");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result.stderrLines().stream().filter(line -> line.contains("DEBUG jvm: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no jvm debug line: " + result));
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
