package io.productivek3s.infra.env;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of loading one env file: its accepted assignments in file order (duplicates included) and the
 * warnings it produced. Assignments dropped by an {@link AssignmentGuard} are not listed.
 */
public record EnvFile(String displayPath, Layer layer, List<EnvValue> assignments, List<String> warnings) {
    public EnvFile {
        Objects.requireNonNull(displayPath, "displayPath");
        Objects.requireNonNull(layer, "layer");
        assignments = List.copyOf(assignments);
        warnings = List.copyOf(warnings);
    }

    /** Final value per name in this file (last assignment wins), in first-assignment order. */
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        for (EnvValue assignment : assignments) {
            values.put(assignment.name(), assignment.value());
        }
        return Collections.unmodifiableMap(values);
    }

    public Optional<String> value(String name) {
        return Optional.ofNullable(values().get(name));
    }

    /** True when this file itself leaves {@code name} with a value that is not empty or whitespace-only (docs/contract/env-files.md#rules). */
    public boolean assignsNonBlank(String name) {
        return value(name).map(v -> !v.isBlank()).orElse(false);
    }
}
