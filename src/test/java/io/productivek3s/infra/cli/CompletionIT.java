package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.TestHttpServer;
import io.productivek3s.infra.testing.TestHttpServer.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code completion bash|zsh} for real: the printed script is sourced in a bash (and a zsh) process, the completion
 * function is called with COMP_WORDS/COMP_CWORD set, and COMPREPLY is checked. Catalog names come from the download
 * cache after the catalog server has gone away.
 */
class CompletionIT extends PackageTestBase {
    private Path bashScript;
    private Path zshScript;

    @BeforeEach
    void writeScripts() throws IOException {
        Engine.Result bash = engine.run("completion", "bash");
        assertThat(bash.exitCode()).as(bash.toString()).isZero();
        bashScript = Files.writeString(home.resolve("work/pk3s.bash"), bash.stdout());
        Engine.Result zsh = engine.run("completion", "zsh");
        assertThat(zsh.exitCode()).as(zsh.toString()).isZero();
        zshScript = Files.writeString(home.resolve("work/pk3s.zsh"), zsh.stdout());
    }

    @Test
    void completesCommandsSubcommandsAndFlags() throws Exception {
        assertThat(complete("bash", "pro")).containsExactly("profile");
        assertThat(complete("bash", "profile", "")).containsExactly("validate", "verify", "install", "apply", "plan", "status", "destroy",
                "export", "list", "pack", "show");
        assertThat(complete("bash", "--debug", "profile", "--tgz", "x.tgz", "inst")).containsExactly("install");
        assertThat(complete("bash", "profile", "verify", "--sig")).containsExactly("--signature");
        assertThat(complete("bash", "profile", "pack", "--sign")).containsExactly("--sign-key");
        assertThat(complete("bash", "profile", "install", "--")).contains("--tgz", "--env-file", "--dry-run", "--json", "--help")
                .doesNotContain("--output", "--profile");
        assertThat(complete("bash", "dev", "profile", "")).contains("validate", "export").doesNotContain("install");
        assertThat(complete("bash", "help", "catalog", "")).containsExactly("list", "show");
        assertThat(complete("bash", "completion", "")).containsExactly("bash", "zsh");
        assertThat(complete("bash", "core", "fetch", "--version", "1", "--j")).containsExactly("--json");
    }

    @Test
    void completesFilesForFileFlags() throws Exception {
        Files.writeString(home.resolve("work/site.env"), "A=1\n");
        Files.writeString(home.resolve("work/site.tgz"), "x");
        assertThat(complete("bash", "profile", "install", "--env-file", "si")).containsExactlyInAnyOrder("site.env", "site.tgz");
        assertThat(complete("bash", "profile", "install", "--tgz", "site.t")).containsExactly("site.tgz");
    }

    @Test
    void packageOnlyScriptOffersNoSourceCommands() throws Exception {
        Engine.Result packageOnly = engine.env("PK3S_INFRA_RUNTIME_SURFACE", "package-only").run("completion", "bash");
        bashScript = Files.writeString(home.resolve("work/pk3s.bash"), packageOnly.stdout());
        assertThat(complete("bash", "")).contains("profile", "doctor", "catalog").doesNotContain("validate-profile", "multipass", "dev");
    }

    @Test
    void catalogNamesComeFromTheCacheWithoutTheServer() throws Exception {
        try (TestHttpServer server = new TestHttpServer()) {
            server.route("/catalogs/index.yaml", Response.ok("""
                    apiVersion: catalogs.productive-k3s.io/v1alpha1
                    kind: ProductiveK3SCatalog
                    metadata:
                      name: completion-test
                      version: 0.9.65
                      generatedAt: "2026-10-02T15:44:40Z"
                    entries:
                      - id: edge-one
                        name: edge-basic
                        kind: profile
                        visibility: public
                        category: edge
                        description: completion fixture
                        version: 1.0.0
                        artifact:
                          type: tgz
                          url: %s
                      - id: aws-one
                        name: aws-single
                        kind: profile
                        visibility: public
                        category: edge
                        description: completion fixture
                        version: 1.0.0
                        artifact:
                          type: tgz
                          url: %s
                    """.formatted(server.url("/a.tgz"), server.url("/b.tgz"))));
            engine.env("PK3S_CATALOG_URLS", server.url("/catalogs/index.yaml"));
            Engine.Result list = engine.run("catalog", "list");
            assertThat(list.exitCode()).as(list.toString()).isZero();
        }
        assertThat(complete("bash", "profile", "install", "--tgz", "edge")).containsExactly("edge-basic");
        assertThat(complete("bash", "catalog", "show", "")).containsExactly("edge-basic", "aws-single");
        assertThat(complete("zsh", "catalog", "show", "aws")).containsExactly("aws-single");
        // a typo of a catalog name gets a did-you-mean, from the same cache
        Engine.Result typo = engine.run("catalog", "show", "edge-basik", "--offline");
        assertThat(typo.exitCode()).isEqualTo(3);
        assertThat(typo.stderrLines()).containsExactly("[pk3s-infra] ERROR catalog has no profile 'edge-basik' (did you mean 'edge-basic'?)");
    }

    @Test
    void zshCompletesThroughTheSameFunction() throws Exception {
        assertThat(complete("zsh", "profile", "")).containsExactly("validate", "verify", "install", "apply", "plan", "status", "destroy",
                "export", "list", "pack", "show");
        assertThat(complete("zsh", "profile", "destroy", "--dr")).containsExactly("--dry-run");
    }

    @Test
    void revisionNumbersComeFromTheNamedClustersHistory() throws Exception {
        Path tgz = pack();
        Path site = overrideFile("ONPREM_SERVER_IP=198.51.100.7\nTELEMETRY_ENABLED=false\n");
        for (int run = 0; run < 2; run++) {
            Engine.Result install = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", site.toString());
            assertThat(install.exitCode()).as(install.toString()).isZero();
        }
        assertThat(complete("bash", "state", "pull", "fixture-profile", "--revision", "")).containsExactly("1", "2");
        assertThat(complete("bash", "state", "rollback", "fixture-profile", "--revision", "2")).containsExactly("2");
        assertThat(complete("zsh", "state", "rollback", "fixture-profile", "--revision", "")).containsExactly("1", "2");
        // an unknown or absent cluster offers nothing, and never an error
        assertThat(complete("bash", "state", "pull", "nope", "--revision", "")).isEmpty();
        assertThat(complete("bash", "state", "pull", "--revision", "")).isEmpty();
    }

    /** Sources the script in a fresh shell, sets COMP_WORDS to the launcher plus {@code words}, returns COMPREPLY. */
    private List<String> complete(String shell, String... words) throws Exception {
        StringBuilder array = new StringBuilder("COMP_WORDS=(" + quote(engineLauncher()));
        for (String word : words) {
            array.append(' ').append(quote(word));
        }
        array.append(")\n");
        String body = (shell.equals("zsh") ? "source " + quote(zshScript.toString()) + "\nsetopt ksharrays\n"
                : "source " + quote(bashScript.toString()) + "\n")
                + array + "COMP_CWORD=" + words.length + "\n_productive_k3s_infra\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
        List<String> command = shell.equals("zsh") ? List.of("zsh", "-f", "-c", body) : List.of("bash", "--norc", "-c", body);
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.resolve("work").toFile());
        builder.environment().clear();
        builder.environment().putAll(engine.environment());
        builder.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        List<String> reply = new ArrayList<>();
        out.lines().filter(line -> !line.isEmpty()).forEach(reply::add);
        return reply;
    }

    private static String engineLauncher() {
        return io.productivek3s.infra.testing.Repo.root().resolve("productive-k3s-infra.sh").toString();
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
