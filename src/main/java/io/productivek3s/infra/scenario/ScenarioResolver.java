package io.productivek3s.infra.scenario;

import io.productivek3s.infra.EngineException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Resolves a scenario from a type plus the data-driven runtime keys of a profile env file (docs/contract/package.md#data-driven-runtime-keys). When
 * {@code PK3S_INFRA_SCENARIO_PATH} is set the keys win over the built-in table; otherwise the type must be a
 * built-in scenario or alias.
 */
public final class ScenarioResolver {
    public static final Set<String> STRUCTURAL_KEYS = Set.of(
            "PK3S_INFRA_PROFILE_NAME", "PK3S_INFRA_SCENARIO", "PK3S_INFRA_ENGINE", "PK3S_INFRA_CATEGORY",
            "PK3S_INFRA_SCENARIO_PATH", "PK3S_INFRA_INSTALL_SCRIPT", "PK3S_INFRA_APPLY_TARGET", "PK3S_INFRA_STATUS_TARGET",
            "PK3S_INFRA_DESTROY_TARGET", "PK3S_INFRA_ENV_FILE_VARIABLE", "PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME");

    private static final Pattern TARGET = Pattern.compile("^[A-Za-z0-9_.-]+$");
    private static final Pattern ENV_VAR = Pattern.compile("^[A-Z_][A-Z0-9_]*$");
    private static final Set<String> CATEGORIES = Set.of("local", "edge", "cloud");

    private final String fileLabel;

    /** @param fileLabel how the keys' file is named in errors: {@code profile.env} for packages */
    public ScenarioResolver(String fileLabel) {
        this.fileLabel = fileLabel;
    }

    /**
     * @param type             scenario type as declared (package {@code spec.scenario.type} or {@code PK3S_INFRA_SCENARIO})
     * @param keys             values of the profile env file (runtime keys are read from here only)
     * @param fallbackCategory {@code metadata.category} for packages, may be null
     * @param unsupported      message prefix for an unknown type without data-driven keys
     */
    public Scenario resolve(String type, Map<String, String> keys, String fallbackCategory, String unsupported) {
        String scenarioPath = keys.getOrDefault("PK3S_INFRA_SCENARIO_PATH", "");
        Optional<BuiltInScenario> builtIn = BuiltInScenario.lookup(type);
        if (scenarioPath.isEmpty()) {
            BuiltInScenario known = builtIn.orElseThrow(() -> EngineException.invalid(unsupported + type));
            return new Scenario(known.type(), known.path(), known.category(), "up", "status",
                    Optional.ofNullable(known.destroyTarget()), Optional.ofNullable(known.envFileVariable()), false, builtIn);
        }
        String category = keys.getOrDefault("PK3S_INFRA_CATEGORY", "");
        if (category.isEmpty()) {
            category = fallbackCategory == null ? "" : fallbackCategory;
        }
        if (!CATEGORIES.contains(category)) {
            throw invalidKey("PK3S_INFRA_CATEGORY", category);
        }
        if (scenarioPath.startsWith("/") || scenarioPath.contains("\\") || !scenarioPath.startsWith("scenarios/" + category + "/")
                || containsDotDot(scenarioPath) || scenarioPath.length() == ("scenarios/" + category + "/").length()) {
            throw invalidKey("PK3S_INFRA_SCENARIO_PATH", scenarioPath);
        }
        String apply = target(keys, "PK3S_INFRA_APPLY_TARGET", "up", false).orElseThrow();
        String status = target(keys, "PK3S_INFRA_STATUS_TARGET", "status", false).orElseThrow();
        Optional<String> destroy = keys.containsKey("PK3S_INFRA_DESTROY_TARGET")
                ? target(keys, "PK3S_INFRA_DESTROY_TARGET", null, true)
                : builtIn.map(BuiltInScenario::destroyTarget);
        Optional<String> envVar;
        if (keys.containsKey("PK3S_INFRA_ENV_FILE_VARIABLE")) {
            String value = keys.get("PK3S_INFRA_ENV_FILE_VARIABLE");
            if (!value.isEmpty() && !ENV_VAR.matcher(value).matches()) {
                throw invalidKey("PK3S_INFRA_ENV_FILE_VARIABLE", value);
            }
            envVar = value.isEmpty() ? Optional.empty() : Optional.of(value);
        } else {
            envVar = builtIn.map(BuiltInScenario::envFileVariable);
        }
        String include = keys.getOrDefault("PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME", "");
        if (!include.isEmpty() && !include.equals("true") && !include.equals("false")) {
            throw invalidKey("PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME", include);
        }
        String canonical = builtIn.map(BuiltInScenario::type).orElse(type);
        return new Scenario(canonical, trimSlash(scenarioPath), category, apply, status, destroy, envVar, true, builtIn);
    }

    private Optional<String> target(Map<String, String> keys, String key, String fallback, boolean emptyMeansNone) {
        String value = keys.get(key);
        if (value == null || (value.isEmpty() && !emptyMeansNone)) {
            return Optional.ofNullable(fallback);
        }
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (!TARGET.matcher(value).matches()) {
            throw invalidKey(key, value);
        }
        return Optional.of(value);
    }

    private EngineException invalidKey(String key, String value) {
        return EngineException.invalid("invalid " + key + " in " + fileLabel + ": " + value);
    }

    private static boolean containsDotDot(String path) {
        for (String part : path.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                return true;
            }
        }
        return false;
    }

    private static String trimSlash(String path) {
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
