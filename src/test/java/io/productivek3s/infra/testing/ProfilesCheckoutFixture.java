package io.productivek3s.infra.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A {@code productive-k3s-profiles} checkout generated for a test: the real upstream profiles and sidecars from
 * the shared reference data (built-in scenarios of every category, plus the 0.9.65 data-driven Hetzner profile and
 * the compatibility sidecar), scenario directories with Makefiles, and the private runtime leftovers a real
 * checkout accumulates (generated/, tfstate, local env files) that normalization must never pack.
 */
public final class ProfilesCheckoutFixture {
    public static final String MULTIPASS = "profiles/local/multipass/1-server-2-agents.env";
    public static final String MULTIPASS_SINGLE = "profiles/local/multipass-single-node/basic.env";
    public static final String ONPREM = "profiles/edge/on-prem/basic.env";
    public static final String ONPREM_ARM = "profiles/edge/on-prem/arm.env";
    public static final String AWS = "profiles/cloud/aws-single-node/basic.env";
    public static final String HETZNER = "profiles/cloud/hetzner-basic/basic.env";

    /** Data-driven multipass variant (upstream 0.9.65 ships its sidecar; the env follows the same key scheme). */
    public static final String MULTIPASS_SINGLE_ENV = """
            PK3S_INFRA_PROFILE_NAME=multipass-single-node
            PK3S_INFRA_SCENARIO=multipass
            PK3S_INFRA_ENGINE=opentofu
            PK3S_INFRA_CATEGORY=local
            PK3S_INFRA_SCENARIO_PATH=scenarios/local/multipass
            PK3S_INFRA_INSTALL_SCRIPT=scripts/install.sh
            PK3S_INFRA_APPLY_TARGET=up
            PK3S_INFRA_STATUS_TARGET=status
            PK3S_INFRA_DESTROY_TARGET=down
            PK3S_INFRA_ENV_FILE_VARIABLE=
            PK3S_INFRA_INCLUDE_REMOTE_CLUSTER_RUNTIME=false

            TF_VAR_cluster_name=productive-k3s-single
            TF_VAR_image=24.04
            TF_VAR_base_domain=k3s.lab.internal
            TF_VAR_agent_count=0
            """;

    /** Sidecar for the Hetzner profile: a sensitive local-override token and values that need YAML quoting. */
    public static final String HETZNER_SIDECAR = """
            inputs:
              - name: HCLOUD_TOKEN
                required: true
                sensitive: true
                source: local-override
                description: 'Hetzner Cloud API token: "never shared" # kept'
              - name: HETZNER_LOCATION
                required: true
                sensitive: false
                source: package-default
                description: Hetzner location
            compatibility:
              requires:
                infra:
                  contract: profile/v1
                  minEngineVersion: 0.9.65
                  maxEngineVersionExclusive: 0.10.0
            """;

    public static final String MAKEFILE = """
            up:
            \t@echo scenario up
            status:
            \t@echo scenario status
            down:
            \t@echo scenario down
            validate:
            \t@echo scenario validate
            """;

    private final Path root;

    public ProfilesCheckoutFixture(Path root) throws IOException {
        this.root = Files.createDirectories(root);
        Path reference = Repo.fixture("productive-k3s-profiles");
        for (String rel : new String[] {MULTIPASS, ONPREM, ONPREM_ARM, AWS}) {
            copy(reference.resolve(rel), rel);
            copy(reference.resolve(rel.replace(".env", ".package.yaml")), rel.replace(".env", ".package.yaml"));
        }
        copy(reference.resolve("upstream-newer/" + HETZNER), HETZNER);
        write(HETZNER.replace(".env", ".package.yaml"), HETZNER_SIDECAR, false);
        write(MULTIPASS_SINGLE, MULTIPASS_SINGLE_ENV, false);
        copy(reference.resolve("upstream-newer/profiles/local/multipass-single-node/basic.package.yaml"),
                MULTIPASS_SINGLE.replace(".env", ".package.yaml"));

        scenario("scenarios/local/multipass");
        write("scenarios/local/multipass/opentofu/main.tf", "# multipass\n", false);
        write("scenarios/local/multipass/opentofu/terraform.tfstate", "{\"serial\": 3}\n", false);
        write("scenarios/local/multipass/.terraform/providers.txt", "cache\n", false);
        write("scenarios/local/multipass/generated/cluster.json", "{\"cluster_name\": \"old\"}\n", false);

        scenario("scenarios/edge/onprem-basic");
        copy(reference.resolve("scenarios/edge/onprem-basic/onprem.env.example"), "scenarios/edge/onprem-basic/onprem.env.example");
        write("scenarios/edge/onprem-basic/onprem.env", "ONPREM_SERVER_IP=10.9.9.9\n", false);
        write("scenarios/edge/onprem-basic/scripts/run.sh", "#!/usr/bin/env bash\necho run\n", true);
        write("scenarios/edge/onprem-basic/generated/ssh/id_ed25519", "PRIVATE KEY\n", false);
        write("scenarios/edge/onprem-basic/test-artifacts/run.log", "log\n", false);

        scenario("scenarios/edge/onprem-basic-arm");
        copy(reference.resolve("scenarios/edge/onprem-basic-arm/onprem.env.example"), "scenarios/edge/onprem-basic-arm/onprem.env.example");

        scenario("scenarios/cloud/aws-single-node");
        copy(reference.resolve("scenarios/cloud/aws-single-node/aws.env.example"), "scenarios/cloud/aws-single-node/aws.env.example");
        write("scenarios/cloud/aws-single-node/aws.env", "AWS_KEY_PAIR_NAME=private\n", false);
        write("scenarios/cloud/aws-single-node/aws.env.local", "AWS_KEY_PAIR_NAME=private\n", false);
        write("scenarios/cloud/aws-single-node/opentofu/main.tf", "# aws\n", false);
        write("scenarios/cloud/aws-single-node/opentofu/terraform.tfstate.backup", "{}\n", false);
        write("scenarios/cloud/aws-single-node/opentofu/.terraform/modules.json", "{}\n", false);

        scenario("scenarios/cloud/hetzner-single-node");
        write("scenarios/cloud/hetzner-single-node/opentofu/main.tf", "# hetzner\n", false);
    }

    public Path root() {
        return root;
    }

    public Path path(String rel) {
        return root.resolve(rel);
    }

    /** Writes (or replaces) a file; parents are created. */
    public Path write(String rel, String content, boolean executable) throws IOException {
        Path file = root.resolve(rel);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        return file;
    }

    /** Appends a line to a profile (later assignments win). */
    public Path append(String rel, String line) throws IOException {
        Path file = root.resolve(rel);
        Files.writeString(file, Files.readString(file) + "\n" + line + "\n", StandardCharsets.UTF_8);
        return file;
    }

    private void scenario(String rel) throws IOException {
        write(rel + "/Makefile", MAKEFILE, false);
    }

    private void copy(Path source, String rel) throws IOException {
        Path target = root.resolve(rel);
        Files.createDirectories(target.getParent());
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
}
