package io.productivek3s.infra.pkg;

import java.util.List;
import java.util.Optional;

/**
 * A structurally valid {@code profile.yaml} (docs/contract/package.md#profileyaml). Strings are the scalar text as written.
 * {@code apiVersion}, {@code kind}, {@code version} and {@code category} are null when absent.
 * {@code warnings} are WARN texts without the level prefix, in the order they arose.
 */
public record ProfileManifest(String apiVersion, String kind, String name, String version, String category,
                              String scenarioType, String engineType, String installScript,
                              List<ProfileInput> inputs, Optional<CompatibilitySpec> compatibility,
                              List<String> runtimeOs, List<String> runtimeArchitectures, List<String> warnings) {
    public ProfileManifest {
        inputs = List.copyOf(inputs);
        runtimeOs = List.copyOf(runtimeOs);
        runtimeArchitectures = List.copyOf(runtimeArchitectures);
        warnings = List.copyOf(warnings);
    }
}
