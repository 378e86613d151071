package io.productivek3s.infra.cli;

import io.productivek3s.infra.testing.Engine;
import io.productivek3s.infra.testing.ProfileFixture;
import java.io.IOException;

/**
 * A scenario whose tools keep modification times (issue 17): each install writes a state file with the next serial,
 * of the same size, and then puts the old mtime back, as {@code cp -p}, {@code rsync -t} or {@code tar -x} would.
 * Only a digest memo keyed on more than path, size and mtime notices the new content.
 */
final class MtimePreservingScenario {
    static final String NAME = "fixture-profile";
    static final String TFSTATE = "opentofu/terraform.tfstate";
    static final String BACKUP = "opentofu/terraform.tfstate.backup";
    static final String GENERATED = "generated/tofu/terraform.tfstate";
    static final String PROVIDER = "opentofu/.terraform/providers/p/bin";
    private static final String INSTALLER = """
            #!/usr/bin/env bash
            set -eu
            root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
            scenario="$root/${FIXTURE_SCENARIO_PATH}"
            mkdir -p "$scenario/generated/tofu" "$scenario/opentofu"
            prev=0
            if [ -f "$scenario/opentofu/terraform.tfstate" ]; then
              prev="$(tr -dc 0-9 < "$scenario/opentofu/terraform.tfstate")"
            fi
            next=$((prev + 1))
            printf '{"serial": %d}' "$prev" > "$scenario/opentofu/terraform.tfstate.backup"
            printf '{"serial": %d}' "$next" > "$scenario/opentofu/terraform.tfstate"
            printf '{"serial": %d}' "$next" > "$scenario/generated/tofu/terraform.tfstate"
            for f in opentofu/terraform.tfstate opentofu/terraform.tfstate.backup generated/tofu/terraform.tfstate; do
              touch -d @1700000000 "$scenario/$f"
            done
            # A provider binary, written once: later runs get it back from the state (hard-linked) and keep it.
            provider="$scenario/opentofu/.terraform/providers/p/bin"
            if [ ! -f "$provider" ]; then
              mkdir -p "$(dirname "$provider")"
              head -c 1200000 /dev/zero > "$provider"
              chmod 755 "$provider"
            fi
            echo "fixture installer wrote serial $next"
            """;

    private MtimePreservingScenario() {
    }

    /** Makes {@code fixture} the mtime-preserving package for {@code engine}. */
    static void use(ProfileFixture fixture, Engine engine) throws IOException {
        PackageTestBase.useCustomScenario(fixture, engine, INSTALLER);
    }

    static String serial(int n) {
        return "{\"serial\": " + n + "}";
    }
}
