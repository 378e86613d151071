package io.productivek3s.infra.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A package source tree built in a test: a manifest, a profile.env, an install script and a scenario with a
 * Makefile, each replaceable; {@link #tgz} packs it into a real archive.
 */
public final class ProfileFixture {
    public static final String DEFAULT_MANIFEST = """
            apiVersion: infra.productive-k3s.io/v1
            kind: Profile
            metadata:
              name: fixture-profile
              version: 1.0.0
              category: edge
            spec:
              scenario:
                type: onprem-basic
              engine:
                type: ansible
              execution:
                installScript: scripts/install.sh
              inputs:
                - name: ONPREM_SERVER_IP
                  required: true
                  sensitive: false
                  source: local-override
                  description: server
                - name: ONPREM_SSH_USER
                  required: true
                  sensitive: false
                  source: package-default
                - name: SITE_TOKEN
                  required: false
                  sensitive: true
                  source: either
            """;

    public static final String DEFAULT_ENV = """
            PK3S_INFRA_PROFILE_NAME=fixture-profile
            ONPREM_SERVER_IP=192.0.2.1
            ONPREM_SSH_USER=ubuntu
            ONPREM_SSH_KEY_PATH=$HOME/.ssh/id_ed25519
            ONPREM_AGENT_IPS="192.0.2.11 192.0.2.12"
            PRODUCTIVE_K3S_SOURCE=remote
            """;

    /** Installer that records its environment, writes generated/ output, and exits with $FIXTURE_INSTALL_EXIT. */
    public static final String DEFAULT_INSTALLER = """
            #!/usr/bin/env bash
            set -u
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/${FIXTURE_SCENARIO_PATH:-scenarios/edge/onprem-basic}"
            env -0 > "${FIXTURE_RECORD_DIR:-/dev/null}/installer.env" 2>/dev/null || true
            pwd > "${FIXTURE_RECORD_DIR:-/dev/null}/installer.cwd" 2>/dev/null || true
            tr '\\0' '\\n' < "/proc/$PPID/cmdline" > "${FIXTURE_RECORD_DIR:-/dev/null}/engine.cmdline" 2>/dev/null || true
            if [ "${FIXTURE_WRITE_STATE:-true}" = true ]; then
              mkdir -p "$scenario/generated/ssh" "$scenario/opentofu"
              printf '{"cluster_name":"fixture","ssh":{"user":"ubuntu","port":"2222"},"server_url":"https://192.0.2.1:6443"}' > "$scenario/generated/cluster.json"
              printf 'key' > "$scenario/generated/ssh/id_ed25519"
              printf '{"serial": 1}' > "$scenario/opentofu/terraform.tfstate"
            fi
            echo "fixture installer ran"
            exit "${FIXTURE_INSTALL_EXIT:-0}"
            """;

    private final Path dir;

    public ProfileFixture(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        manifest(DEFAULT_MANIFEST);
        env(DEFAULT_ENV);
        file("scripts/install.sh", DEFAULT_INSTALLER, true);
        file("scenarios/edge/onprem-basic/Makefile", "up:\n\t@echo up\nstatus:\n\t@echo status\n", false);
    }

    public Path dir() {
        return dir;
    }

    public ProfileFixture manifest(String yaml) throws IOException {
        return file("profile.yaml", yaml, false);
    }

    public ProfileFixture env(String content) throws IOException {
        return file("profile.env", content, false);
    }

    public ProfileFixture file(String rel, String content, boolean executable) throws IOException {
        Path file = dir.resolve(rel);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        return this;
    }

    public ProfileFixture delete(String rel) throws IOException {
        Files.delete(dir.resolve(rel));
        return this;
    }

    /** Packs the tree as {@code ./}-prefixed members into {@code target}. */
    public Path tgz(Path target) throws IOException {
        return new TarBuilder().dir("./").tree(dir, "./").write(target);
    }
}
