package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.FakeTools;
import io.productivek3s.infra.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real upstream profiles (reference-data) packaged the way the profiles repository publishes them and run with
 * the real upstream override examples: values must reach the scenario exactly as bash would give them.
 */
class ReferenceProfilesIT extends PackageTestBase {

    private Path packageOf(String profile, String name, String scenarioType, String engineType, String scenarioPath) throws Exception {
        Path ref = Repo.fixture("productive-k3s-profiles/profiles");
        String sidecar = Files.readString(ref.resolve(profile + ".package.yaml"));
        String nested = ("\n" + sidecar).replace("\n", "\n  ").stripTrailing() + "\n";
        fixture.manifest("apiVersion: infra.productive-k3s.io/v1\nkind: Profile\nmetadata:\n  name: " + name + "\n  version: exported\n"
                + "spec:\n  scenario:\n    type: " + scenarioType + "\n  engine:\n    type: " + engineType + "\n"
                + "  execution:\n    installScript: scripts/install.sh\n" + nested);
        fixture.env(Files.readString(ref.resolve(profile + ".env")));
        fixture.file(scenarioPath + "/Makefile", "up:\n\t@true\n", false);
        fixture.file("scripts/install.sh", "#!/usr/bin/env bash\nexec make -C \"$REPO_ROOT/" + scenarioPath + "\" up\n", true);
        return pack();
    }

    private Path example(String rel) {
        return Repo.fixture("productive-k3s-profiles/scenarios/" + rel);
    }

    @Test
    void onPremBasicWithTheUpstreamOverrideExample() throws Exception {
        Path tgz = packageOf("edge/on-prem/basic", "on-prem-basic", "onprem-basic", "ansible", "scenarios/edge/onprem-basic");
        Engine.Result result = engine.run("profile", "status", "--tgz", tgz.toString(), "--env-file", example("edge/onprem-basic/onprem.env.example").toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(4);
        // the upstream example leaves the key path commented out: the local-override input is really missing
        assertThat(result.stderrLines()).containsExactly(
                "[pk3s-infra] ERROR required packaged profile inputs must be provided through --env-file: ONPREM_SSH_KEY_PATH");
        assertThat(result.stdout()).contains("onprem.env.example:8: unquoted value with spaces for ONPREM_AGENT_IPS");

        Path site = overrideFile(Files.readString(example("edge/onprem-basic/onprem.env.example")) + "ONPREM_SSH_KEY_PATH=$HOME/.ssh/site_key\n");
        Engine.Result ok = engine.run("profile", "status", "--tgz", tgz.toString(), "--env-file", site.toString());
        assertThat(ok.exitCode()).as(ok.toString()).isZero();
        assertThat(ok.stdout()).contains("WARN  productive-k3s-core checkout not usable for PRODUCTIVE_K3S_SOURCE=local: ");
        Map<String, String> env = tools.calls("make").get(0).env();
        assertThat(env).containsEntry("ONPREM_AGENT_IPS", "192.168.1.11 192.168.1.12")
                .containsEntry("ONPREM_SSH_KEY_PATH", home + "/.ssh/site_key")
                .containsEntry("ONPREM_SERVER_IP", "192.168.1.10")
                .containsEntry("PRODUCTIVE_K3S_SOURCE", "local")
                .containsEntry("PK3S_INFRA_PROFILE_NAME", "on-prem-basic");
        assertThat(env.get("ONPREM_ENV_FILE")).isEqualTo(tools.calls("make").get(0).cwd() + "/profile.env");
    }

    @Test
    void awsSingleNodeInstallWithTheUpstreamOverrideExample() throws Exception {
        Path tgz = packageOf("cloud/aws-single-node/basic", "aws-single-node-basic", "aws-single-node", "opentofu", "scenarios/cloud/aws-single-node");
        Engine.Result result = engine.run("profile", "install", "--tgz", tgz.toString(), "--env-file", example("cloud/aws-single-node/aws.env.example").toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        FakeTools.Call make = tools.calls("make").get(0);
        assertThat(make.env()).containsEntry("AWS_SSH_KEY_PATH", "/absolute/path/to/your-key.pem")
                .containsEntry("AWS_SECRET_ACCESS_KEY", "")
                .containsEntry("PRODUCTIVE_K3S_VERSION", "0.9.4")
                .containsEntry("AWS_ENV_FILE", make.cwd() + "/profile.env");
        assertThat(result.stdout()).doesNotContain("without local overrides");
    }

    @Test
    void multipassPackageDefaultsSatisfyItsInputsWithoutOverride() throws Exception {
        Path tgz = packageOf("local/multipass/1-server-2-agents", "multipass-1-server-2-agents", "multipass", "opentofu", "scenarios/local/multipass");
        Engine.Result result = engine.run("profile", "status", "--tgz", tgz.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.stdout()).doesNotContain("without local overrides");
        assertThat(tools.calls("make").get(0).env()).containsEntry("TF_VAR_server_memory", "8G").doesNotContainKey("ONPREM_ENV_FILE");
    }
}
