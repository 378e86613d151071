package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.Repo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/** {@code profile export} through the real launcher (docs/export.md, docs/contract/output.md#missing-argument-or-file-exit-3, docs/contract/output.md#contract-validation-binding-exit-4/docs/contract/output.md#progress-lines, D14, D16, D20, D28, D33). */
class ExportIT extends PackageTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SENSITIVE_WARN = "[pk3s-infra] WARN  override.env in the export bundle contains sensitive inputs: "
            + "SITE_TOKEN; protect or remove it before sharing the bundle";
    private static final List<String> BUNDLE_FILES = List.of("LICENSE", "README.md", "install-config.env", "install.sh", "lib",
            "manifest.json", "override.env", "productive-k3s-infra.sh", "profile.tgz", "scripts", "scripts/lib",
            "scripts/lib/pk3s-launch.sh", "scripts/lib/pk3s-launcher.bash", "scripts/lib/pk3s-sealed-jit.json", "scripts/lib/pk3s-shell.sh",
            "scripts/productive-k3s-infra.sh",
            "scripts/release-config.sh", "scripts/release.env", "scripts/send-telemetry-event.sh");

    private Path work() {
        return home.resolve("work");
    }

    private Engine.Result export(String output, String... extra) throws IOException {
        pack();
        List<String> args = new ArrayList<>(List.of("profile", "export", "--tgz", "fixture.tgz", "--output", output));
        args.addAll(List.of(extra));
        return engine.run(args.toArray(String[]::new));
    }

    private static void assertOk(Engine.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }

    // ---- contents -------------------------------------------------------------------------------------------

    @Test
    void directoryBundleHoldsEverythingWithItsModesAndAValidManifest() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nSITE_TOKEN=s3cr3t-value\n");
        Engine.Result result = export("bundle", "--env-file", "site.env");
        assertOk(result);
        assertThat(result.stdoutLines()).containsExactly(SENSITIVE_WARN,
                "[pk3s-infra] OK    Exported profile bundle written to: bundle");
        assertThat(result.stderr()).isEmpty();

        Path bundle = work().resolve("bundle");
        assertThat(listing(bundle).stream().filter(p -> !p.startsWith("lib/")).toList()).containsExactlyElementsOf(BUNDLE_FILES);
        assertThat(mode(bundle)).isEqualTo("rwxr-xr-x");
        assertThat(mode(bundle.resolve("install.sh"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(bundle.resolve("productive-k3s-infra.sh"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(bundle.resolve("scripts/productive-k3s-infra.sh"))).isEqualTo("rwxr-xr-x");
        assertThat(mode(bundle.resolve("override.env"))).isEqualTo("rw-------");
        for (String name : List.of("profile.tgz", "install-config.env", "manifest.json", "README.md", "LICENSE", "scripts/release.env",
                "scripts/lib/pk3s-shell.sh", "scripts/lib/pk3s-launch.sh", "scripts/lib/pk3s-launcher.bash",
                "scripts/lib/pk3s-sealed-jit.json")) {
            assertThat(mode(bundle.resolve(name))).as(name).isEqualTo("rw-r--r--");
        }

        // byte copies: package, override, LICENSE, launchers, every engine jar
        assertThat(bundle.resolve("profile.tgz")).hasSameBinaryContentAs(work().resolve("fixture.tgz"));
        assertThat(bundle.resolve("override.env")).hasSameBinaryContentAs(work().resolve("site.env"));
        assertThat(bundle.resolve("LICENSE")).hasSameBinaryContentAs(Repo.root().resolve("LICENSE"));
        assertThat(bundle.resolve("productive-k3s-infra.sh")).hasSameBinaryContentAs(Repo.root().resolve("productive-k3s-infra.sh"));
        assertThat(bundle.resolve("scripts/productive-k3s-infra.sh")).hasSameBinaryContentAs(Repo.root().resolve("scripts/productive-k3s-infra.sh"));
        for (String lib : List.of("scripts/lib/pk3s-shell.sh", "scripts/lib/pk3s-launch.sh", "scripts/lib/pk3s-launcher.bash",
                "scripts/lib/pk3s-sealed-jit.json")) {
            assertThat(bundle.resolve(lib)).hasSameBinaryContentAs(Repo.root().resolve(lib));
        }
        Path engineLib = Repo.root().resolve("target/lib");
        // only the jars: a class-data-sharing archive is tied to the exporting JVM
        List<String> jars = names(engineLib).stream().filter(n -> n.endsWith(".jar")).toList();
        assertThat(names(bundle.resolve("lib"))).isEqualTo(jars).contains("productive-k3s-infra.jar");
        for (String jar : jars) {
            assertThat(bundle.resolve("lib").resolve(jar)).hasSameBinaryContentAs(engineLib.resolve(jar));
            assertThat(mode(bundle.resolve("lib").resolve(jar))).isEqualTo("rw-r--r--");
        }

        // manifest: strict JSON, documented field order, digest of the bundled package, never input values (D16, D33)
        String manifestText = Files.readString(bundle.resolve("manifest.json"));
        JsonNode manifest = JSON.readTree(manifestText);
        assertThat(manifest.fieldNames()).toIterable().containsExactly("schema_version", "command", "subject", "artifact",
                "profile", "engine", "core", "override_env", "created_at");
        assertThat(manifest.get("schema_version").asText()).isEqualTo("1");
        assertThat(manifest.get("command").asText()).isEqualTo("profile export");
        assertThat(manifest.get("subject").fieldNames()).toIterable().containsExactly("kind", "ref");
        assertThat(manifest.get("subject").get("kind").asText()).isEqualTo("profile-tgz");
        assertThat(manifest.get("subject").get("ref").asText()).isEqualTo("fixture.tgz");
        assertThat(manifest.get("artifact").fieldNames()).toIterable().containsExactly("name", "profile_source", "sha256");
        assertThat(manifest.get("artifact").get("name").asText()).isEqualTo("profile.tgz");
        assertThat(manifest.get("artifact").get("profile_source").asText()).isEqualTo("packaged");
        assertThat(manifest.get("artifact").get("sha256").asText()).isEqualTo(sha256(work().resolve("fixture.tgz")));
        assertThat(manifest.get("profile").toString())
                .isEqualTo("{\"name\":\"fixture-profile\",\"version\":\"1.0.0\",\"scenario\":\"onprem-basic\",\"engine\":\"ansible\"}");
        assertThat(manifest.get("engine").toString()).isEqualTo("{\"name\":\"productive-k3s-infra\",\"version\":\"dev\",\"language\":\"java\"}");
        assertThat(manifest.get("core").get("bound_version").isNull()).isTrue();
        assertThat(manifest.get("override_env").asBoolean()).isTrue();
        assertThat(manifest.get("created_at").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        assertThat(manifestText).startsWith("{\n  \"schema_version\": \"1\",\n  \"command\": \"profile export\",\n").endsWith("}\n")
                .doesNotContain("s3cr3t-value", "10.0.0.5");

        assertThat(bundle.resolve("install-config.env")).hasContent(
                "# Generated by productive-k3s-infra export runtime\nexport TELEMETRY_ENABLED='false'");
        assertThat(bundle.resolve("scripts/release.env")).hasContent(
                "# Generated by productive-k3s-infra export: the exporting engine had no scripts/release.env\n"
                        + "PK3S_INFRA_RUNTIME_SURFACE=package-only");
        String install = Files.readString(bundle.resolve("install.sh"));
        assertThat(install).startsWith("#!/usr/bin/env bash\n").endsWith(
                "exec \"$dir/productive-k3s-infra.sh\" profile install --tgz \"$dir/profile.tgz\" --env-file \"$dir/override.env\" \"$@\"\n")
                .contains(". \"$dir/install-config.env\"").doesNotContain("cd \"$dir\"");

        String readme = Files.readString(bundle.resolve("README.md"));
        assertThat(readme).startsWith("# Productive K3S Exported Profile Bundle\n\n"
                        + "This bundle replays the exported profile installation for `fixture.tgz`.\n")
                .contains("- `install.sh`", "- `profile.tgz`", "- `install-config.env`", "- `manifest.json`", "- `override.env`",
                        "```bash\n./install.sh\n```",
                        "./productive-k3s-infra.sh profile status --tgz ./profile.tgz --env-file ./override.env\n",
                        "./productive-k3s-infra.sh profile destroy --tgz ./profile.tgz --env-file ./override.env\n",
                        "## Secrets", "This bundle carries secrets", "`SITE_TOKEN`",
                        "a Java 17+ runtime", "bash", "`make`", "network access at install time", "exit code 5", "missing dependency: java")
                .doesNotContain("s3cr3t-value");

        // export touches no state and leaves nothing beside the output
        assertThat(stateDir).doesNotExist();
        assertThat(names(work())).containsExactlyInAnyOrder("bundle", "fixture.tgz", "site.env");
        assertNoTempLeft();
    }

    @Test
    void withoutOverrideTheBundleHasNoOverrideFileAndNoWarning() throws Exception {
        Engine.Result result = export("bundle");
        assertOk(result);
        assertThat(result.stdoutLines()).containsExactly("[pk3s-infra] OK    Exported profile bundle written to: bundle");
        Path bundle = work().resolve("bundle");
        assertThat(bundle.resolve("override.env")).doesNotExist();
        assertThat(JSON.readTree(bundle.resolve("manifest.json").toFile()).get("override_env").asBoolean()).isFalse();
        assertThat(Files.readString(bundle.resolve("install.sh")))
                .contains("profile install --tgz \"$dir/profile.tgz\" \"$@\"").doesNotContain("--env-file");
        assertThat(Files.readString(bundle.resolve("README.md")))
                .contains("./productive-k3s-infra.sh profile status --tgz ./profile.tgz\n",
                        "./productive-k3s-infra.sh profile destroy --tgz ./profile.tgz\n")
                .doesNotContain("override.env", "## Secrets");
    }

    @Test
    void overrideWithoutSensitiveValuesIsStillPrivateButNotWarnedAbout() throws Exception {
        // SITE_TOKEN only refers to the environment or is blank: no secret text in the file
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nSITE_TOKEN=\"${MY_TOKEN}\"\n");
        Engine.Result result = engine.env("MY_TOKEN", "from-env").env("PK3S_PROFILE_OVERRIDE_ENV_FILE", "site.env").run(
                "profile", "export", "--tgz", pack().toString(), "--output", "bundle");
        assertOk(result);
        assertThat(result.stdout()).doesNotContain("sensitive");
        Path bundle = work().resolve("bundle");
        assertThat(mode(bundle.resolve("override.env"))).isEqualTo("rw-------");
        assertThat(bundle.resolve("override.env")).hasSameBinaryContentAs(work().resolve("site.env"));
        assertThat(Files.readString(bundle.resolve("README.md"))).doesNotContain("## Secrets");
    }

    @Test
    void telemetryChoiceIsNormalizedIntoInstallConfig() throws Exception {
        assertOk(engine.env("TELEMETRY_ENABLED", "YES").env("TELEMETRY_ENDPOINT", "").run("profile", "export", "--tgz", pack().toString(), "--output", "on"));
        assertThat(Files.readAllLines(work().resolve("on/install-config.env"))).containsExactly(
                "# Generated by productive-k3s-infra export runtime", "export TELEMETRY_ENABLED='true'");
        Engine.Result invalid = engine.env("TELEMETRY_ENABLED", "maybe").run("profile", "export", "--tgz", "fixture.tgz", "--output", "bad");
        assertOk(invalid);
        assertThat(invalid.stdoutLines()).contains("[pk3s-infra] WARN  invalid TELEMETRY_ENABLED value 'maybe'; telemetry disabled");
        assertThat(Files.readAllLines(work().resolve("bad/install-config.env"))).contains("export TELEMETRY_ENABLED='false'");
    }

    // ---- release identity (D28) -----------------------------------------------------------------------------

    @Test
    void releaseEnvOfTheExportingEngineIsCopiedAndTheBundleKeepsVersionBindingAndSurface() throws Exception {
        Path root = Files.createDirectories(home.resolve("release-root/scripts")).getParent();
        String releaseEnv = "PK3S_INFRA_RELEASE_TAG=0.9.65-0.9.6\nPK3S_INFRA_SEMVER=0.9.65\nPK3S_CORE_SEMVER=0.9.6\n"
                + "PK3S_INFRA_IS_RELEASE=true\nPK3S_INFRA_RUNTIME_SURFACE=package-only\n";
        Files.writeString(root.resolve("scripts/release.env"), releaseEnv);
        engine.env("PRODUCTIVE_K3S_INFRA_REPO_DIR", root.toString());
        Engine.Result result = export("bundle");
        assertOk(result);
        Path bundle = work().resolve("bundle");
        assertThat(bundle.resolve("scripts/release.env")).hasContent(releaseEnv.trim());
        JsonNode manifest = JSON.readTree(bundle.resolve("manifest.json").toFile());
        assertThat(manifest.get("engine").get("version").asText()).isEqualTo("0.9.65-0.9.6");
        assertThat(manifest.get("core").get("bound_version").asText()).isEqualTo("0.9.6");
        assertThat(Files.readString(bundle.resolve("README.md"))).contains("exported with productive-k3s-infra 0.9.65-0.9.6, bound to productive-k3s 0.9.6");

        Engine bundled = new Engine(bundle.resolve("productive-k3s-infra.sh"), home).cwd(work());
        assertThat(bundled.run("version").stdout()).isEqualTo("0.9.65-0.9.6\n");
        assertError(bundled.run("list-profiles"), 2, "the 'list-profiles' command is not available in the package-only release surface; "
                + "use 'profile <validate|install|plan|apply|destroy|status> --tgz <file>' or a source checkout");

        // the binding is enforced before anything is read
        assertError(engine.env("PRODUCTIVE_K3S_VERSION", "0.9.5").run("profile", "export", "--tgz", "fixture.tgz", "--output", "other"), 4,
                "release 0.9.65-0.9.6 is bound to productive-k3s 0.9.6; refusing requested PRODUCTIVE_K3S_VERSION=0.9.5");
        assertThat(work().resolve("other")).doesNotExist();
    }

    @Test
    void withoutReleaseEnvTheBundleRecordsThePackageOnlySurfaceAndTheEngineVersion() throws Exception {
        Engine.Result result = engine.env("PRODUCTIVE_K3S_INFRA_VERSION", "1.2.3").run("profile", "export", "--tgz", pack().toString(), "--output", "bundle");
        assertOk(result);
        Path bundle = work().resolve("bundle");
        assertThat(Files.readAllLines(bundle.resolve("scripts/release.env"))).containsExactly(
                "# Generated by productive-k3s-infra export: the exporting engine had no scripts/release.env",
                "PK3S_INFRA_RUNTIME_SURFACE=package-only", "PK3S_INFRA_RELEASE_TAG='1.2.3'");
        Engine bundled = new Engine(bundle.resolve("scripts/productive-k3s-infra.sh"), home).cwd(work());
        assertThat(bundled.run("version").stdout()).isEqualTo("1.2.3\n");
        assertThat(bundled.run("validate-profile", "--profile", "x.env").exitCode()).isEqualTo(2);
    }

    // ---- archive output -------------------------------------------------------------------------------------

    @Test
    void archiveOutputHasSortedBundleMembersOwnedByRootWithModesKept() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nSITE_TOKEN=s3cr3t-value\n");
        Engine.Result result = export("dist/nested/bundle.tgz", "--env-file", "site.env");
        assertOk(result);
        assertThat(result.stdoutLines()).containsExactly(SENSITIVE_WARN,
                "[pk3s-infra] OK    Exported profile bundle written to: dist/nested/bundle.tgz");
        Path archive = work().resolve("dist/nested/bundle.tgz");
        assertThat(mode(archive)).as("the archive carries override.env").isEqualTo("rw-------");
        assertThat(names(archive.getParent())).containsExactly("bundle.tgz");

        Map<String, TarArchiveEntry> entries = entries(archive);
        List<String> names = new ArrayList<>(entries.keySet());
        assertThat(names).allMatch(name -> name.startsWith("bundle/"));
        assertThat(names).isSortedAccordingTo(String::compareTo);
        assertThat(names.get(0)).isEqualTo("bundle/");
        List<String> expected = new ArrayList<>();
        for (String file : BUNDLE_FILES) {
            expected.add("bundle/" + file + (file.equals("lib") || file.equals("scripts") || file.equals("scripts/lib") ? "/" : ""));
        }
        assertThat(names).containsAll(expected).contains("bundle/lib/productive-k3s-infra.jar");
        assertThat(entries.values()).allSatisfy(entry -> {
            assertThat(entry.getLongUserId()).isZero();
            assertThat(entry.getLongGroupId()).isZero();
        });
        assertThat(entries.get("bundle/install.sh").getMode() & 07777).isEqualTo(0755);
        assertThat(entries.get("bundle/productive-k3s-infra.sh").getMode() & 07777).isEqualTo(0755);
        assertThat(entries.get("bundle/scripts/productive-k3s-infra.sh").getMode() & 07777).isEqualTo(0755);
        assertThat(entries.get("bundle/override.env").getMode() & 07777).isEqualTo(0600);
        assertThat(entries.get("bundle/manifest.json").getMode() & 07777).isEqualTo(0644);
        assertThat(entries.get("bundle/lib/").getMode() & 07777).isEqualTo(0755);

        // an extracted archive is a working bundle
        Path extracted = extract(archive, home.resolve("extracted"));
        assertThat(JSON.readTree(extracted.resolve("bundle/manifest.json").toFile()).get("artifact").get("sha256").asText())
                .isEqualTo(sha256(work().resolve("fixture.tgz")));
        assertThat(mode(extracted.resolve("bundle/install.sh"))).isEqualTo("rwxr-xr-x");
        assertThat(new Engine(extracted.resolve("bundle/productive-k3s-infra.sh"), home).run("version").exitCode()).isZero();
    }

    @Test
    void archiveWithoutOverrideIsPublicAndReplacesAnExistingFileButNeverADirectory() throws Exception {
        Path existing = work().resolve("bundle.tar.gz");
        Files.createDirectories(work());
        Files.writeString(existing, "old");
        Engine.Result result = export("bundle.tar.gz");
        assertOk(result);
        assertThat(mode(existing)).isEqualTo("rw-r--r--");
        assertThat(entries(existing)).containsKey("bundle/install.sh").doesNotContainKey("bundle/override.env");

        Path directory = Files.createDirectories(work().resolve("dir.tgz"));
        Files.writeString(directory.resolve("keep"), "mine");
        for (String[] flags : new String[][] {{}, {"--force"}}) {
            assertError(export("dir.tgz", flags), 4, "refusing to replace existing output: dir.tgz (use --force for a non-empty directory)");
        }
        assertThat(names(directory)).containsExactly("keep");
        Files.delete(directory.resolve("keep"));
        assertError(export("dir.tgz"), 4, "refusing to replace existing output: dir.tgz (use --force for a non-empty directory)");
        assertThat(names(work())).containsExactlyInAnyOrder("bundle.tar.gz", "dir.tgz", "fixture.tgz");
    }

    // ---- directory output rows of docs/export.md#output-safety-d14 ---------------------------------------------------------------------

    @Test
    void emptyDirectoryIsFilledInPlace() throws Exception {
        Path target = Files.createDirectories(work().resolve("empty"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-x---"));
        Object inode = Files.getAttribute(target, "unix:ino");
        assertOk(export("empty"));
        assertThat(Files.getAttribute(target, "unix:ino")).isEqualTo(inode);
        assertThat(mode(target)).isEqualTo("rwxr-x---");
        assertThat(listing(target).stream().filter(p -> !p.startsWith("lib/")).toList())
                .containsExactlyElementsOf(BUNDLE_FILES.stream().filter(f -> !f.equals("override.env")).toList());
    }

    @Test
    void previousBundleIsReplacedWithoutForce() throws Exception {
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\nSITE_TOKEN=old-secret\n");
        assertOk(export("bundle", "--env-file", "site.env"));
        Path bundle = work().resolve("bundle");
        Files.writeString(bundle.resolve("notes.txt"), "left by the user");
        Engine.Result again = export("bundle");
        assertOk(again);
        assertThat(bundle.resolve("notes.txt")).doesNotExist();
        assertThat(bundle.resolve("override.env")).doesNotExist();
        assertThat(names(work())).containsExactlyInAnyOrder("bundle", "fixture.tgz", "site.env");

        // re-export from the bundle's own package into the same bundle: the package is copied before the swap
        Engine.Result fromItself = engine.run("profile", "export", "--tgz", "bundle/profile.tgz", "--output", "bundle");
        assertOk(fromItself);
        assertThat(bundle.resolve("profile.tgz")).hasSameBinaryContentAs(work().resolve("fixture.tgz"));
        assertThat(JSON.readTree(bundle.resolve("manifest.json").toFile()).get("subject").get("ref").asText()).isEqualTo("bundle/profile.tgz");

        // a bundle of the bash engine (manifest with its trailing comma, D33) is recognised too
        Path bash = Files.createDirectories(work().resolve("bash-bundle"));
        Files.writeString(bash.resolve("manifest.json"), "{\n  \"schema_version\": \"1\",\n  \"command\": \"profile export\",\n"
                + "  \"subject\": {\"kind\": \"profile-tgz\", \"ref\": \"x.tgz\",},\n}\n");
        Files.writeString(bash.resolve("install.sh"), "#!/usr/bin/env bash\n");
        Files.writeString(bash.resolve("profile.tgz"), "old");
        assertOk(export("bash-bundle"));
        assertThat(work().resolve("bash-bundle/profile.tgz")).hasSameBinaryContentAs(work().resolve("fixture.tgz"));
    }

    @Test
    void unrelatedDirectoryOrFileIsRefusedUnlessForced() throws Exception {
        Path mine = Files.createDirectories(work().resolve("mine"));
        Files.writeString(mine.resolve("thesis.txt"), "precious");
        // looks like a bundle but lacks install.sh: still not ours
        Files.writeString(mine.resolve("manifest.json"), "{\"command\": \"profile export\"}");
        Path file = work().resolve("plain-file");
        Files.writeString(file, "precious");

        assertError(export("mine"), 4, "refusing to replace existing output: mine (use --force for a non-empty directory)");
        assertError(export("plain-file"), 4, "refusing to replace existing output: plain-file (use --force for a non-empty directory)");
        assertThat(mine.resolve("thesis.txt")).hasContent("precious");
        assertThat(file).hasContent("precious");
        assertThat(names(work())).containsExactlyInAnyOrder("fixture.tgz", "mine", "plain-file");

        assertOk(export("mine", "--force"));
        assertThat(mine.resolve("thesis.txt")).doesNotExist();
        assertThat(mine.resolve("install.sh")).exists();
        assertOk(export("plain-file", "--force"));
        assertThat(work().resolve("plain-file/manifest.json")).exists();
        assertThat(names(work())).containsExactlyInAnyOrder("fixture.tgz", "mine", "plain-file");
    }

    @Test
    void symlinkOutputIsReplacedAsALinkNeverFollowed() throws Exception {
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        Files.writeString(elsewhere.resolve("data"), "keep");
        Files.createDirectories(work());
        Files.createSymbolicLink(work().resolve("link"), elsewhere);
        assertError(export("link"), 4, "refusing to replace existing output: link (use --force for a non-empty directory)");
        assertOk(export("link", "--force"));
        assertThat(Files.isSymbolicLink(work().resolve("link"))).isFalse();
        assertThat(work().resolve("link/install.sh")).exists();
        assertThat(names(elsewhere)).containsExactly("data");
    }

    // ---- protected locations --------------------------------------------------------------------------------

    @Test
    void protectedLocationsAreNeverWrittenEvenWithForce() throws Exception {
        pack();
        Path repo = Repo.root();
        Files.createDirectories(stateDir.resolve("fixture-profile.runtime"));
        Files.createDirectories(work().resolve("sub"));
        Files.createSymbolicLink(work().resolve("alias"), home);
        Map<String, String> refused = new LinkedHashMap<>();
        refused.put("/", "/");
        refused.put(".", ".");
        refused.put("..", "..");
        refused.put(work().toString(), "caller base dir, absolute");
        refused.put("sub/..", "caller base dir via ..");
        refused.put("alias/work", "caller base dir through a symlinked parent");
        refused.put(home.toString(), "home");
        refused.put(repo.toString(), "install root");
        refused.put(repo.getParent().toString(), "ancestor of the install root");
        refused.put(repo.resolve("target/lib").toString(), "engine jars");
        refused.put(repo.resolve("scripts").toString(), "engine scripts");
        refused.put(repo.resolve("productive-k3s-infra.sh").toString(), "launcher");
        refused.put(stateDir.toString(), "state dir");
        refused.put(stateDir.resolve("fixture-profile.runtime").toString(), "inside the state dir");
        refused.put(stateDir.resolve("new.tgz").toString(), "archive inside the state dir");
        for (Map.Entry<String, String> output : refused.entrySet()) {
            Engine.Result result = engine.run("profile", "export", "--tgz", "fixture.tgz", "--output", output.getKey(), "--force");
            assertThat(result.stderrLines()).as(output.getValue() + ": " + result)
                    .containsExactly("[pk3s-infra] ERROR refusing to write export output to " + output.getKey());
            assertThat(result.exitCode()).isEqualTo(4);
        }
        assertThat(names(work())).containsExactlyInAnyOrder("alias", "fixture.tgz", "sub");
        // hidden entries are the state store's own bookkeeping (.history, .locks), never export output
        assertThat(names(stateDir).stream().filter(n -> !n.startsWith(".")).toList()).containsExactly("fixture-profile.runtime");
        assertThat(repo.resolve("target/lib/productive-k3s-infra.jar")).exists();

        // the export's inputs are never overwritten, even by an archive of the same name
        overrideFile("ONPREM_SERVER_IP=10.0.0.5\n");
        assertError(engine.run("profile", "export", "--tgz", "fixture.tgz", "--output", "fixture.tgz"), 4,
                "refusing to write export output to fixture.tgz");
        assertError(engine.run("profile", "export", "--tgz", "fixture.tgz", "--env-file", "site.env", "--output", "site.env", "--force"), 4,
                "refusing to write export output to site.env");
        assertThat(work().resolve("site.env")).hasContent("ONPREM_SERVER_IP=10.0.0.5");
        Files.delete(work().resolve("site.env"));

        // home is protected even when it is not above the caller's directory
        Path otherHome = Files.createDirectories(home.resolve("other-home"));
        assertError(engine.env("HOME", otherHome.toString()).run("profile", "export", "--tgz", "fixture.tgz", "--output", otherHome.toString(), "--force"),
                4, "refusing to write export output to " + otherHome);
        // the default state locations are protected when PK3S_PROFILE_STATE_DIR is not set
        engine.unset("PK3S_PROFILE_STATE_DIR").env("HOME", home.toString());
        assertError(engine.run("profile", "export", "--tgz", "fixture.tgz", "--output", home.resolve(".cache/pk3s/profiles/x").toString()),
                4, "refusing to write export output to " + home.resolve(".cache/pk3s/profiles/x"));
        assertError(engine.env("XDG_CACHE_HOME", home.resolve("xdg").toString())
                        .run("profile", "export", "--tgz", "fixture.tgz", "--output", home.resolve("xdg").toString(), "--force"),
                4, "refusing to write export output to " + home.resolve("xdg"));
        assertThat(home.resolve("xdg")).doesNotExist();
        // siblings of protected locations are fine
        assertOk(engine.run("profile", "export", "--tgz", "fixture.tgz", "--output", home.resolve("beside-work").toString()));
    }

    // ---- argument, package and override errors --------------------------------------------------------------

    @Test
    void missingArgumentsAndPackageExit3() throws Exception {
        assertError(engine.run("profile", "export", "--output", "o"), 3, "the 'profile export' command requires --tgz <file>");
        assertError(engine.run("profile", "export"), 3, "the 'profile export' command requires --tgz <file>");
        assertError(engine.run("profile", "export", "--tgz", "missing.tgz"), 3, "the 'profile export' command requires --output <file|dir>");
        Engine.Result missing = engine.run("profile", "export", "--tgz", "missing.tgz", "--output", "o");
        assertError(missing, 3, "tgz package not found: missing.tgz");
        assertThat(missing.stderrLines()).hasSize(1);
        assertThat(work().resolve("o")).doesNotExist();
    }

    @Test
    void invalidPackagesAreNeverExported() throws Exception {
        Files.createDirectories(work());
        Files.writeString(work().resolve("garbage.tgz"), "this is not a gzip file");
        Engine.Result garbage = engine.run("profile", "export", "--tgz", "garbage.tgz", "--output", "bundle");
        assertError(garbage, 4, "could not extract tgz package: garbage.tgz");
        assertThat(garbage.stderrLines()).hasSize(1);
        assertThat(garbage.stdout()).isEmpty();

        fixture.delete("profile.yaml");
        assertError(export("bundle"), 4, "profile package is missing profile.yaml");
        assertThat(names(work())).containsExactlyInAnyOrder("fixture.tgz", "garbage.tgz");
        assertNoTempLeft();
    }

    @Test
    void overrideFileMustExistAndBeValidAndComesAfterThePackageCheck() throws Exception {
        assertError(export("bundle", "--env-file", "nope.env"), 4, "override env file not found: nope.env");
        assertError(engine.env("PK3S_PROFILE_OVERRIDE_ENV_FILE", "gone.env").run("profile", "export", "--tgz", "fixture.tgz", "--output", "bundle"),
                4, "override env file not found: gone.env");
        engine.unset("PK3S_PROFILE_OVERRIDE_ENV_FILE");
        Files.writeString(work().resolve("garbage.tgz"), "not an archive");
        assertError(engine.run("profile", "export", "--tgz", "garbage.tgz", "--output", "bundle", "--env-file", "nope.env"), 4,
                "could not extract tgz package: garbage.tgz");
        overrideFile("ONPREM_SERVER_IP=$(whoami)\n");
        assertError(export("bundle", "--env-file", "site.env"), 4, "env file site.env:1: unsupported shell construct '$(…)'");
        assertThat(names(work())).containsExactlyInAnyOrder("fixture.tgz", "garbage.tgz", "site.env");
    }

    @Test
    void ndjsonEventsDescribeTheExport() throws Exception {
        Engine.Result result = export("bundle", "--events", "ndjson");
        assertOk(result);
        List<JsonNode> events = new ArrayList<>();
        for (String line : result.stdoutLines()) {
            events.add(JSON.readTree(line));
        }
        assertThat(events).extracting(e -> e.get("step").asText()).containsExactly("operation.started", "profile.package.extract",
                "profile.package.validate", "profile.export.write", "profile.export.write", "operation.completed");
        assertThat(events).allSatisfy(e -> assertThat(e.get("operation").asText()).isEqualTo("profile.export"));
        assertThat(events.get(events.size() - 1).get("status").asText()).isEqualTo("success");
        assertThat(events.get(events.size() - 1).get("subject").asText()).isEqualTo("fixture-profile");
        assertThat(result.stderr()).contains("[pk3s-infra] OK    Exported profile bundle written to: bundle");

        Engine.Result refused = engine.run("--events", "ndjson", "profile", "export", "--tgz", "fixture.tgz", "--output", ".");
        assertThat(refused.exitCode()).isEqualTo(4);
        assertThat(JSON.readTree(refused.stdoutLines().get(refused.stdoutLines().size() - 1)).get("status").asText()).isEqualTo("failed");
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Every path below {@code dir}, relative and sorted. */
    static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> entries = Files.walk(dir)) {
            return entries.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    static Map<String, TarArchiveEntry> entries(Path archive) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                entries.put(entry.getName(), entry);
            }
        }
        return entries;
    }

    /** Unpacks a (trusted, test-made) archive with the entry modes it carries. */
    static Path extract(Path archive, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(archive);
             TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                Path path = target.resolve(entry.getName()).normalize();
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                } else {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path);
                }
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(toRwx(entry.getMode() & 0777)));
            }
        }
        return target;
    }

    private static String toRwx(int mode) {
        StringBuilder text = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = (mode >> shift) & 7;
            text.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return text.toString();
    }
}
