package io.productivek3s.infra.action;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.core.CoreDefaults;
import io.productivek3s.infra.core.EngineBuild;
import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.util.Json;

/** The JSON documents of {@code version --json}, {@code bundle info --json} and {@code bom --json} (docs/cli.md#json-output). */
public final class InfoDocuments {
    private InfoDocuments() {
    }

    public static ObjectNode bundleInfo(String engineVersion) {
        ObjectNode info = Json.object();
        info.put("schema_version", "1");
        info.put("bundle_name", EngineBuild.NAME);
        info.put("bundle_type", EngineBuild.NAME);
        info.put("bundle_version", engineVersion);
        info.put("cli_entrypoint", "productive-k3s-infra.sh");
        info.put("platform", "any");
        info.putObject("api_compatibility").put("contract", "productive-k3s-cli-bundle-info/v1");
        return info;
    }

    public static ObjectNode bom(Release release, EngineBuild build) {
        String version = release.engineVersion();
        CoreDefaults defaults = CoreDefaults.from(release.baseEnvironment());
        ObjectNode bom = Json.object();
        bom.put("schema_version", "1");
        bom.put("bom_type", "productive-k3s-cli-bom/v1");
        ObjectNode cli = bom.putObject("cli");
        cli.put("name", EngineBuild.NAME);
        cli.put("version", version);
        cli.put("entrypoint", "productive-k3s-infra.sh");
        ObjectNode impl = bom.putObject("implementation");
        impl.put("language", "java");
        impl.put("java_version", build.javaVersion());
        impl.put("java_vendor", build.javaVendor());
        impl.put("engine_version", build.buildVersion());
        bom.set("bundle", bundleInfo(version));
        ObjectNode platform = bom.putObject("platform_support");
        platform.putArray("developer_hosts").add("linux").add("macos").add("windows-wsl-or-powershell");
        ArrayNode targets = platform.putArray("runtime_targets");
        target(targets, "local", "scenarios/local/multipass", "local workstation", "multipass");
        target(targets, "edge", "scenarios/edge/onprem-basic", "remote linux over ssh", "ansible|shell");
        target(targets, "cloud", "scenarios/cloud/aws-single-node", "aws ec2 over ssh", "opentofu");
        ObjectNode core = bom.putObject("productive_k3s");
        core.put("default_source", defaults.source());
        core.put("default_core_version", defaults.coreVersion());
        core.put("default_release_repo", defaults.releaseRepo());
        String bound = release.baseEnvironment().getOrDefault("PK3S_CORE_SEMVER", "");
        if (bound.isEmpty()) {
            core.putNull("bound_core_version");
        } else {
            core.put("bound_core_version", bound);
        }
        ObjectNode requirements = bom.putObject("requirements");
        ArrayNode required = requirements.putArray("required_commands");
        requirement(required, "java", Integer.toString(build.minimumJava()), "engine runtime (not needed when the bundle ships its own runtime)");
        requirement(required, "bash", "5.1", "packaged installer and scenario runtime");
        requirement(required, "make", "4.3", "scenario dispatch and orchestration entrypoint");
        ArrayNode optional = requirements.putArray("optional_commands");
        requirement(optional, "tofu", "1.8.0", "preferred OpenTofu engine for local and cloud scenarios");
        requirement(optional, "terraform", "1.8.0", "fallback CLI when OpenTofu is unavailable");
        requirement(optional, "jq", "1.6", "JSON inspection and generated artifact helpers");
        requirement(optional, "multipass", "1.14", "local multipass scenario execution and live validation");
        requirement(optional, "ansible-playbook", "2.15", "remote on-prem scenario orchestration");
        requirement(optional, "curl", "7.81", "release artifact and helper downloads");
        requirement(optional, "tar", "1.34", "scenario bundle packing for local core sources");
        ArrayNode scenarios = bom.putArray("scenarios");
        scenario(scenarios, "multipass", "local", "opentofu", "scenarios/local/multipass");
        scenario(scenarios, "onprem-basic", "edge", "ansible|shell", "scenarios/edge/onprem-basic");
        scenario(scenarios, "onprem-basic-arm", "edge", "ansible|shell", "scenarios/edge/onprem-basic-arm");
        scenario(scenarios, "aws-single-node", "cloud", "opentofu", "scenarios/cloud/aws-single-node");
        ObjectNode contract = bom.putObject("package_contract");
        contract.put("profile_tgz_supported", true);
        contract.put("profile_env_role", "package-defaults");
        contract.put("input_metadata", "spec.inputs");
        contract.put("local_override_flag", "--env-file");
        contract.put("compatibility_contract", "profile/v1");
        contract.putArray("event_formats").add("ndjson");
        return bom;
    }

    private static void target(ArrayNode targets, String category, String path, String host, String driver) {
        ObjectNode node = targets.addObject();
        node.put("profile_category", category);
        node.put("path", path);
        node.put("host", host);
        node.put("driver", driver);
    }

    private static void requirement(ArrayNode list, String name, String minVersion, String reason) {
        ObjectNode node = list.addObject();
        node.put("name", name);
        node.put("min_version", minVersion);
        node.put("reason", reason);
    }

    private static void scenario(ArrayNode list, String name, String category, String engine, String path) {
        ObjectNode node = list.addObject();
        node.put("name", name);
        node.put("category", category);
        node.put("engine", engine);
        node.put("path", path);
    }
}
