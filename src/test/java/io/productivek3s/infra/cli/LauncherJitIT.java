package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The launcher's JVM flags, seen from the installer the engine runs (its parent's command line) or printed by
 * {@code --debug}: C1 only and a small young generation for an ordinary package (compiling later under 1 MiB,
 * docs/performance.md "Round 7"), C2 for the hot loops when {@code --tgz FILE} or {@code --tgz=FILE} is a local file
 * of 8 MiB or more, whether the package cache has it or not (docs/performance.md "JIT"); C2 for the JDK's crypto classes
 * only in an encrypted state move (docs/performance.md "Encryption at rest").
 */
class LauncherJitIT extends PackageTestBase {

    @Test
    void aSmallPackageRunsWithC1Only() throws Exception {
        List<String> flags = installAndReadEngineCommandLine(pack());
        assertThat(flags).contains("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmn8m", "-Xmx384m")
                .doesNotContain("-XX:TieredStopAtLevel=4");
        // under 1 MiB: C1 compiles later (docs/performance.md "Round 7")
        assertThat(flags).contains("-XX:CompileThresholdScaling=10");
    }

    /** Between 1 and 8 MiB: C1 with the JVM's own thresholds, which hashing a few MB needs. */
    @Test
    void aMediumPackageKeepsTheJvmsCompileThresholds() throws Exception {
        Path tgz = noisyPackage(2);
        assertThat(Files.size(tgz)).isLessThan(8L * 1024 * 1024);
        List<String> flags = installAndReadEngineCommandLine(tgz);
        assertThat(flags).contains("-XX:TieredStopAtLevel=1")
                .doesNotContain("-XX:TieredStopAtLevel=4", "-XX:CompileThresholdScaling=10");
    }

    private Path noisyPackage(int mebibytes) throws Exception {
        byte[] noise = new byte[mebibytes * 1024 * 1024];
        new Random(42).nextBytes(noise);   // incompressible: the package stays above that size
        fixture.file("assets/blob.b64", Base64.getEncoder().encodeToString(noise), false);
        Path tgz = pack();
        assertThat(Files.size(tgz)).isGreaterThan(mebibytes * 1024L * 1024);
        return tgz;
    }

    private Path bigPackage() throws Exception {
        return noisyPackage(9);
    }

    @Test
    void aBigLocalPackageGetsC2ForItsHotLoops() throws Exception {
        Path tgz = bigPackage();
        List<String> flags = installAndReadEngineCommandLine(tgz);
        assertThat(flags).contains("-XX:TieredStopAtLevel=4", "-XX:Tier3InvocationThreshold=2000", "-Xmn8m")
                .doesNotContain("-XX:CompileThresholdScaling=10");
        // The big-package flags come after the base ones, so they win.
        assertThat(flags.lastIndexOf("-XX:TieredStopAtLevel=4")).isGreaterThan(flags.indexOf("-XX:TieredStopAtLevel=1"));
    }

    /**
     * The launcher hints (docs/performance.md "Launcher hints"), written here as the package cache writes them: a
     * {@code scan} hint keeps a validate on C1, a {@code tree} hint every command; the newest line for a key counts;
     * a changed file is another key; only the documented 64 lines are read; no cache, no hint.
     */
    @Test
    void launcherHintsKeepRunsThatNeitherHashNorInflateOnC1() throws Exception {
        Path tgz = bigPackage();
        Path hints = home.resolve(".cache/pk3s/launcher-hints");
        Files.createDirectories(hints.getParent());

        Files.writeString(hints, "1.2.3.4.5 tree\n" + key(tgz) + " scan\n");
        assertThat(validateJvmFlags("--tgz", tgz.toString())).doesNotContain("-XX:TieredStopAtLevel=4");
        assertThat(installAndReadEngineCommandLine(tgz)).as("scanned, not extracted: an install inflates it")
                .contains("-XX:TieredStopAtLevel=4");

        Files.writeString(hints, key(tgz) + " scan\n" + key(tgz) + " tree\n");
        assertThat(installAndReadEngineCommandLine(tgz)).doesNotContain("-XX:TieredStopAtLevel=4");
        assertThat(validateJvmFlags("--tgz=" + tgz)).doesNotContain("-XX:TieredStopAtLevel=4");

        engine.env("PK3S_INFRA_PACKAGE_CACHE_BYTES", "0");
        assertThat(validateJvmFlags("--tgz", tgz.toString())).as("no package cache: every run reads the package")
                .contains("-XX:TieredStopAtLevel=4");
        engine.unset("PK3S_INFRA_PACKAGE_CACHE_BYTES");

        StringBuilder filler = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            filler.append("1.2.3.4.").append(i).append(" tree\n");
        }
        Files.writeString(hints, filler + key(tgz) + " tree\n");
        assertThat(validateJvmFlags("--tgz", tgz.toString())).as("line 65 is past the documented size")
                .contains("-XX:TieredStopAtLevel=4");

        Files.writeString(hints, key(tgz) + " tree\n");
        Files.setLastModifiedTime(tgz, FileTime.fromMillis(1_000_000_000_000L));
        assertThat(validateJvmFlags("--tgz", tgz.toString())).as("a changed file is a new package").contains("-XX:TieredStopAtLevel=4");

        Files.delete(hints);
        Files.createSymbolicLink(hints, Path.of("/dev/zero"));
        assertThat(validateJvmFlags("--tgz", tgz.toString())).as("not a regular file: not read").contains("-XX:TieredStopAtLevel=4");
    }

    /** The key the package cache writes: what {@code stat -L -c '%d.%i.%s.%Y.%Z' FILE} prints. */
    private static String key(Path file) throws Exception {
        Map<String, Object> unix = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime");
        return unix.get("dev") + "." + unix.get("ino") + "." + unix.get("size") + "."
                + ((FileTime) unix.get("lastModifiedTime")).to(TimeUnit.SECONDS) + "." + ((FileTime) unix.get("ctime")).to(TimeUnit.SECONDS);
    }

    @Test
    void theFlagFormAndTheLastTgzCountAndOnlyRegularFilesAreMeasured() throws Exception {
        // the size alone decides here: with the package cache, the first validate's scan hint would keep the
        // later validates of the big package on C1 (the hints have their own test above)
        engine.env("PK3S_INFRA_PACKAGE_CACHE_BYTES", "0");
        Path small = home.resolve("small.tgz");
        Files.copy(pack(), small);
        assertThat(validateJvmFlags("--tgz=" + small)).doesNotContain("-XX:TieredStopAtLevel=4");
        Path big = bigPackage();
        assertThat(validateJvmFlags("--tgz=" + big)).contains("-XX:TieredStopAtLevel=4");
        assertThat(validateJvmFlags("--tgz", big.toString())).as("the same package again").contains("-XX:TieredStopAtLevel=4");
        // the engine takes the last --tgz: so does the launcher
        assertThat(validateJvmFlags("--tgz", big.toString(), "--tgz=" + small)).doesNotContain("-XX:TieredStopAtLevel=4");
        assertThat(validateJvmFlags("--tgz=" + small, "--tgz", big.toString())).contains("-XX:TieredStopAtLevel=4");
        // a link to the big package is the big package
        Path link = home.resolve("link.tgz");
        Files.createSymbolicLink(link, big);
        assertThat(validateJvmFlags("--tgz", link.toString())).contains("-XX:TieredStopAtLevel=4");
    }

    /**
     * With a state key in the environment, the commands that restore or persist a runtime get C2 for the JDK's crypto
     * and digest classes only (the shipped compiler directives; AES-GCM's intrinsic is C2-only), with those classes
     * compiled early and the JVM's own C1 thresholds for the rest (docs/performance.md "Encryption at rest"); every
     * other command, and the same commands without a key, keep C1. Only the flags are checked here (the commands
     * themselves fail: there is no state to move).
     */
    @Test
    void encryptedStateMovesGetC2ForTheCryptoClassesAndEverythingElseKeepsC1() throws Exception {
        String crypto = "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.05";
        String directives = "-XX:CompilerDirectivesFile=" + Repo.root().resolve("scripts/lib/pk3s-sealed-jit.json");
        List<String[]> moves = List.of(new String[] {"state", "pull", "siteA", "--output", home.resolve("out").toString()},
                new String[] {"profile", "status", "--name", "siteA"}, new String[] {"state", "migrate", "--to", "local"});
        for (String[] command : moves) {
            assertThat(debugJvmFlags(command)).as("no key: %s", List.of(command))
                    .doesNotContain("-XX:TieredStopAtLevel=4", crypto, "-XX:CompilerDirectivesFile");
        }
        engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", home.resolve("state.key").toString());
        for (String[] command : moves) {
            String flags = debugJvmFlags(command);
            assertThat(flags).as("%s", List.of(command)).contains("-XX:TieredStopAtLevel=4", "-XX:CompileCommand=quiet", crypto,
                    "-XX:+UnlockDiagnosticVMOptions", "-XX:-DisplayVMOutput", directives)
                    .doesNotContain("-XX:Tier3InvocationThreshold");   // the JVM's own C1 thresholds
            assertThat(flags.lastIndexOf("-XX:TieredStopAtLevel=4")).isGreaterThan(flags.indexOf("-XX:TieredStopAtLevel=1"));
        }
        for (String[] command : List.of(new String[] {"version"}, new String[] {"state", "list"},
                new String[] {"profile", "validate", "--tgz", pack().toString()})) {
            assertThat(debugJvmFlags(command)).as("%s", List.of(command)).contains("-XX:TieredStopAtLevel=1")
                    .doesNotContain("-XX:TieredStopAtLevel=4", crypto, "-XX:CompilerDirectivesFile");
        }
        // a big package needs C2 for its own hot loops: C2 everywhere, as the big-package flags give it
        engine.env("PK3S_INFRA_PACKAGE_CACHE_BYTES", "0");
        assertThat(debugJvmFlags("profile", "status", "--tgz", bigPackage().toString(), "--name", "siteA"))
                .contains("-XX:Tier3InvocationThreshold=2000", crypto).doesNotContain("-XX:CompilerDirectivesFile");
    }

    /**
     * The JVM refuses to start with a missing or malformed directives file, so the launcher names it only when it holds
     * exactly the shipped line; otherwise an encrypted move gets C2 everywhere (the big-package flags) and runs all the
     * same. Seen through an installed copy of the launcher whose path has a blank, with a real encrypted persist and
     * restore through the shipped file; the JVM's "compiler directives added" line never reaches stdout.
     */
    @Test
    void anEncryptedMoveRunsWhateverBecameOfTheDirectivesFile() throws Exception {
        Path installed = installedCopy(home.resolve("engine copy"));
        Path file = installed.resolve("scripts/lib/pk3s-sealed-jit.json");
        Engine copy = new Engine(installed.resolve("productive-k3s-infra.sh"), home);
        copy.environment().putAll(engine.environment());
        copy.cwd(home.resolve("work"));
        newStateKey(home.resolve("state.key").toString());
        copy.env("PK3S_STATE_ENCRYPTION_KEY_FILE", home.resolve("state.key").toString());

        Engine.Result install = copy.run("profile", "install", "--tgz", pack().toString(), "--env-file",
                overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString(), "--name", "sealed", "--debug");
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(jvmLine(install)).contains("-XX:CompilerDirectivesFile=" + file, "-XX:-DisplayVMOutput")
                .doesNotContain("-XX:Tier3InvocationThreshold");
        assertThat(install.stdout()).doesNotContain("directives");
        Engine.Result pull = copy.run("state", "pull", "sealed", "--output", home.resolve("pulled").toString());
        assertThat(pull.exitCode()).as(pull.toString()).isZero();
        assertThat(pull.stdout()).doesNotContain("directives");
        assertThat(home.resolve("pulled")).isDirectory();

        Files.writeString(file, Files.readString(file).replace("Exclude: true", "Exclude: tru"));
        assertFallsBackToC2Everywhere(copy, "a malformed file");
        Files.writeString(file, "[]\n");
        assertFallsBackToC2Everywhere(copy, "another (valid) file");
        Files.delete(file);
        assertFallsBackToC2Everywhere(copy, "no file");
        Files.createDirectory(file);
        assertFallsBackToC2Everywhere(copy, "a directory");
    }

    /**
     * A run with a state key notes in the launcher hints how big the revision it persisted or pulled was
     * ({@code state:<name> small|big}, docs/performance.md "Small encrypted pulls on C1"); the launcher then runs
     * an encrypted {@code state pull NAME}, or {@code profile status|destroy --name NAME}, of a small one on C1 only,
     * the cipher classes compiled early. Install, apply, an older revision, the name after a flag, no name, a
     * {@code big} hint, a hint file that is a link, or no hint: the encrypted-move flags as before. Plain runs note
     * nothing. Every pull succeeds whatever its flags.
     */
    @Test
    void anEncryptedPullOfASmallStateRunsOnC1Only() throws Exception {
        String crypto = "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.05";
        Path hints = home.resolve(".cache/pk3s/launcher-hints");
        String site = overrideFile("ONPREM_SERVER_IP=10.0.0.5\n").toString();
        Engine.Result plain = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", site, "--name", "plain");
        assertThat(plain.exitCode()).as(plain.toString()).isZero();
        assertThat(Files.readString(hints)).as("a plain run notes no state move").doesNotContain("state:");

        newStateKey(home.resolve("state.key").toString());
        engine.env("PK3S_STATE_ENCRYPTION_KEY_FILE", home.resolve("state.key").toString())
                .env("PK3S_PROFILE_STATE_DIR", home.resolve("sealed-state").toString());
        Engine.Result install = engine.run("profile", "install", "--tgz", pack().toString(), "--env-file", site, "--name", "siteB");
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(Files.readAllLines(hints)).filteredOn(line -> line.startsWith("state:")).containsExactly("state:siteB small");

        assertThat(pull("small", "state", "pull", "siteB")).contains("-XX:TieredStopAtLevel=1", crypto)
                .doesNotContain("-XX:TieredStopAtLevel=4", "-XX:CompilerDirectivesFile");
        String c2 = "-XX:CompilerDirectivesFile=";
        assertThat(pull("older", "state", "pull", "siteB", "--revision", "1")).contains("-XX:TieredStopAtLevel=4", c2);
        assertThat(pull("older2", "state", "pull", "siteB", "--revision=1")).contains("-XX:TieredStopAtLevel=4", c2);
        assertThat(pull("flag-first", "state", "pull", "--debug", "siteB")).contains("-XX:TieredStopAtLevel=4", c2);
        assertThat(pull("unknown", "state", "pull", "siteC")).as("no hint for that name").contains("-XX:TieredStopAtLevel=4", c2);

        // status and destroy of --name NAME add no infrastructure: the hint counts for them too; install, apply and
        // plan may download a provider binary and keep C2
        assertThat(debugJvmFlags("profile", "install", "--tgz", pack().toString(), "--name", "siteB"))
                .contains("-XX:TieredStopAtLevel=4", c2);
        assertThat(debugJvmFlags("profile", "apply", "--tgz", pack().toString(), "--name=siteB")).contains(c2);
        assertThat(debugJvmFlags("profile", "destroy", "--tgz", pack().toString(), "--name=siteB", "--dry-run"))
                .doesNotContain(c2, "-XX:TieredStopAtLevel=4");
        assertThat(debugJvmFlags("status", "--tgz", pack().toString(), "--name", "siteC", "--name", "siteB"))
                .as("the last --name counts").doesNotContain(c2);
        assertThat(debugJvmFlags("profile", "status", "--tgz", pack().toString())).as("no --name").contains(c2);

        // a revision of 16 MiB or more: `big`, written by the persist that committed it (this status still ran on
        // C1: the hint said small, and a stale hint costs one run at C1 speed)
        Path generated = home.resolve("sealed-state/siteB.runtime/generated");
        Files.write(generated.resolve("provider.bin"), new byte[16 << 20]);
        Engine.Result status = engine.run("profile", "status", "--tgz", pack().toString(), "--env-file", site, "--name",
                "siteB", "--debug");
        assertThat(status.exitCode()).as(status.toString()).isZero();
        String statusFlags = jvmLine(status);
        assertThat(statusFlags).contains("-XX:TieredStopAtLevel=1").doesNotContain(c2);
        assertThat(statusFlags.lastIndexOf("-XX:CompileThresholdScaling=1 ")).as("the JVM's own C1 thresholds, not a small package's")
                .isGreaterThan(statusFlags.indexOf("-XX:CompileThresholdScaling=10"));
        assertThat(Files.readAllLines(hints)).filteredOn(line -> line.startsWith("state:")).containsExactly("state:siteB big");
        assertThat(pull("big", "state", "pull", "siteB")).contains("-XX:TieredStopAtLevel=4", c2);

        // a pull notes what it pulled: a wrong `small` is put right by the next pull
        Files.writeString(hints, "state:siteB small\n");
        assertThat(pull("stale", "state", "pull", "siteB")).contains("-XX:TieredStopAtLevel=1").doesNotContain(c2);
        assertThat(Files.readAllLines(hints)).containsExactly("state:siteB big");   // the package lines went with the rewrite

        Files.delete(hints);
        Path elsewhere = Files.writeString(home.resolve("elsewhere"), "state:siteB small\n");
        Files.createSymbolicLink(hints, elsewhere);
        assertThat(pull("linked", "state", "pull", "siteB")).as("a link is not read").contains("-XX:TieredStopAtLevel=4", c2);
        assertThat(elsewhere).as("nor written through").hasContent("state:siteB small\n");
        assertThat(Files.isSymbolicLink(hints)).isFalse();
        assertThat(Files.readAllLines(hints)).containsExactly("state:siteB big");
    }

    /** Runs {@code command} with {@code --output <home>/pulled-<label> --debug}; its JVM flags (the pull must succeed). */
    private String pull(String label, String... command) {
        List<String> args = new java.util.ArrayList<>(List.of(command));
        args.addAll(List.of("--output", home.resolve("pulled-" + label).toString(), "--debug"));
        Engine.Result pulled = engine.run(args.toArray(String[]::new));
        if (!label.equals("unknown")) {
            assertThat(pulled.exitCode()).as("%s: %s", label, pulled).isZero();
            assertThat(home.resolve("pulled-" + label + "/siteB.runtime")).isDirectory();
        }
        return jvmLine(pulled);
    }

    private void assertFallsBackToC2Everywhere(Engine copy, String what) throws Exception {
        // a small state's pull runs on C1, without directives (anEncryptedPullOfASmallStateRunsOnC1Only), and notes
        // itself small again: say big before each
        Files.writeString(home.resolve(".cache/pk3s/launcher-hints"), "state:sealed big\n");
        Path out = home.resolve("pulled-" + what.replace(' ', '-').replaceAll("[()]", ""));
        Engine.Result pull = copy.run("state", "pull", "sealed", "--output", out.toString(), "--debug");
        assertThat(pull.exitCode()).as("%s: %s", what, pull).isZero();
        assertThat(jvmLine(pull)).as(what).contains("-XX:TieredStopAtLevel=4", "-XX:Tier3InvocationThreshold=2000")
                .doesNotContain("-XX:CompilerDirectivesFile");
        assertThat(out).isDirectory();
    }

    /**
     * The launcher files as a bundle ships them (docs/release.md "Bundle layout") under {@code dir}, with this checkout's
     * jars linked into lib/ (an installed layout on the host's Java: no Maven, nothing written into it).
     */
    private static Path installedCopy(Path dir) throws Exception {
        Path root = Repo.root();
        Files.createDirectories(dir.resolve("scripts/lib"));
        Files.createDirectories(dir.resolve("lib"));
        Files.copy(root.resolve("productive-k3s-infra.sh"), dir.resolve("productive-k3s-infra.sh"));
        try (var libs = Files.list(root.resolve("scripts/lib"))) {
            for (Path lib : libs.filter(p -> p.getFileName().toString().startsWith("pk3s-")).toList()) {
                Files.copy(lib, dir.resolve("scripts/lib").resolve(lib.getFileName()));
            }
        }
        try (var jars = Files.list(root.resolve("target/lib"))) {
            for (Path jar : jars.filter(p -> p.getFileName().toString().endsWith(".jar")).toList()) {
                Files.createSymbolicLink(dir.resolve("lib").resolve(jar.getFileName()), jar);
            }
        }
        return dir;
    }

    private static String jvmLine(Engine.Result result) {
        return result.stderrLines().stream().filter(line -> line.contains("DEBUG jvm: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no jvm debug line: " + result));
    }

    /**
     * {@code version} and {@code help} print what the engine holds: they run interpreted (docs/performance.md
     * "Round 8"); every other command, and those words anywhere but first, keep C1.
     */
    @Test
    void versionAndHelpRunInterpretedAndNothingElseDoes() throws Exception {
        for (String[] command : List.of(new String[] {"version"}, new String[] {"help"}, new String[] {"help", "state"},
                new String[] {"--help"}, new String[] {"-h"})) {
            assertThat(debugJvmFlags(command)).as("%s", List.of(command)).contains("-Xint");
        }
        for (String[] command : List.of(new String[] {"state", "list"}, new String[] {"profile", "validate", "--help"},
                new String[] {"doctor"}, new String[] {"profile", "validate", "--tgz", pack().toString()})) {
            assertThat(debugJvmFlags(command)).as("%s", List.of(command)).contains("-XX:TieredStopAtLevel=1")
                    .doesNotContain("-Xint");
        }
    }

    /** The JVM flags {@code --debug} prints for {@code command}, whatever its exit code. */
    private String debugJvmFlags(String... command) {
        List<String> args = new java.util.ArrayList<>(List.of(command));
        args.add("--debug");
        return jvmLine(engine.run(args.toArray(String[]::new)));
    }

    private String validateJvmFlags(String... tgzFlags) {
        List<String> args = new java.util.ArrayList<>(List.of("profile", "validate"));
        args.addAll(List.of(tgzFlags));
        args.add("--debug");
        Engine.Result result = engine.run(args.toArray(String[]::new));
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return jvmLine(result);
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
