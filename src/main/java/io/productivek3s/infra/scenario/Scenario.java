package io.productivek3s.infra.scenario;

import java.util.Optional;

/**
 * A resolved scenario: where it lives relative to the package root or profiles checkout and how the engine drives
 * it (docs/contract/package.md#scenarios). {@code destroyTarget} and {@code envFileVariable} are empty when the scenario has none.
 */
public record Scenario(
        String type,
        String path,
        String category,
        String applyTarget,
        String statusTarget,
        Optional<String> destroyTarget,
        Optional<String> envFileVariable,
        boolean dataDriven,
        Optional<BuiltInScenario> builtIn) {

    public boolean local() {
        return "local".equals(category);
    }
}
