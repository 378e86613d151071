package io.productivek3s.infra.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ScenarioResolverTest {
    private final ScenarioResolver resolver = new ScenarioResolver("profile.env");

    private Scenario resolve(String type, Map<String, String> keys) {
        return resolver.resolve(type, keys, null, "unsupported packaged profile scenario: ");
    }

    @Test
    void builtInTypesAndAliases() {
        Scenario onprem = resolve("on-prem", Map.of());
        assertThat(onprem.type()).isEqualTo("onprem-basic");
        assertThat(onprem.path()).isEqualTo("scenarios/edge/onprem-basic");
        assertThat(onprem.destroyTarget()).isEmpty();
        assertThat(onprem.envFileVariable()).contains("ONPREM_ENV_FILE");
        Scenario arm = resolve("onprem-arm", Map.of());
        assertThat(arm.type()).isEqualTo("onprem-basic-arm");
        Scenario aws = resolve("aws-single-node", Map.of());
        assertThat(aws.destroyTarget()).contains("down");
        assertThat(aws.category()).isEqualTo("cloud");
        Scenario multipass = resolve("multipass", Map.of());
        assertThat(multipass.envFileVariable()).isEmpty();
        assertThat(multipass.local()).isTrue();
    }

    @Test
    void unknownTypeWithoutKeysIsRejectedWithTheValue() {
        assertThatThrownBy(() -> resolve("hetzner-single-node", Map.of())).hasMessage("unsupported packaged profile scenario: hetzner-single-node");
    }

    @Test
    void dataDrivenKeysFromTheRealHetznerProfile() {
        Map<String, String> keys = Map.of("PK3S_INFRA_CATEGORY", "cloud", "PK3S_INFRA_SCENARIO_PATH", "scenarios/cloud/hetzner-single-node",
                "PK3S_INFRA_APPLY_TARGET", "up", "PK3S_INFRA_STATUS_TARGET", "status", "PK3S_INFRA_DESTROY_TARGET", "down",
                "PK3S_INFRA_ENV_FILE_VARIABLE", "HETZNER_ENV_FILE", "PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME", "true");
        Scenario scenario = resolve("hetzner-single-node", keys);
        assertThat(scenario.dataDriven()).isTrue();
        assertThat(scenario.path()).isEqualTo("scenarios/cloud/hetzner-single-node");
        assertThat(scenario.destroyTarget()).contains("down");
        assertThat(scenario.envFileVariable()).contains("HETZNER_ENV_FILE");
    }

    @Test
    void keysOverrideBuiltInsAndEmptyDestroyMeansUnsupported() {
        Scenario onprem = resolve("onprem-basic", Map.of("PK3S_INFRA_SCENARIO_PATH", "scenarios/edge/onprem-basic",
                "PK3S_INFRA_CATEGORY", "edge", "PK3S_INFRA_DESTROY_TARGET", "reset"));
        assertThat(onprem.destroyTarget()).contains("reset");
        Scenario aws = resolve("aws-single-node", Map.of("PK3S_INFRA_SCENARIO_PATH", "scenarios/cloud/aws-single-node",
                "PK3S_INFRA_CATEGORY", "cloud", "PK3S_INFRA_DESTROY_TARGET", ""));
        assertThat(aws.destroyTarget()).isEmpty();
    }

    @Test
    void invalidKeysNameTheKeyAndValue() {
        assertThatThrownBy(() -> resolve("x", Map.of("PK3S_INFRA_SCENARIO_PATH", "scenarios/edge/x"))).hasMessage("invalid PK3S_INFRA_CATEGORY in profile.env: ");
        assertThatThrownBy(() -> resolve("x", Map.of("PK3S_INFRA_SCENARIO_PATH", "scenarios/cloud/x", "PK3S_INFRA_CATEGORY", "edge")))
                .hasMessage("invalid PK3S_INFRA_SCENARIO_PATH in profile.env: scenarios/cloud/x");
        assertThatThrownBy(() -> resolve("x", Map.of("PK3S_INFRA_SCENARIO_PATH", "/abs", "PK3S_INFRA_CATEGORY", "edge")))
                .hasMessage("invalid PK3S_INFRA_SCENARIO_PATH in profile.env: /abs");
        assertThatThrownBy(() -> resolve("x", Map.of("PK3S_INFRA_SCENARIO_PATH", "scenarios/edge/x", "PK3S_INFRA_CATEGORY", "edge",
                "PK3S_INFRA_APPLY_TARGET", "up now"))).hasMessage("invalid PK3S_INFRA_APPLY_TARGET in profile.env: up now");
        assertThatThrownBy(() -> resolve("x", Map.of("PK3S_INFRA_SCENARIO_PATH", "scenarios/edge/x", "PK3S_INFRA_CATEGORY", "edge",
                "PK3S_INFRA_ENV_FILE_VARIABLE", "lower"))).hasMessage("invalid PK3S_INFRA_ENV_FILE_VARIABLE in profile.env: lower");
        assertThatThrownBy(() -> resolve("x", Map.of("PK3S_INFRA_SCENARIO_PATH", "scenarios/edge/x", "PK3S_INFRA_CATEGORY", "edge",
                "PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME", "yes"))).hasMessage("invalid PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME in profile.env: yes");
    }

    @Test
    void categoryFallsBackToMetadata() {
        Scenario scenario = resolver.resolve("x", Map.of("PK3S_INFRA_SCENARIO_PATH", "scenarios/local/x"), "local", "");
        assertThat(scenario.category()).isEqualTo("local");
    }
}
