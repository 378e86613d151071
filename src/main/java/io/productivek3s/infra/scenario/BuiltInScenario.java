package io.productivek3s.infra.scenario;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The four scenarios the engine knows without data-driven keys (docs/contract/package.md#built-in-scenarios). */
public enum BuiltInScenario {
    MULTIPASS("multipass", List.of(), "scenarios/local/multipass", "local", List.of("opentofu"), null, "down"),
    ONPREM_BASIC("onprem-basic", List.of("onprem", "on-prem"), "scenarios/edge/onprem-basic", "edge", List.of("ansible", "shell"), "ONPREM_ENV_FILE", null),
    ONPREM_BASIC_ARM("onprem-basic-arm", List.of("onprem-arm", "on-prem-arm"), "scenarios/edge/onprem-basic-arm", "edge", List.of("ansible", "shell"), "ONPREM_ENV_FILE", null),
    AWS_SINGLE_NODE("aws-single-node", List.of(), "scenarios/cloud/aws-single-node", "cloud", List.of("opentofu"), "AWS_ENV_FILE", "down");

    private final String type;
    private final List<String> aliases;
    private final String path;
    private final String category;
    private final List<String> engines;
    private final String envFileVariable;
    private final String destroyTarget;

    BuiltInScenario(String type, List<String> aliases, String path, String category, List<String> engines,
            String envFileVariable, String destroyTarget) {
        this.type = type;
        this.aliases = aliases;
        this.path = path;
        this.category = category;
        this.engines = engines;
        this.envFileVariable = envFileVariable;
        this.destroyTarget = destroyTarget;
    }

    /** Canonical type for a canonical name or alias (exact, case-sensitive). */
    public static Optional<BuiltInScenario> lookup(String typeOrAlias) {
        return Arrays.stream(values())
                .filter(s -> s.type.equals(typeOrAlias) || s.aliases.contains(typeOrAlias))
                .findFirst();
    }

    public String type() {
        return type;
    }

    public List<String> aliases() {
        return aliases;
    }

    public String path() {
        return path;
    }

    public String category() {
        return category;
    }

    public List<String> engines() {
        return engines;
    }

    /** Engine rule message of docs/contract/output.md#contract-validation-binding-exit-4 for a mismatching engine. */
    public String engineRuleMessage() {
        return engines.contains("opentofu")
                ? type + " profiles must use PK3S_INFRA_ENGINE=opentofu"
                : type + " profiles must use PK3S_INFRA_ENGINE=ansible or shell";
    }

    public String envFileVariable() {
        return envFileVariable;
    }

    public String destroyTarget() {
        return destroyTarget;
    }

    @Override
    public String toString() {
        return type.toLowerCase(Locale.ROOT);
    }
}
