package io.productivek3s.infra.source;

import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.HETZNER;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.MULTIPASS;
import static io.productivek3s.infra.testing.ProfilesCheckoutFixture.ONPREM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.testing.ProfilesCheckoutFixture;
import io.productivek3s.infra.util.Digests;
import io.productivek3s.infra.util.Files2;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source half of {@code export --profile} / {@code dev profile export} (docs/export.md#checks-before-anything-is-written steps 1–2, docs/contract/source.md#normalized-package): the
 * pre-export checks and the hand-over of a validated normalized package to the bundle writer.
 */
class SourceExportTest {
    @TempDir
    Path home;

    ProfilesCheckoutFixture checkout;
    Path installRoot;
    Map<String, String> env;

    @BeforeEach
    void setUp() throws Exception {
        checkout = new ProfilesCheckoutFixture(home.resolve("checkout"));
        installRoot = Files.createDirectories(home.resolve("install"));
        env = new LinkedHashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("HOME", home.toString());
        env.put("TMPDIR", Files.createDirectories(home.resolve("tmp")).toString());
        env.put("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString());
    }

    @Test
    void requiredFlagsNameTheCommandAsTyped() {
        SourceExport export = new SourceExport(context().context);
        String profile = checkout.path(MULTIPASS).toString();
        assertFails(3, "the 'export' command requires --profile <file>", () -> export.preflight(SourceExport.command(false), null, "out"));
        assertFails(3, "the 'dev profile export' command requires --profile-env <file>", () -> export.preflight(SourceExport.command(true), null, "out"));
        assertFails(3, "the 'export' command requires --output <file|dir>", () -> export.preflight(SourceExport.command(false), profile, null));
        assertFails(3, "the 'dev profile export' command requires --output <file|dir>", () -> export.preflight(SourceExport.command(true), profile, null));
    }

    @Test
    void sourceChecksRunBeforeAnythingIsWritten() throws Exception {
        String profile = checkout.path(MULTIPASS).toString();
        Path renamed = Files.copy(checkout.path(MULTIPASS), checkout.path("profiles/local/multipass/1-server-2-agents.profile"));
        assertFails(3, "profile not found: missing.env", () -> preflight(false, "missing.env"));
        assertFails(4, "profile source metadata path could not be derived from: " + renamed, () -> preflight(false, renamed.toString()));
        env.remove("PRODUCTIVE_K3S_PROFILES_REPO_DIR");
        assertFails(3, "the source-based 'export' surface requires PRODUCTIVE_K3S_PROFILES_REPO_DIR to point at a productive-k3s-profiles checkout",
                () -> preflight(false, profile));
        assertFails(3, "the source-based 'dev' surface requires PRODUCTIVE_K3S_PROFILES_REPO_DIR to point at a productive-k3s-profiles checkout",
                () -> preflight(true, profile));
        env.put("PRODUCTIVE_K3S_PROFILES_REPO_DIR", home.resolve("nowhere").toString());
        assertFails(3, "productive-k3s-profiles checkout not found: " + home.resolve("nowhere"), () -> preflight(false, profile));
        env.put("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString());
        assertFails(3, "remote cluster runtime not found: " + installRoot.resolve("ansible/roles/remote_cluster/files"),
                () -> preflight(false, checkout.path(HETZNER).toString()));
        Files2.deleteRecursively(checkout.path("scenarios/local/multipass"));
        assertFails(1, "scenario directory not found in productive-k3s-profiles checkout: " + checkout.root() + "/scenarios/local/multipass",
                () -> preflight(false, profile));
        assertThat(tempEntries()).isEmpty();
    }

    @Test
    void runHandsAValidatedPackageToTheWriterAndRemovesIt() throws Exception {
        InProcess engine = context();
        List<Path> seen = new ArrayList<>();
        int code = new SourceExport(engine.context).run(SourceExport.command(false), checkout.path(ONPREM).toString(), "bundle-dir",
                (file, normalized) -> {
                    seen.add(file);
                    assertThat(file).isRegularFile();
                    assertThat(Digests.sha256(file)).isEqualTo(normalized.sha256());
                    assertThat(normalized.size()).isEqualTo(file.toFile().length());
                    var listing = ProfileArchive.scan(file, "profile.tgz", ExtractionLimits.fromEnv(env));
                    assertThat(ManifestParser.parse(listing.manifest())).isEqualTo(normalized.manifest());
                    assertThat(normalized.manifest().name()).isEqualTo("on-prem-basic");
                    assertThat(normalized.manifest().inputs()).hasSize(3);
                    assertThat(normalized.profile().displayPath()).isEqualTo(checkout.path(ONPREM).toString());
                    return 9;
                });
        assertThat(code).isEqualTo(9);
        assertThat(seen).singleElement().satisfies(file -> assertThat(file).doesNotExist());
        assertThat(tempEntries()).isEmpty();
        assertThat(engine.eventLines()).hasSize(2);
        assertThat(engine.eventLines().get(0)).contains("\"operation\":\"source.export\"", "\"step\":\"operation.started\"");
        assertThat(engine.eventLines().get(1)).contains("\"step\":\"operation.completed\"", "\"status\":\"failed\"");
        // the built-in on-prem scenario wants the remote layer; without one the export still proceeds with a WARN
        assertThat(engine.stdout()).contains("WARN  remote cluster runtime not found: " + installRoot.resolve("ansible/roles/remote_cluster/files"));
    }

    @Test
    void fileAndStreamOutputsAreTheSameReproducibleBytes() throws Exception {
        SourcePackager packager = new SourcePackager(context().context);
        SourcePackager.Sources sources = packager.check("export", checkout.path(MULTIPASS).toString());
        NormalizedPackage toFile = packager.write(sources, home.resolve("out/a.tgz"));
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        NormalizedPackage toStream = packager.write(sources, stream);
        assertThat(stream.toByteArray()).isEqualTo(Files.readAllBytes(home.resolve("out/a.tgz")));
        assertThat(toStream.sha256()).isEqualTo(toFile.sha256()).isEqualTo(Digests.sha256(home.resolve("out/a.tgz")));
        assertThat(toFile.manifest().scenarioType()).isEqualTo("multipass");
        assertThat(tempEntries()).isEmpty();
    }

    private SourcePackager.Sources preflight(boolean dev, String profile) {
        return new SourceExport(context().context).preflight(SourceExport.command(dev), profile, "out");
    }

    private InProcess context() {
        return new InProcess(env, installRoot, home);
    }

    private List<Path> tempEntries() throws Exception {
        try (Stream<Path> entries = Files.list(home.resolve("tmp"))) {
            return entries.toList();
        }
    }

    private static void assertFails(int code, String message, Executable call) {
        assertThatThrownBy(call::execute).isInstanceOfSatisfying(EngineException.class, e -> {
            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.exitCode()).isEqualTo(code);
        });
    }
}
