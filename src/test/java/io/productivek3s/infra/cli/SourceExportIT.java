package io.productivek3s.infra.cli;

import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.HETZNER;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.MULTIPASS;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.ONPREM;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

/**
 * {@code export --profile} and {@code dev profile export} (docs/contract/invocation.md#source-commands, docs/export.md#checks-before-anything-is-written, docs/contract/source.md#normalized-package): the normalized package is
 * bundled as a {@code source-profile} subject; every pre-export check stops the command before anything is written.
 */
class SourceExportIT extends SourceTestBase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void exportBundlesTheSameNormalizedPackageThatPackWrites() throws Exception {
        Engine.Result export = engine.run("export", "--profile", "../profiles-checkout/" + ONPREM, "--output", "bundle");
        assertThat(export.exitCode()).as(export.toString()).isZero();
        assertThat(export.stdoutLines()).containsExactly("[pk3s-infra] OK    Exported profile bundle written to: bundle");
        Path bundle = work.resolve("bundle");
        JsonNode manifest = JSON.readTree(bundle.resolve("manifest.json").toFile());
        assertThat(manifest.get("command").asText()).isEqualTo("profile export");
        assertThat(manifest.at("/subject/kind").asText()).isEqualTo("source-profile");
        assertThat(manifest.at("/subject/ref").asText()).isEqualTo("../profiles-checkout/" + ONPREM);
        assertThat(manifest.at("/artifact/profile_source").asText()).isEqualTo("source-profile");
        assertThat(manifest.at("/artifact/sha256").asText()).isEqualTo(Digests.sha256(bundle.resolve("profile.tgz")));
        assertThat(manifest.at("/profile/name").asText()).isEqualTo("on-prem-basic");
        assertThat(manifest.at("/profile/version").asText()).isEqualTo("exported");
        assertThat(manifest.at("/profile/scenario").asText()).isEqualTo("onprem-basic");

        assertThat(engine.run("profile", "pack", "--profile", profile(ONPREM), "--output", "packed.tgz").exitCode()).isZero();
        assertThat(Files.readAllBytes(bundle.resolve("profile.tgz"))).isEqualTo(Files.readAllBytes(work.resolve("packed.tgz")));
        Engine.Result validate = engine.run("profile", "validate", "--tgz", "bundle/profile.tgz");
        assertThat(validate.exitCode()).as(validate.toString()).isZero();
        assertNoTempLeft();
    }

    @Test
    void devProfileExportWritesAnArchiveWithTheOverrideFile() throws Exception {
        Files.writeString(work.resolve("site.env"), "TF_VAR_cluster_name=site\n");
        Engine.Result result = engine.run("dev", "profile", "export", "--profile-env", profile(MULTIPASS), "--output", "dist/b.tgz",
                "--env-file", "site.env");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdoutLines()).contains("[pk3s-infra] OK    Exported profile bundle written to: dist/b.tgz");
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(work.resolve("dist/b.tgz"))))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                names.add(entry.getName());
            }
        }
        assertThat(names).contains("bundle/profile.tgz", "bundle/override.env", "bundle/manifest.json", "bundle/install.sh");
        assertNoTempLeft();
    }

    @Test
    void everyPreExportCheckStopsBeforeAnythingIsWritten() throws Exception {
        assertError(engine.run("export", "--output", "b"), 3, "the 'export' command requires --profile <file>");
        assertError(engine.run("dev", "profile", "export", "--output", "b"), 3, "the 'dev profile export' command requires --profile-env <file>");
        assertError(engine.run("export", "--profile", profile(ONPREM)), 3, "the 'export' command requires --output <file|dir>");
        assertError(engine.run("dev", "profile", "export", "--profile-env", profile(ONPREM)), 3,
                "the 'dev profile export' command requires --output <file|dir>");
        assertError(engine.run("export", "--profile", "none.env", "--output", "b"), 3, "profile not found: none.env");
        Files.copy(checkout.path(ONPREM), work.resolve("site.profile"));
        assertError(engine.run("export", "--profile", "site.profile", "--output", "b"), 4,
                "profile source metadata path could not be derived from: site.profile");
        Files.writeString(work.resolve("broken.env"), "PK3S_INFRA_PROFILE_NAME=x\n");
        assertError(engine.run("export", "--profile", "broken.env", "--output", "b"), 4, "profile is missing required variable: PK3S_INFRA_ENGINE");
        assertError(engine.env("PRODUCTIVE_K3S_INFRA_REPO_DIR", home.resolve("bare").toString()).run("export", "--profile", profile(HETZNER), "--output", "b"),
                3, "remote cluster runtime not found: " + home.resolve("bare/ansible/roles/remote_cluster/files"));
        engine.env("PRODUCTIVE_K3S_INFRA_REPO_DIR", installRoot.toString());
        assertError(engine.unset("PRODUCTIVE_K3S_PROFILES_REPO_DIR").run("export", "--profile", profile(ONPREM), "--output", "b"), 3,
                "the source-based 'export' surface requires PRODUCTIVE_K3S_PROFILES_REPO_DIR to point at a productive-k3s-profiles checkout");
        assertError(engine.run("dev", "profile", "export", "--profile-env", profile(ONPREM), "--output", "b"), 3,
                "the source-based 'dev' surface requires PRODUCTIVE_K3S_PROFILES_REPO_DIR to point at a productive-k3s-profiles checkout");
        engine.env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString());
        Files2.deleteRecursively(checkout.path("scenarios/edge/onprem-basic"));
        Engine.Result missing = engine.run("export", "--profile", profile(ONPREM), "--output", "b");
        assertOnlyError(missing, 1, "scenario directory not found in productive-k3s-profiles checkout: " + checkout.root() + "/scenarios/edge/onprem-basic");
        assertThat(missing.stdout()).doesNotContain("Exported");
        assertThat(work.resolve("b")).doesNotExist();
        assertNoTempLeft();
    }

    @Test
    void operationEventsNameTheSourceExport() throws Exception {
        Engine.Result result = engine.run("--events", "ndjson", "export", "--profile", profile(MULTIPASS), "--output", "bundle");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<JsonNode> events = new ArrayList<>();
        for (String line : result.stdoutLines()) {
            events.add(JSON.readTree(line));
        }
        assertThat(events).extracting(e -> e.get("operation").asText()).containsOnly("source.export");
        assertThat(events.get(0).get("step").asText()).isEqualTo("operation.started");
        assertThat(events.get(0).get("subject").asText()).isEqualTo(profile(MULTIPASS));
        assertThat(events).extracting(e -> e.get("step").asText()).contains("profile.export.write");
        assertThat(events.get(events.size() - 1).get("step").asText()).isEqualTo("operation.completed");
        assertThat(events.get(events.size() - 1).get("status").asText()).isEqualTo("success");
    }
}
