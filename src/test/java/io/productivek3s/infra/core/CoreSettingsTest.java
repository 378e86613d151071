package io.productivek3s.infra.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Effective Core settings (contract §17.6): binding → merged files → process → release default. */
class CoreSettingsTest {
    private static final CoreDefaults DEFAULTS = CoreDefaults.from(Map.of());

    private static Function<String, Optional<String>> files(Map<String, String> values) {
        return name -> Optional.ofNullable(values.get(name));
    }

    @Test
    void defaultsAreRemoteWithTheReleaseCoreVersion() {
        CoreSettings settings = CoreSettings.resolve(Optional.empty(), files(Map.of()), Map.of(), DEFAULTS).validate();
        assertThat(settings).isEqualTo(new CoreSettings("remote", "0.9.6", "productive-k3s/productive-k3s-core"));
        assertThat(settings.comparableVersion()).hasValue("0.9.6");
    }

    @Test
    void filesWinOverTheProcessWhichWinsOverDefaults() {
        Map<String, String> process = Map.of("PRODUCTIVE_K3S_VERSION", "0.9.5", "PRODUCTIVE_K3S_RELEASE_REPO", "me/core");
        assertThat(CoreSettings.resolve(Optional.empty(), files(Map.of()), process, DEFAULTS))
                .isEqualTo(new CoreSettings("remote", "0.9.5", "me/core"));
        assertThat(CoreSettings.resolve(Optional.empty(), files(Map.of("PRODUCTIVE_K3S_VERSION", "v0.9.7", "PRODUCTIVE_K3S_SOURCE", "")),
                process, DEFAULTS)).isEqualTo(new CoreSettings("remote", "v0.9.7", "me/core"));
        CoreSettings local = CoreSettings.resolve(Optional.empty(), files(Map.of("PRODUCTIVE_K3S_SOURCE", "local")), Map.of(), DEFAULTS);
        assertThat(local.version()).isEmpty();
        assertThat(local.validate().comparableVersion()).isEmpty();
        assertThat(CoreSettings.resolve(Optional.empty(), files(Map.of()), Map.of(),
                CoreDefaults.from(Map.of("PRODUCTIVE_K3S_CORE_VERSION_DEFAULT", "0.9.5", "PRODUCTIVE_K3S_GITHUB_OWNER_DEFAULT", "fork"))))
                .isEqualTo(new CoreSettings("remote", "0.9.5", "fork/productive-k3s-core"));
    }

    @Test
    void theBindingWinsOverEverything() {
        CoreSettings bound = CoreSettings.resolve(Optional.of("0.9.6"),
                files(Map.of("PRODUCTIVE_K3S_SOURCE", "local", "PRODUCTIVE_K3S_VERSION", "0.9.4")),
                Map.of("PRODUCTIVE_K3S_SOURCE", "local"), DEFAULTS);
        assertThat(bound.source()).isEqualTo("remote");
        assertThat(bound.version()).isEqualTo("0.9.6");
    }

    @Test
    void whatCannotWorkIsRejectedWithOneExit4Line() {
        assertInvalid(new CoreSettings("git", "0.9.6", "r"), "PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got 'git'");
        assertInvalid(new CoreSettings("Remote", "0.9.6", "r"), "PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got 'Remote'");
        assertInvalid(new CoreSettings("remote", "latest", "r"), "invalid PRODUCTIVE_K3S_VERSION: latest");
        assertInvalid(new CoreSettings("remote", "0.9", "r"), "invalid PRODUCTIVE_K3S_VERSION: 0.9");
        assertInvalid(new CoreSettings("remote", "0.9.6/../x", "r"), "invalid PRODUCTIVE_K3S_VERSION: 0.9.6/../x");
        for (String ok : new String[] {"0.9.6", "v0.9.6", "1.2.3-rc.1", "1.2.3.4"}) {
            assertThat(CoreSettings.isValidVersion(ok)).as(ok).isTrue();
        }
        assertThat(new CoreSettings("local", "anything", "r").validate().source()).isEqualTo("local");
    }

    @Test
    void aCoreCheckoutHasTheEntrypointAndApplyScript(@TempDir Path dir) throws Exception {
        assertThat(CoreSettings.looksLikeCoreCheckout(dir)).isFalse();
        assertThat(CoreSettings.looksLikeCoreCheckout(dir.resolve("missing"))).isFalse();
        Files.writeString(dir.resolve("productive-k3s-core.sh"), "");
        assertThat(CoreSettings.looksLikeCoreCheckout(dir)).isFalse();
        Files.createDirectories(dir.resolve("scripts"));
        Files.writeString(dir.resolve("scripts/apply.sh"), "");
        assertThat(CoreSettings.looksLikeCoreCheckout(dir)).isTrue();
    }

    private static void assertInvalid(CoreSettings settings, String message) {
        assertThatThrownBy(settings::validate).isInstanceOf(EngineException.class).hasMessage(message)
                .satisfies(e -> assertThat(((EngineException) e).exitCode()).isEqualTo(4));
    }
}
