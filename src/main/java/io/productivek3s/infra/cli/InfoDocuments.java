package io.productivek3s.infra.cli;

import io.productivek3s.infra.core.CoreDefaults;
import io.productivek3s.infra.core.EngineBuild;
import io.productivek3s.infra.core.Release;
import java.util.List;

/**
 * The contract's documents behind {@code version --json}, {@code bundle info --json} and {@code bom --json}
 * (docs/cli.md#json-output), as records in the contract's key order; {@link Envelope.AfterContract} appends the envelope.
 */
final class InfoDocuments {
    private static final String ENTRYPOINT = "productive-k3s-infra.sh";

    private InfoDocuments() {
    }

    /** docs/contract/output.md#bundle-info-document. */
    record BundleInfo(String schemaVersion, String bundleName, String bundleType, String bundleVersion, String cliEntrypoint,
            String platform, ApiCompatibility apiCompatibility) {
        record ApiCompatibility(String contract) {
        }

        static BundleInfo of(String engineVersion) {
            return new BundleInfo("1", EngineBuild.NAME, EngineBuild.NAME, engineVersion, ENTRYPOINT, "any",
                    new ApiCompatibility("productive-k3s-cli-bundle-info/v1"));
        }
    }

    /** docs/contract/output.md#bom-document. */
    record Bom(String schemaVersion, String bomType, CliId cli, Implementation implementation, BundleInfo bundle,
            PlatformSupport platformSupport, Core productiveK3s, Requirements requirements, List<Scenario> scenarios,
            PackageContract packageContract) {
        record CliId(String name, String version, String entrypoint) {
        }

        record Implementation(String language, String javaVersion, String javaVendor, String engineVersion) {
        }

        record PlatformSupport(List<String> developerHosts, List<Target> runtimeTargets) {
        }

        record Target(String profileCategory, String path, String host, String driver) {
        }

        record Core(String defaultSource, String defaultCoreVersion, String defaultReleaseRepo, String boundCoreVersion) {
        }

        record Requirements(List<Requirement> requiredCommands, List<Requirement> optionalCommands) {
        }

        record Requirement(String name, String minVersion, String reason) {
        }

        record Scenario(String name, String category, String engine, String path) {
        }

        record PackageContract(boolean profileTgzSupported, String profileEnvRole, String inputMetadata,
                String localOverrideFlag, String compatibilityContract, List<String> eventFormats) {
        }

        static Bom of(Release release, EngineBuild build) {
            String version = release.engineVersion();
            CoreDefaults defaults = CoreDefaults.from(release.baseEnvironment());
            String bound = release.baseEnvironment().getOrDefault("PK3S_CORE_SEMVER", "");
            return new Bom("1", "productive-k3s-cli-bom/v1", new CliId(EngineBuild.NAME, version, ENTRYPOINT),
                    new Implementation("java", build.javaVersion(), build.javaVendor(), build.buildVersion()),
                    BundleInfo.of(version),
                    new PlatformSupport(List.of("linux", "macos", "windows-wsl-or-powershell"), List.of(
                            new Target("local", "scenarios/local/multipass", "local workstation", "multipass"),
                            new Target("edge", "scenarios/edge/onprem-basic", "remote linux over ssh", "ansible|shell"),
                            new Target("cloud", "scenarios/cloud/aws-single-node", "aws ec2 over ssh", "opentofu"))),
                    new Core(defaults.source(), defaults.coreVersion(), defaults.releaseRepo(), bound.isEmpty() ? null : bound),
                    new Requirements(List.of(
                            new Requirement("java", Integer.toString(build.minimumJava()),
                                    "engine runtime (not needed when the bundle ships its own runtime)"),
                            new Requirement("bash", "5.1", "packaged installer and scenario runtime"),
                            new Requirement("make", "4.3", "scenario dispatch and orchestration entrypoint")), List.of(
                            new Requirement("tofu", "1.8.0", "preferred OpenTofu engine for local and cloud scenarios"),
                            new Requirement("terraform", "1.8.0", "fallback CLI when OpenTofu is unavailable"),
                            new Requirement("jq", "1.6", "JSON inspection and generated artifact helpers"),
                            new Requirement("multipass", "1.14", "local multipass scenario execution and live validation"),
                            new Requirement("ansible-playbook", "2.15", "remote on-prem scenario orchestration"),
                            new Requirement("curl", "7.81", "release artifact and helper downloads"),
                            new Requirement("tar", "1.34", "scenario bundle packing for local core sources"))),
                    List.of(new Scenario("multipass", "local", "opentofu", "scenarios/local/multipass"),
                            new Scenario("onprem-basic", "edge", "ansible|shell", "scenarios/edge/onprem-basic"),
                            new Scenario("onprem-basic-arm", "edge", "ansible|shell", "scenarios/edge/onprem-basic-arm"),
                            new Scenario("aws-single-node", "cloud", "opentofu", "scenarios/cloud/aws-single-node")),
                    new PackageContract(true, "package-defaults", "spec.inputs", "--env-file", "profile/v1", List.of("ndjson")));
        }
    }
}
