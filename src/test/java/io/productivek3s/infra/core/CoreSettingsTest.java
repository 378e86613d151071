package io.productivek3s.infra.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoreSettingsTest {
    private static final CoreDefaults DEFAULTS = CoreDefaults.from(Map.of());

    @Test
    void bindingWinsOverFilesAndProcess() {
        CoreSettings settings = CoreSettings.resolve(Optional.of("0.9.6"), name -> Optional.of("local"),
                Map.of("PRODUCTIVE_K3S_VERSION", "0.9.1"), DEFAULTS);
        assertThat(settings.source()).isEqualTo("remote");
        assertThat(settings.version()).isEqualTo("0.9.6");
    }

    @Test
    void filesThenProcessThenDefaults() {
        CoreSettings fromFiles = CoreSettings.resolve(Optional.empty(),
                name -> name.equals("PRODUCTIVE_K3S_VERSION") ? Optional.of("v0.9.4") : Optional.empty(),
                Map.of("PRODUCTIVE_K3S_VERSION", "0.9.1", "PRODUCTIVE_K3S_SOURCE", "remote"), DEFAULTS);
        assertThat(fromFiles.version()).isEqualTo("v0.9.4");
        assertThat(fromFiles.comparableVersion()).contains("0.9.4");
        CoreSettings defaults = CoreSettings.resolve(Optional.empty(), name -> Optional.empty(), Map.of(), DEFAULTS);
        assertThat(defaults).isEqualTo(new CoreSettings("remote", "0.9.6", "productive-k3s/productive-k3s-core"));
        CoreSettings local = CoreSettings.resolve(Optional.empty(), name -> Optional.empty(), Map.of("PRODUCTIVE_K3S_SOURCE", "local"), DEFAULTS);
        assertThat(local.version()).isEmpty();
        assertThat(local.comparableVersion()).isEmpty();
    }

    @Test
    void defaultsFollowTheirEnvironmentOverrides() {
        CoreDefaults custom = CoreDefaults.from(Map.of("PRODUCTIVE_K3S_CORE_VERSION_DEFAULT", "1.0.0", "PRODUCTIVE_K3S_GITHUB_OWNER_DEFAULT", "acme"));
        assertThat(custom.coreVersion()).isEqualTo("1.0.0");
        assertThat(custom.releaseRepo()).isEqualTo("acme/productive-k3s-core");
    }

    @Test
    void validationMessages() {
        assertThatThrownBy(() -> new CoreSettings("git", "0.9.6", "r").validate())
                .hasMessage("PRODUCTIVE_K3S_SOURCE must be 'local' or 'remote', got 'git'");
        assertThatThrownBy(() -> new CoreSettings("remote", "latest", "r").validate()).hasMessage("invalid PRODUCTIVE_K3S_VERSION: latest");
        new CoreSettings("remote", "v1.2.3-rc.1", "r").validate();
        new CoreSettings("local", "", "r").validate();
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
