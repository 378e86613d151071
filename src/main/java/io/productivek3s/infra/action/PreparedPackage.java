package io.productivek3s.infra.action;

import io.productivek3s.infra.core.CoreSettings;
import io.productivek3s.infra.env.EnvFile;
import io.productivek3s.infra.env.Origin;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.scenario.Scenario;
import io.productivek3s.infra.state.EngineState;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A package that passed the whole execution prelude (docs/contract/runs.md#pipelines): extracted, validated, merged, resolved.
 *
 * @param fileValues  effective values of every variable the package and override files assign (after guards)
 * @param childEnv    environment for the package's children, before telemetry variables are applied
 * @param origins     where each of {@code fileValues} was assigned (file and line, or the release binding)
 * @param overrideIdentity  digest and absolute path of the override env file ({@link EngineState.Override#NONE}: none)
 * @param overrideHint  appended to a missing-override-input error: why a recorded override file was not reused ("" if none)
 */
public record PreparedPackage(
        PackageSource.Resolved source,
        String sha256,
        Path packageRoot,
        ProfileManifest manifest,
        Scenario scenario,
        Path scenarioDir,
        Optional<EnvFile> override,
        Map<String, String> fileValues,
        CoreSettings core,
        Map<String, String> childEnv,
        Map<String, Origin> origins,
        EngineState.Override overrideIdentity,
        String overrideHint) {

    public String name() {
        return manifest.name();
    }
}
