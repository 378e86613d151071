package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.TarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@code profile validate} through the real launcher (docs/contract/package.md, docs/contract/output.md#contract-validation-binding-exit-4). */
class ProfileValidateIT extends PackageTestBase {

    @Test
    void validPackagePrintsFourInfoLinesAndOk() throws Exception {
        Engine.Result result = engine.run("profile", "validate", "--tgz", pack().toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdoutLines()).containsExactly(
                "[pk3s-infra] INFO  Profile package: fixture-profile",
                "[pk3s-infra] INFO  Scenario: onprem-basic",
                "[pk3s-infra] INFO  Engine: ansible",
                "[pk3s-infra] INFO  Install script: scripts/install.sh",
                "[pk3s-infra] OK    Profile package validation passed");
        assertThat(result.stderr()).isEmpty();
        assertNoTempLeft();
    }

    @Test
    void relativeTgzResolvesAgainstTheCallersDirectoryNotTheEngines() throws Exception {
        pack();
        Engine.Result result = engine.run("profile", "validate", "--tgz", "./fixture.tgz");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(engine.cwd(home).env("PK3S_INFRA_CALLER_CWD", home.resolve("work").toString())
                .run("profile", "validate", "--tgz", "fixture.tgz").exitCode()).isZero();
    }

    @Test
    void missingArgumentAndMissingFileExit3() {
        assertError(engine.run("profile", "validate"), 3, "the 'profile validate' command requires --tgz <file>");
        assertError(engine.run("profile", "install"), 3, "the 'profile install' command requires --tgz <file>");
        Engine.Result missing = engine.run("profile", "validate", "--tgz", "./missing.tgz");
        assertError(missing, 3, "tgz package not found: ./missing.tgz");
        assertThat(missing.stderrLines()).hasSize(1);
    }

    @Test
    void corruptAndTruncatedArchivesExit4WithOneLine() throws Exception {
        Path garbage = home.resolve("work/garbage.tgz");
        Files.writeString(garbage, "this is not a gzip file");
        Engine.Result result = engine.run("profile", "validate", "--tgz", "garbage.tgz");
        assertError(result, 4, "could not extract tgz package: garbage.tgz");
        assertThat(result.stderrLines()).hasSize(1);

        byte[] valid = Files.readAllBytes(pack());
        Path truncated = home.resolve("work/truncated.tgz");
        Files.write(truncated, Arrays.copyOf(valid, valid.length / 2));
        assertError(engine.run("profile", "install", "--tgz", "truncated.tgz"), 4, "could not extract tgz package: truncated.tgz");
        assertNoTempLeft();
    }

    @Test
    void unsafeMembersAreRefusedByName() throws Exception {
        Path archive = new TarBuilder().file("profile.yaml", "x").file("../escape.txt", "boom").write(home.resolve("work/evil.tgz"));
        assertError(engine.run("profile", "validate", "--tgz", archive.toString()), 4, "profile package contains an unsafe entry: ../escape.txt");
        Path link = new TarBuilder().file("profile.yaml", "x").symlink("scenarios", "/etc").write(home.resolve("work/link.tgz"));
        assertError(engine.run("profile", "install", "--tgz", link.toString()), 4, "profile package contains an unsafe entry: scenarios");
        assertThat(home.resolve("escape.txt")).doesNotExist();
        assertNoTempLeft();
    }

    @Test
    void wrappedPackageValidatesAndResolvesFromItsWrapperDirectory() throws Exception {
        Path archive = new TarBuilder().dir("wrapper").tree(fixture.dir(), "wrapper/").write(home.resolve("work/wrapped.tgz"));
        Engine.Result result = engine.run("profile", "validate", "--tgz", archive.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).doesNotContain("WARN");
        Path noManifest = new TarBuilder().file("a/x", "1").file("b/y", "2").write(home.resolve("work/none.tgz"));
        assertError(engine.run("profile", "validate", "--tgz", noManifest.toString()), 4, "profile package is missing profile.yaml");
    }

    @Test
    void manifestErrorsFollowTheDocumentedOrder() throws Exception {
        assertManifestError(ProfileFixtureManifests.replace("  name: fixture-profile\n", ""),
                "profile package metadata.name is required");
        assertManifestError(ProfileFixtureManifests.replace("type: onprem-basic", "type: \"\""), "profile package spec.scenario.type is required");
        assertManifestError(ProfileFixtureManifests.replace("type: ansible", "type: puppet"), "unsupported profile package engine: puppet");
        assertManifestError(ProfileFixtureManifests.replace("name: fixture-profile", "name: ../../x/victim"), "profile package metadata.name is invalid: ../../x/victim");
        assertManifestError(ProfileFixtureManifests.replace("installScript: scripts/install.sh", "installScript: ../../evil.sh"),
                "profile package install script escapes the package: ../../evil.sh");
        assertManifestError(ProfileFixtureManifests.replace("required: true\n      sensitive: false\n      source: local-override",
                "required: yes\n      sensitive: false\n      source: local-override"), "profile package input 'ONPREM_SERVER_IP' has invalid required value: yes");
        assertManifestError(ProfileFixtureManifests.replace("apiVersion: infra.productive-k3s.io/v1", "apiVersion: v2"), "profile package apiVersion is unsupported: v2");
        assertManifestError(ProfileFixtureManifests.replace("kind: Profile", "kind: Scenario"), "profile package kind is unsupported: Scenario");
        assertManifestError(ProfileFixtureManifests.replace("type: ansible", "type: ''"), "profile package spec.engine.type is required");
        assertManifestError(ProfileFixtureManifests.replace("installScript: scripts/install.sh", "installScript:"),
                "profile package spec.execution.installScript is required");
        assertManifestError(ProfileFixtureManifests.replace("- name: ONPREM_SSH_USER", "- name: ONPREM_SERVER_IP"),
                "profile package input 'ONPREM_SERVER_IP' is declared more than once");
        assertManifestError(ProfileFixtureManifests.replace("- name: ONPREM_SSH_USER", "- name: 1BAD"), "profile package input name is invalid: 1BAD");
        assertManifestError(ProfileFixtureManifests.replace("source: package-default", "source: anywhere"),
                "profile package input 'ONPREM_SSH_USER' has invalid source value: anywhere");
        assertManifestError("metadata: [unclosed\n", null);
    }

    @Test
    void crlfAndFourSpaceIndentationParse() throws Exception {
        String fourSpaces = "apiVersion: 'infra.productive-k3s.io/v1'   # quoted, with a comment\n"
                + "kind: Profile\nmetadata:\n    name: \"fixture-profile\"\n    version: 1.0.0\nspec:\n    scenario:\n        type: onprem-basic\n"
                + "    engine: {type: ansible}\n    execution:\n        installScript: scripts/install.sh\n    inputs:\n"
                + "        -   name: ONPREM_SERVER_IP\n            required: true\n            source: local-override\n";
        fixture.manifest(fourSpaces.replace("\n", "\r\n"));
        Engine.Result result = engine.run("profile", "validate", "--tgz", pack().toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains("INFO  Engine: ansible\n");
    }

    @Test
    void unexecutablePackagesValidateWithWarnings() throws Exception {
        fixture.delete("profile.env").delete("scripts/install.sh")
                .manifest(ProfileFixtureManifests.replace("type: onprem-basic", "type: demo"));
        Engine.Result result = engine.run("profile", "validate", "--tgz", pack().toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).contains(
                "WARN  package is not executable as-is: profile package is missing profile.env",
                "WARN  package is not executable as-is: unsupported packaged profile scenario: demo",
                "WARN  package is not executable as-is: profile package install script not found: scripts/install.sh",
                "INFO  Scenario: demo");
        assertThat(result.stdoutLines().get(result.stdoutLines().size() - 1)).isEqualTo("[pk3s-infra] OK    Profile package validation passed");
    }

    @Test
    void validateNeverUnpacksToDisk() throws Exception {
        Path archive = pack();
        // A TMPDIR below a regular file cannot hold anything, even for root: validate must not need it.
        Path blocker = Files.writeString(home.resolve("not-a-dir"), "x");
        Engine.Result result = engine.env("TMPDIR", blocker.resolve("tmp").toString()).run("profile", "validate", "--tgz", archive.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        Engine.Result install = engine.run("profile", "plan", "--tgz", archive.toString());
        assertThat(install.exitCode()).as("plan needs a temp dir and must fail cleanly without one").isEqualTo(1);
        assertThat(install.stderrLines()).hasSize(1);
    }

    private void assertManifestError(String manifest, String message) throws Exception {
        fixture.manifest(manifest);
        Engine.Result result = engine.run("profile", "validate", "--tgz", pack().toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        if (message != null) {
            assertThat(result.stderrLines()).containsExactly("[pk3s-infra] ERROR " + message);
        } else {
            assertThat(result.stderr()).startsWith("[pk3s-infra] ERROR profile package profile.yaml is not valid YAML: ");
            assertThat(result.stderrLines()).hasSize(1);
        }
    }
}
