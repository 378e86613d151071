package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import io.productivek3s.infra.testing.ProfilesCheckoutFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Common setup for black-box source-surface tests: a private home, fake make/tofu/ssh on PATH, a generated profiles
 * checkout named by {@code PRODUCTIVE_K3S_PROFILES_REPO_DIR}, and an install root that carries the shared
 * remote-cluster layer.
 */
abstract class SourceTestBase {
    @TempDir
    Path home;

    FakeTools tools;
    ProfilesCheckoutFixture checkout;
    Path installRoot;
    Path work;
    Path records;
    Engine engine;

    @BeforeEach
    void setUpSource() throws IOException {
        tools = new FakeTools(home.resolve("fakes")).add("make").add("tofu").add("ssh");
        checkout = new ProfilesCheckoutFixture(home.resolve("profiles-checkout"));
        installRoot = home.resolve("install");
        Path runtime = Files.createDirectories(installRoot.resolve("ansible/roles/remote_cluster/files"));
        Files.writeString(runtime.resolve("remote-cluster.sh"), "#!/usr/bin/env bash\n");
        records = Files.createDirectories(home.resolve("records"));
        work = Files.createDirectories(home.resolve("work"));
        engine = Engine.fromRepo(home)
                .prependPath(tools.bin())
                .env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", checkout.root().toString())
                .env("PRODUCTIVE_K3S_INFRA_REPO_DIR", installRoot.toString())
                .env("PK3S_PROFILE_STATE_DIR", home.resolve("state").toString())
                .env("RECORDS", records.toString())
                .cwd(work);
    }

    /** Absolute path of a profile in the generated checkout. */
    String profile(String rel) {
        return checkout.path(rel).toString();
    }

    /** The engine's temp area must be empty after every run. */
    void assertNoTempLeft() throws IOException {
        try (Stream<Path> entries = Files.list(home.resolve("tmp"))) {
            assertThat(entries.filter(p -> p.getFileName().toString().startsWith("pk3s-infra-")).toList()).isEmpty();
        }
    }

    static void assertError(Engine.Result result, int code, String message) {
        InfoCommandsIT.assertError(result, code, message);
    }

    /** Exactly one ERROR line (no cascades, D02). */
    static void assertOnlyError(Engine.Result result, int code, String message) {
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(code);
        assertThat(result.stderrLines().stream().filter(line -> line.startsWith("[pk3s-infra] ERROR")).toList())
                .as(result.toString()).containsExactly("[pk3s-infra] ERROR " + message);
    }
}
