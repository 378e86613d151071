package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.Repo;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command and the committed example package (examples/local-demo), with real bash and make. */
class ExampleProfileIT {
    @TempDir
    Path home;

    @Test
    void committedArchiveIsExactlyTheReproduciblePackOfItsSources() throws Exception {
        Path committed = Repo.root().resolve("examples/local-demo.tgz");
        Path repacked = home.resolve("repacked.tgz");
        Engine.Result result = Engine.fromRepo(home).run("profile", "pack", "--source", Repo.root().resolve("examples/local-demo").toString(),
                "--output", repacked.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        // Compare the tar streams: gzip framing may differ between zlib builds, the package content may not.
        assertThat(gunzip(repacked)).as("examples/local-demo.tgz is stale: run profile pack --source examples/local-demo --output examples/local-demo.tgz")
                .isEqualTo(gunzip(committed));
        assertThat(result.stdout()).contains("INFO  sha256: ");
    }

    @Test
    void readmeFirstCommandInstallsThenStatusPlanDestroy() throws Exception {
        Path state = home.resolve("state");
        Engine engine = Engine.fromRepo(home).cwd(Repo.root()).env("PK3S_PROFILE_STATE_DIR", state.toString());
        String[] common = {"--tgz", "examples/local-demo.tgz", "--env-file", "examples/local-demo/site.env.example"};

        Engine.Result install = engine.run(concat(new String[] {"profile", "install"}, common));
        assertThat(install.exitCode()).as(install.toString()).isZero();
        assertThat(install.stdout()).contains("local-demo: hello from demo; cluster 'demo' at site 'my-laptop' with 3 node(s), state serial 1",
                "[pk3s-infra] INFO  Persisted profile state: " + state.resolve("local-demo.json"));
        JsonNode cluster = new ObjectMapper().readTree(state.resolve("local-demo.json").toFile());
        assertThat(cluster.get("nodes")).hasSize(3);
        assertThat(cluster.get("ssh").get("key_path").asText()).isEqualTo(state.resolve("local-demo.runtime/generated/ssh/id_ed25519").toString());

        Engine.Result again = engine.run(concat(new String[] {"profile", "apply"}, common));
        assertThat(again.stdout()).as("the OpenTofu-style state was restored and advanced").contains("state serial 2");

        Engine.Result status = engine.run(concat(new String[] {"profile", "status"}, common));
        assertThat(status.exitCode()).as(status.toString()).isZero();
        assertThat(status.stdout()).contains("local-demo: cluster 'demo' is up (state serial 2)");

        Engine.Result plan = engine.run(concat(new String[] {"profile", "plan"}, common));
        assertThat(plan.exitCode()).as(plan.toString()).isZero();
        assertThat(plan.stdout()).contains("Executing packaged profile plan via scenario make dry-run", "bash scripts/up.sh");

        Engine.Result failedDestroy = engine.env("DEMO_FAIL_DESTROY", "true").run(concat(new String[] {"profile", "destroy"}, common));
        assertThat(failedDestroy.exitCode()).as("make reports the failed recipe as exit 2").isEqualTo(2);
        assertThat(failedDestroy.stdout()).contains("WARN  Keeping profile state after failed destroy");
        assertThat(state.resolve("local-demo.json")).exists();

        Engine.Result destroy = engine.env("DEMO_FAIL_DESTROY", null).run(concat(new String[] {"profile", "destroy"}, common));
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        assertThat(destroy.stdout()).contains("local-demo: destroyed", "Removed profile state: " + state.resolve("local-demo.json"));
        assertThat(state.resolve("local-demo.runtime")).doesNotExist();

        Engine.Result statusAfter = engine.run(concat(new String[] {"profile", "status"}, common));
        assertThat(statusAfter.exitCode()).as("make turns the status script's exit 3 into its own 2").isEqualTo(2);
        assertThat(statusAfter.stderr()).contains("local-demo: not installed");
    }

    @Test
    void installerFailingAfterWritingStateLeavesADestroyableCluster() throws Exception {
        Path state = home.resolve("state");
        Engine engine = Engine.fromRepo(home).cwd(Repo.root()).env("PK3S_PROFILE_STATE_DIR", state.toString());
        Engine.Result install = engine.env("DEMO_FAIL_AFTER_STATE", "true")
                .run("profile", "install", "--tgz", "examples/local-demo.tgz", "--env-file", "examples/local-demo/site.env.example");
        assertThat(install.exitCode()).isEqualTo(2); // make reports the recipe failure (exit 7) as its own exit 2
        assertThat(install.stderr()).contains("[pk3s-infra] ERROR packaged profile installer failed with exit code 2");
        assertThat(state.resolve("local-demo.json")).exists();
        Engine.Result destroy = engine.env("DEMO_FAIL_AFTER_STATE", null)
                .run("profile", "destroy", "--tgz", "examples/local-demo.tgz", "--env-file", "examples/local-demo/site.env.example");
        assertThat(destroy.exitCode()).as(destroy.toString()).isZero();
        assertThat(state.resolve("local-demo.json")).doesNotExist();
    }

    @Test
    void missingInputFailsCleanlyWithoutTouchingState() throws Exception {
        Path state = home.resolve("state");
        Engine.Result result = Engine.fromRepo(home).cwd(Repo.root()).env("PK3S_PROFILE_STATE_DIR", state.toString())
                .run("profile", "install", "--tgz", "examples/local-demo.tgz");
        assertThat(result.exitCode()).isEqualTo(4);
        assertThat(result.stderrLines()).containsExactly(
                "[pk3s-infra] ERROR required packaged profile inputs must be provided through --env-file: DEMO_SITE");
        assertThat(state).doesNotExist();
    }

    private static byte[] gunzip(Path file) throws Exception {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

}
