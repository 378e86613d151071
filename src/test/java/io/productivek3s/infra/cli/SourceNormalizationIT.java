package io.productivek3s.infra.cli;

import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.AWS;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.HETZNER;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.MULTIPASS_SINGLE;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.ONPREM;
import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.junit.jupiter.api.Test;

/**
 * Source profile → normalized {@code profile.tgz} (docs/contract/source.md#normalized-package) through {@code profile pack --profile}: content,
 * exclusions, nesting under {@code spec}, reproducibility, and that the result runs like a published package.
 */
class SourceNormalizationIT extends SourceTestBase {
    @Test
    void packWritesAValidReproduciblePackageWithoutPrivateFiles() throws Exception {
        Engine.Result first = engine.run("profile", "pack", "--profile", profile(ONPREM), "--output", "out/onprem.tgz");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.stdoutLines()).contains("[pk3s-infra] INFO  Packed profile on-prem-basic exported",
                "[pk3s-infra] OK    Profile package written to: out/onprem.tgz");
        // the same sources give the same bytes, even after the checkout's mtimes change
        Files.setLastModifiedTime(checkout.path("scenarios/edge/onprem-basic/Makefile"), java.nio.file.attribute.FileTime.fromMillis(0));
        assertThat(engine.run("profile", "pack", "--profile", profile(ONPREM), "--output", "again.tgz").exitCode()).isZero();
        byte[] bytes = Files.readAllBytes(work.resolve("out/onprem.tgz"));
        assertThat(bytes).isEqualTo(Files.readAllBytes(work.resolve("again.tgz")));
        assertThat(first.stdoutLines()).contains("[pk3s-infra] INFO  sha256: " + sha256(bytes));

        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        Map<String, byte[]> contents = read(work.resolve("out/onprem.tgz"), entries);
        assertThat(entries.keySet()).containsExactly(
                "./",
                "./ansible/", "./ansible/roles/", "./ansible/roles/remote_cluster/", "./ansible/roles/remote_cluster/files/",
                "./ansible/roles/remote_cluster/files/remote-cluster.sh",
                "./profile.env", "./profile.yaml",
                "./scenarios/", "./scenarios/edge/", "./scenarios/edge/onprem-basic/",
                "./scenarios/edge/onprem-basic/Makefile", "./scenarios/edge/onprem-basic/onprem.env.example",
                "./scenarios/edge/onprem-basic/scripts/", "./scenarios/edge/onprem-basic/scripts/run.sh",
                "./scripts/", "./scripts/install.sh");
        assertThat(entries.values()).allSatisfy(entry -> {
            assertThat(entry.getLongUserId()).isZero();
            assertThat(entry.getLongGroupId()).isZero();
        });
        assertThat(entries.get("./scripts/install.sh").getMode() & 0777).isEqualTo(0755);
        assertThat(entries.get("./scenarios/edge/onprem-basic/scripts/run.sh").getMode() & 0777).isEqualTo(0755);
        assertThat(entries.get("./profile.env").getMode() & 0777).isEqualTo(0644);
        assertThat(contents.get("./profile.env")).isEqualTo(Files.readAllBytes(checkout.path(ONPREM)));

        Map<String, Object> manifest = yaml(contents.get("./profile.yaml"));
        assertThat(manifest).containsOnlyKeys("apiVersion", "kind", "metadata", "spec");
        assertThat(manifest.get("apiVersion")).isEqualTo("infra.productive-k3s.io/v1");
        assertThat(manifest.get("kind")).isEqualTo("Profile");
        assertThat(manifest.get("metadata")).isEqualTo(Map.of("name", "on-prem-basic", "version", "exported", "category", "edge"));
        assertThat(at(manifest, "spec", "scenario", "type")).isEqualTo("onprem-basic");
        assertThat(at(manifest, "spec", "engine", "type")).isEqualTo("ansible");
        assertThat(at(manifest, "spec", "execution", "installScript")).isEqualTo("scripts/install.sh");
        assertThat(at(manifest, "spec", "inputs", 1)).isEqualTo(Map.of("name", "ONPREM_AGENT_IPS", "required", true, "sensitive", false,
                "source", "local-override", "description", "Space-separated list of agent hosts or IPs"));
        assertThat((List<?>) at(manifest, "spec", "inputs")).hasSize(3);

        Engine.Result validate = engine.run("profile", "validate", "--tgz", "out/onprem.tgz");
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertThat(validate.stdout()).doesNotContain("WARN");
        assertNoTempLeft();
    }

    @Test
    void dataDrivenPackageCarriesSidecarBlocksUnderSpec() throws Exception {
        checkout.append(MULTIPASS_SINGLE, "PK3S_INFRA_PROFILE_VERSION=1.2.3");
        Engine.Result result = engine.run("profile", "pack", "--profile", profile(MULTIPASS_SINGLE), "--output", "single.tgz");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        Map<String, byte[]> contents = read(work.resolve("single.tgz"), entries);
        assertThat(entries.keySet()).contains("./scenarios/local/multipass/Makefile", "./scenarios/local/multipass/opentofu/main.tf")
                .noneMatch(name -> name.contains("generated") || name.contains(".terraform") || name.contains("tfstate") || name.startsWith("./ansible"));
        Map<String, Object> manifest = yaml(contents.get("./profile.yaml"));
        assertThat(manifest).doesNotContainKeys("compatibility", "inputs");
        assertThat(at(manifest, "metadata", "version")).isEqualTo("1.2.3");
        assertThat(at(manifest, "metadata", "category")).isEqualTo("local");
        assertThat(at(manifest, "spec", "compatibility", "requires", "infra", "contract")).isEqualTo("profile/v1");
        assertThat(at(manifest, "spec", "compatibility", "requires", "infra", "maxEngineVersionExclusive")).isEqualTo("0.10.0");
        assertThat(at(manifest, "spec", "compatibility", "testedWith", "infra", 0, "release")).isEqualTo("0.9.65-0.9.6");
        assertThat((List<?>) at(manifest, "spec", "inputs")).hasSize(4);
        String wrapper = new String(contents.get("./scripts/install.sh"), StandardCharsets.UTF_8);
        assertThat(wrapper).contains("exec \"$make_bin\" -C \"$root\"/'scenarios/local/multipass' 'up' \"$@\"").doesNotContain("ENV_FILE=");
    }

    @Test
    void sidecarValuesSurviveTheYamlRoundTripAndRemoteRuntimeIsEmbedded() throws Exception {
        Engine.Result result = engine.run("profile", "pack", "--profile", profile(HETZNER), "--output", "hetzner.tgz");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        Map<String, byte[]> contents = read(work.resolve("hetzner.tgz"), entries);
        Map<String, Object> manifest = yaml(contents.get("./profile.yaml"));
        assertThat(at(manifest, "spec", "inputs", 0, "description")).isEqualTo("Hetzner Cloud API token: \"never shared\" # kept");
        assertThat(at(manifest, "spec", "inputs", 0, "sensitive")).isEqualTo(true);
        assertThat(at(manifest, "spec", "scenario", "type")).isEqualTo("hetzner-single-node");
        assertThat(at(manifest, "metadata", "category")).isEqualTo("cloud");
        assertThat(entries).containsKey("./ansible/roles/remote_cluster/files/remote-cluster.sh");
        assertThat(new String(contents.get("./scripts/install.sh"), StandardCharsets.UTF_8))
                .contains("export HETZNER_ENV_FILE=\"$root/profile.env\"");
        // a data-driven profile that declares the runtime cannot be packed without it
        Path bare = Files.createDirectories(home.resolve("bare-install"));
        assertError(engine.env("PRODUCTIVE_K3S_INFRA_REPO_DIR", bare.toString()).run("profile", "pack", "--profile", profile(HETZNER), "--output", "h2.tgz"),
                3, "remote cluster runtime not found: " + bare.resolve("ansible/roles/remote_cluster/files"));
        assertThat(work.resolve("h2.tgz")).doesNotExist();
        // a built-in remote scenario only warns and packs without it
        Engine.Result aws = engine.run("profile", "pack", "--profile", profile(AWS), "--output", "aws.tgz");
        assertThat(aws.exitCode()).as(aws.toString()).isZero();
        assertThat(aws.stdoutLines()).contains("[pk3s-infra] WARN  remote cluster runtime not found: " + bare.resolve("ansible/roles/remote_cluster/files"));
        Map<String, TarArchiveEntry> awsEntries = new LinkedHashMap<>();
        read(work.resolve("aws.tgz"), awsEntries);
        assertThat(awsEntries.keySet()).noneMatch(name -> name.startsWith("./ansible"))
                .contains("./scenarios/cloud/aws-single-node/aws.env.example", "./scenarios/cloud/aws-single-node/opentofu/main.tf")
                .doesNotContain("./scenarios/cloud/aws-single-node/aws.env", "./scenarios/cloud/aws-single-node/aws.env.local",
                        "./scenarios/cloud/aws-single-node/opentofu/terraform.tfstate.backup");
        assertNoTempLeft();
    }

    @Test
    void normalizedPackageInstallsExactlyLikeAPublishedPackage() throws Exception {
        assertThat(engine.run("profile", "pack", "--profile", profile(AWS), "--output", "aws.tgz").exitCode()).isZero();
        // inputs now sit under spec.inputs, so the package enforces them (D21)
        assertError(engine.run("profile", "install", "--tgz", "aws.tgz"), 4,
                "required packaged profile inputs must be provided through --env-file: AWS_KEY_PAIR_NAME AWS_SSH_KEY_PATH");
        Files.writeString(work.resolve("site.env"), "AWS_KEY_PAIR_NAME=site-key\nAWS_SSH_KEY_PATH=/keys/site.pem\n");
        tools.add("gmake");
        Engine.Result install = engine.env("PK3S_PROFILE_MAKE_BIN", "gmake")
                .run("profile", "install", "--tgz", "aws.tgz", "--env-file", "site.env");
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.stdoutLines()).contains("[pk3s-infra] INFO  Executing packaged profile installer: scripts/install.sh");
        FakeTools.Call make = tools.calls("gmake").get(0);
        Path root = Path.of(make.cwd());
        assertThat(make.args()).containsExactly("-C", root.resolve("scenarios/cloud/aws-single-node").toString(), "up");
        assertThat(make.env()).containsEntry("AWS_ENV_FILE", root.resolve("profile.env").toString())
                .containsEntry("REPO_ROOT", root.toString())
                .containsEntry("PRODUCTIVE_K3S_REPO", root.toString())
                .containsEntry("AWS_REGION", "us-east-1")
                .containsEntry("AWS_KEY_PAIR_NAME", "site-key")
                .containsEntry("PK3S_INFRA_PROFILE_NAME", "aws-single-node-basic");
        assertThat(tools.calls("make")).isEmpty();
        assertThat(install.stdoutLines()).anyMatch(line -> line.startsWith("[pk3s-infra] INFO  Persisted profile runtime state: "));
        assertNoTempLeft();
    }

    @Test
    void packReportsEachSourceProblemAndWritesNothing() throws Exception {
        Files.copy(checkout.path(ONPREM), checkout.path("profiles/edge/on-prem/basic.profile"));
        assertError(engine.run("profile", "pack", "--profile", profile("profiles/edge/on-prem/basic.profile"), "--output", "x.tgz"), 4,
                "profile source metadata path could not be derived from: " + profile("profiles/edge/on-prem/basic.profile"));
        assertError(engine.run("profile", "pack", "--profile", profile(ONPREM)), 3, "the 'profile pack' command requires --output <file.tgz>");
        assertError(engine.run("profile", "pack", "--profile", "nope.env", "--output", "x.tgz"), 3, "profile not found: nope.env");
        Files.createDirectories(work.resolve("dir.tgz"));
        assertError(engine.run("profile", "pack", "--profile", profile(ONPREM), "--output", "dir.tgz"), 4, "refusing to replace existing output: dir.tgz");
        assertError(engine.unset("PRODUCTIVE_K3S_PROFILES_REPO_DIR").run("profile", "pack", "--profile", profile(ONPREM), "--output", "x.tgz"), 3,
                "the source-based 'profile' surface requires PRODUCTIVE_K3S_PROFILES_REPO_DIR to point at a productive-k3s-profiles checkout");
        engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString());
        io.productivek3s.infra.util.Files2.deleteRecursively(checkout.path("scenarios/edge/onprem-basic"));
        assertError(engine.run("profile", "pack", "--profile", profile(ONPREM), "--output", "x.tgz"), 1,
                "scenario directory not found in productive-k3s-profiles checkout: " + checkout.root() + "/scenarios/edge/onprem-basic");
        assertThat(work.resolve("x.tgz")).doesNotExist();
        try (var listing = Files.list(work)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("dir.tgz");
        }
        assertNoTempLeft();
    }

    private static Map<String, byte[]> read(Path tgz, Map<String, TarArchiveEntry> entries) throws IOException {
        Map<String, byte[]> contents = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(tgz)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                entries.put(entry.getName(), entry);
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                tar.transferTo(out);
                contents.put(entry.getName(), out.toByteArray());
            }
        }
        return contents;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(byte[] bytes) {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(new String(bytes, StandardCharsets.UTF_8));
    }

    /** The value at a path of map keys and list indexes. */
    private static Object at(Object node, Object... path) {
        Object current = node;
        for (Object step : path) {
            current = step instanceof Integer index ? ((List<?>) current).get(index) : ((Map<?, ?>) current).get(step);
        }
        return current;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
