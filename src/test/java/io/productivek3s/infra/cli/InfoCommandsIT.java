package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.testing.Engine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Informational commands and argument handling, through the real launcher (docs/contract/invocation.md#parsing-rules, docs/contract/invocation.md#surfaces, docs/contract/invocation.md#informational-commands, docs/cli.md#json-output). */
class InfoCommandsIT {
    @TempDir
    Path home;

    private Engine engine() {
        return Engine.fromRepo(home);
    }

    @Test
    void noArgumentsPrintsUsageOnStderrAndExits2() {
        Engine.Result result = engine().run();
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr()).contains("Usage:", "Profile-driven commands:", "Legacy compatibility:", "Supported global flags:", "--env-file <file>");
    }

    @Test
    void helpVariantsPrintUsageOnStdout() {
        for (String word : new String[] {"help", "-h", "--help"}) {
            Engine.Result result = engine().run(word);
            assertThat(result.exitCode()).as(word).isZero();
            assertThat(result.stdout()).startsWith("Usage:\n").contains("  profile export --tgz <file> --output <file|dir>\n");
            assertThat(result.stderr()).isEmpty();
        }
        Engine.Result onlyFlags = engine().run("--debug", "--yes");
        assertThat(onlyFlags.exitCode()).isZero();
        assertThat(onlyFlags.stdout()).startsWith("Usage:");
    }

    @Test
    void versionTextAndJsonAgreeWithBundleInfo() throws Exception {
        Engine engine = engine().env("PRODUCTIVE_K3S_INFRA_VERSION", "9.9.9");
        Engine.Result text = engine.run("version");
        assertThat(text.exitCode()).isZero();
        assertThat(text.stdout()).isEqualTo("9.9.9\n");
        assertThat(engine.run("--version").stdout()).isEqualTo("9.9.9\n");
        JsonNode json = new ObjectMapper().readTree(engine.run("version", "--json").stdout());
        JsonNode bundle = new ObjectMapper().readTree(engine.run("bundle", "info", "--json").stdout());
        // one document (docs/contract/output.md#bundle-info-document), the envelope's command apart; the contract's keys come first, in its order
        assertThat(json.get("command").asText()).isEqualTo("version");
        assertThat(bundle.get("command").asText()).isEqualTo("bundle info");
        JsonNode versionBody = json.<ObjectNode>deepCopy().without("command");
        JsonNode bundleBody = bundle.<ObjectNode>deepCopy().without("command");
        assertThat(versionBody).isEqualTo(bundleBody);
        assertThat(json.fieldNames()).toIterable().containsExactly("schema_version", "bundle_name", "bundle_type", "bundle_version",
                "cli_entrypoint", "platform", "api_compatibility", "command", "ok");
        assertThat(json.get("bundle_version").asText()).isEqualTo("9.9.9");
        assertThat(json.get("cli_entrypoint").asText()).isEqualTo("productive-k3s-infra.sh");
        assertThat(json.get("api_compatibility").get("contract").asText()).isEqualTo("productive-k3s-cli-bundle-info/v1");
        assertThat(engine().unset("PRODUCTIVE_K3S_INFRA_VERSION").run("version").stdout()).isEqualTo("dev\n");
    }

    @Test
    void releaseTagFromReleaseEnvWinsEverywhere() throws Exception {
        Path root = releaseRoot("PK3S_INFRA_RELEASE_TAG=1.2.3-4.5.6\nPK3S_CORE_SEMVER=4.5.6\n");
        Engine engine = engine().env("PRODUCTIVE_K3S_INFRA_REPO_DIR", root.toString()).env("PRODUCTIVE_K3S_INFRA_VERSION", "9.9.9");
        assertThat(engine.run("version").stdout()).isEqualTo("1.2.3-4.5.6\n");
        JsonNode bom = new ObjectMapper().readTree(engine.run("bom", "--json").stdout());
        assertThat(bom.get("cli").get("version").asText()).isEqualTo("1.2.3-4.5.6");
        assertThat(bom.get("productive_k3s").get("bound_core_version").asText()).isEqualTo("4.5.6");
    }

    @Test
    void bomDescribesTheJavaImplementation() throws Exception {
        Engine.Result result = engine().run("bom", "--json");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        JsonNode bom = new ObjectMapper().readTree(result.stdout());
        assertThat(bom.fieldNames()).toIterable().containsExactly("schema_version", "bom_type", "cli", "implementation", "bundle",
                "platform_support", "productive_k3s", "requirements", "scenarios", "package_contract", "command", "ok");
        assertThat(bom.get("implementation").get("language").asText()).isEqualTo("java");
        assertThat(bom.get("implementation").has("bash_version")).isFalse();
        assertThat(bom.get("implementation").get("java_version").asText()).isNotEmpty();
        assertThat(bom.get("productive_k3s").get("bound_core_version").isNull()).isTrue();
        assertThat(bom.get("productive_k3s").get("default_core_version").asText()).isEqualTo("0.9.6");
        assertThat(bom.get("requirements").get("required_commands").get(0).get("name").asText()).isEqualTo("java");
        assertThat(bom.get("package_contract").get("event_formats").get(0).asText()).isEqualTo("ndjson");
        assertThat(result.stdout()).contains("\n  \"schema_version\": \"1\",\n").endsWith("}\n");
    }

    @Test
    void usageErrorsExit2WithTheDocumentedMessages() {
        assertError(engine().run("bom"), 2, "bom requires --json");
        assertError(engine().run("bundle", "info"), 2, "bundle info requires --json");
        assertError(engine().run("bundle", "list", "--json"), 2, "unsupported bundle command: list");
        assertError(engine().run("bundle"), 2, "unsupported bundle command: ");
        assertError(engine().run("frobnicate"), 2, "unsupported command: frobnicate");
        assertError(engine().run("profile", "frob"), 2, "unsupported profile command: frob");
        assertError(engine().run("profile"), 2, "unsupported profile command: ");
        assertError(engine().run("version", "--events", "xml"), 2, "unsupported events format: xml");
        assertError(engine().run("profile", "validate", "--tgz"), 2, "--tgz requires a value");
        assertError(engine().run("profile", "validate", "--tgz="), 2, "--tgz requires a value");
        assertError(engine().run("export", "--output"), 2, "--output requires a value");
    }

    @Test
    void packageOnlySurfaceRefusesSourceCommands() throws Exception {
        Path root = releaseRoot("PK3S_INFRA_RUNTIME_SURFACE=package-only\n");
        Engine engine = engine().env("PRODUCTIVE_K3S_INFRA_REPO_DIR", root.toString());
        for (String command : new String[] {"list-profiles", "validate-profile", "dev", "multipass", "on-prem", "export", "apply"}) {
            assertError(engine.run(command, "--profile", "x.env"), 2, "the '" + command + "' command is not available in the package-only "
                    + "release surface; use 'profile <validate|install|plan|apply|destroy|status> --tgz <file>' or a source checkout");
        }
        Engine.Result help = engine.run("help");
        assertThat(help.stdout()).contains("Package-oriented commands:").doesNotContain("Legacy compatibility:", "--profile <file>");
    }

    @Test
    void scriptsAliasLauncherBehavesLikeTheRootOne() {
        Engine alias = new Engine(io.productivek3s.infra.testing.Repo.root().resolve("scripts/productive-k3s-infra.sh"), home)
                .env("PRODUCTIVE_K3S_INFRA_VERSION", "7.7.7");
        assertThat(alias.run("version").stdout()).isEqualTo("7.7.7\n");
    }

    @Test
    void launcherWithoutJavaExits5() throws Exception {
        Path bin = Files.createDirectories(home.resolve("bin-without-java"));
        for (String tool : new String[] {"bash", "dirname", "readlink"}) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin/env").getParent().resolve(tool).toRealPath());
        }
        Engine.Result result = engine().env("JAVA_HOME", home.resolve("nojava").toString()).env("PATH", bin.toString()).run("version");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(5);
        assertThat(result.stderr()).isEqualTo("[pk3s-infra] ERROR missing dependency: java\n");
    }

    private Path releaseRoot(String releaseEnv) throws Exception {
        Path root = Files.createDirectories(home.resolve("install-root/scripts")).getParent();
        Files.writeString(root.resolve("scripts/release.env"), releaseEnv);
        return root;
    }

    static void assertError(Engine.Result result, int code, String message) {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(code);
        assertThat(result.stderrLines()).as(result.toString()).contains("[pk3s-infra] ERROR " + message);
    }
}
