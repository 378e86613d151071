package io.productivek3s.infra.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.pkg.InputSource;
import io.productivek3s.infra.pkg.ProfileInput;
import io.productivek3s.infra.scenario.BuiltInScenario;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The source profile contract checks of docs/contract/source.md#source-profile-contract step 2, over evaluated values. */
class SourceContractTest {
    private static final Map<String, String> ONPREM = Map.of(
            "PK3S_INFRA_PROFILE_NAME", "site", "PK3S_INFRA_ENGINE", "ansible", "PK3S_INFRA_SCENARIO", "on-prem",
            "ONPREM_SERVER_IP", "10.0.0.1", "ONPREM_SSH_USER", "ubuntu", "ONPREM_SSH_KEY_PATH", "/k");

    private static final Map<String, String> DATA_DRIVEN = Map.of(
            "PK3S_INFRA_PROFILE_NAME", "hz", "PK3S_INFRA_ENGINE", "opentofu", "PK3S_INFRA_SCENARIO", "hetzner-single-node",
            "PK3S_INFRA_CATEGORY", "cloud", "PK3S_INFRA_SCENARIO_PATH", "scenarios/cloud/hetzner-single-node");

    @Test
    void builtInProfileResolvesAliasEngineAndDefaults() {
        SourceContract.Checked checked = check(ONPREM);
        assertThat(checked.name()).isEqualTo("site");
        assertThat(checked.engine()).isEqualTo("ansible");
        assertThat(checked.scenario().type()).isEqualTo("onprem-basic");
        assertThat(checked.scenario().path()).isEqualTo("scenarios/edge/onprem-basic");
        assertThat(checked.scenario().destroyTarget()).isEmpty();
        assertThat(checked.scenario().envFileVariable()).contains("ONPREM_ENV_FILE");
        assertThat(checked.installScript()).isEqualTo("scripts/install.sh");
    }

    @Test
    void checksRunInTheDocumentedOrder() {
        Map<String, String> broken = with(ONPREM, "PK3S_INFRA_PROFILE_NAME", " ", "PK3S_INFRA_ENGINE", "", "PK3S_INFRA_SCENARIO", "");
        assertInvalid(broken, "profile is missing required variable: PK3S_INFRA_PROFILE_NAME");
        broken = with(broken, "PK3S_INFRA_PROFILE_NAME", "x");
        assertInvalid(broken, "profile is missing required variable: PK3S_INFRA_ENGINE");
        broken = with(broken, "PK3S_INFRA_ENGINE", "pulumi");
        assertInvalid(broken, "profile is missing required variable: PK3S_INFRA_SCENARIO");
        broken = with(broken, "PK3S_INFRA_SCENARIO", "mars");
        assertInvalid(broken, "unsupported PK3S_INFRA_SCENARIO: mars");
        broken = with(broken, "PK3S_INFRA_SCENARIO", "multipass");
        assertInvalid(broken, "unsupported PK3S_INFRA_ENGINE: pulumi");
        broken = with(broken, "PK3S_INFRA_ENGINE", "shell");
        assertInvalid(broken, "multipass profiles must use PK3S_INFRA_ENGINE=opentofu");
        broken = with(broken, "PK3S_INFRA_ENGINE", "opentofu");
        assertInvalid(broken, "profile is missing required variable: TF_VAR_cluster_name");
    }

    @Test
    void engineRulesPerBuiltInScenario() {
        assertInvalid(with(ONPREM, "PK3S_INFRA_ENGINE", "opentofu"), "onprem-basic profiles must use PK3S_INFRA_ENGINE=ansible or shell");
        assertInvalid(with(ONPREM, "PK3S_INFRA_SCENARIO", "on-prem-arm", "PK3S_INFRA_ENGINE", "opentofu"),
                "onprem-basic-arm profiles must use PK3S_INFRA_ENGINE=ansible or shell");
        assertThat(check(with(ONPREM, "PK3S_INFRA_ENGINE", "shell")).engine()).isEqualTo("shell");
        assertInvalid(with(ONPREM, "PK3S_INFRA_SCENARIO", "aws-single-node", "PK3S_INFRA_ENGINE", "ansible"),
                "aws-single-node profiles must use PK3S_INFRA_ENGINE=opentofu");
    }

    @Test
    void requiredVariablesPerScenarioInOrder() {
        Map<BuiltInScenario, List<String>> expected = Map.of(
                BuiltInScenario.MULTIPASS, List.of("TF_VAR_cluster_name", "TF_VAR_image", "TF_VAR_base_domain", "TF_VAR_remote_dir",
                        "TF_VAR_server_cpus", "TF_VAR_server_memory", "TF_VAR_server_disk", "TF_VAR_agent_cpus", "TF_VAR_agent_memory",
                        "TF_VAR_agent_disk"),
                BuiltInScenario.ONPREM_BASIC_ARM, List.of("ONPREM_SERVER_IP", "ONPREM_SSH_USER", "ONPREM_SSH_KEY_PATH"),
                BuiltInScenario.AWS_SINGLE_NODE, List.of("AWS_REGION", "AWS_CLUSTER_NAME", "AWS_INSTANCE_TYPE", "AWS_SSH_USER",
                        "AWS_SSH_KEY_PATH", "AWS_ROOT_VOLUME_SIZE_GB"));
        expected.forEach((scenario, names) -> {
            Map<String, String> values = new LinkedHashMap<>(Map.of("PK3S_INFRA_PROFILE_NAME", "p",
                    "PK3S_INFRA_ENGINE", scenario.engines().get(0), "PK3S_INFRA_SCENARIO", scenario.type()));
            for (String name : names) {
                assertInvalid(values, "profile is missing required variable: " + name);
                values.put(name, "  \t");
                assertInvalid(values, "profile is missing required variable: " + name);
                values.put(name, "v");
            }
            assertThat(check(values).scenario().type()).isEqualTo(scenario.type());
        });
    }

    @Test
    void sshKeyPathMayUseItsAliasAndTheProcessEnvironmentCounts() {
        Map<String, String> values = new LinkedHashMap<>(ONPREM);
        values.remove("ONPREM_SSH_KEY_PATH");
        assertInvalid(values, "profile is missing required variable: ONPREM_SSH_KEY_PATH");
        values.put("ONPREM_SSH_PRIVATE_KEY_PATH", "/k");
        assertThat(check(values).name()).isEqualTo("site");
        values.remove("ONPREM_SSH_USER");
        Map<String, String> process = Map.of("ONPREM_SSH_USER", "admin");
        assertInvalid(values, "profile is missing required variable: ONPREM_SSH_USER");
        assertThat(SourceContract.check(values, name -> Optional.ofNullable(values.getOrDefault(name, process.get(name))), List.of()).name())
                .isEqualTo("site");
    }

    @Test
    void dataDrivenProfilesRequireTheirSidecarDefaultsOnly() {
        List<ProfileInput> inputs = List.of(
                new ProfileInput("HCLOUD_TOKEN", true, true, InputSource.LOCAL_OVERRIDE, ""),
                new ProfileInput("HETZNER_LOCATION", true, false, InputSource.PACKAGE_DEFAULT, ""),
                new ProfileInput("HETZNER_IMAGE", true, false, InputSource.EITHER, ""),
                new ProfileInput("HETZNER_NOTE", false, false, InputSource.PACKAGE_DEFAULT, ""));
        assertThat(check(DATA_DRIVEN).scenario().dataDriven()).isTrue();
        assertInvalid(DATA_DRIVEN, inputs, "profile is missing required variable: HETZNER_LOCATION");
        assertInvalid(with(DATA_DRIVEN, "HETZNER_LOCATION", "fsn1"), inputs, "profile is missing required variable: HETZNER_IMAGE");
        Map<String, String> complete = with(DATA_DRIVEN, "HETZNER_LOCATION", "fsn1", "HETZNER_IMAGE", "ubuntu");
        SourceContract.Checked checked = SourceContract.check(complete, name -> Optional.ofNullable(complete.get(name)), inputs);
        assertThat(checked.scenario().type()).isEqualTo("hetzner-single-node");
        assertThat(checked.scenario().category()).isEqualTo("cloud");
        assertThat(checked.scenario().destroyTarget()).isEmpty();
        assertThat(checked.scenario().envFileVariable()).isEmpty();
    }

    @Test
    void dataDrivenKeysAreValidatedAndBuiltInEngineRulesStillApply() {
        assertInvalid(with(DATA_DRIVEN, "PK3S_INFRA_CATEGORY", "moon"), "invalid PK3S_INFRA_CATEGORY in profile.env: moon");
        assertInvalid(with(DATA_DRIVEN, "PK3S_INFRA_SCENARIO_PATH", "scenarios/edge/hetzner"),
                "invalid PK3S_INFRA_SCENARIO_PATH in profile.env: scenarios/edge/hetzner");
        assertInvalid(with(DATA_DRIVEN, "PK3S_INFRA_STATUS_TARGET", "st;rm"), "invalid PK3S_INFRA_STATUS_TARGET in profile.env: st;rm");
        assertInvalid(with(DATA_DRIVEN, "PK3S_INFRA_ENV_FILE_VARIABLE", "lower"), "invalid PK3S_INFRA_ENV_FILE_VARIABLE in profile.env: lower");
        assertInvalid(with(DATA_DRIVEN, "PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME", "yes"),
                "invalid PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME in profile.env: yes");
        assertInvalid(with(DATA_DRIVEN, "PK3S_INFRA_SCENARIO", "multipass", "PK3S_INFRA_ENGINE", "ansible"),
                "multipass profiles must use PK3S_INFRA_ENGINE=opentofu");
    }

    @Test
    void installScriptMustStayInsideThePackage() {
        assertThat(check(with(ONPREM, "PK3S_INFRA_INSTALL_SCRIPT", "./bin//run.sh")).installScript()).isEqualTo("bin/run.sh");
        assertInvalid(with(ONPREM, "PK3S_INFRA_INSTALL_SCRIPT", "../run.sh"), "invalid PK3S_INFRA_INSTALL_SCRIPT in profile.env: ../run.sh");
        assertInvalid(with(ONPREM, "PK3S_INFRA_INSTALL_SCRIPT", "/usr/bin/run.sh"), "invalid PK3S_INFRA_INSTALL_SCRIPT in profile.env: /usr/bin/run.sh");
    }

    private static SourceContract.Checked check(Map<String, String> values) {
        return SourceContract.check(values, name -> Optional.ofNullable(values.get(name)), List.of());
    }

    private static void assertInvalid(Map<String, String> values, String message) {
        assertInvalid(values, List.of(), message);
    }

    private static void assertInvalid(Map<String, String> values, List<ProfileInput> inputs, String message) {
        assertThatThrownBy(() -> SourceContract.check(values, name -> Optional.ofNullable(values.get(name)), inputs))
                .isInstanceOfSatisfying(EngineException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(4);
                    assertThat(e.getMessage()).isEqualTo(message);
                });
    }

    private static Map<String, String> with(Map<String, String> base, String... pairs) {
        Map<String, String> values = new LinkedHashMap<>(base);
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], pairs[i + 1]);
        }
        return values;
    }
}
