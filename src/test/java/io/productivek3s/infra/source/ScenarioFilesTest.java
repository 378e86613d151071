package io.productivek3s.infra.source;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which scenario files a normalized package may carry (docs/contract/source.md#normalized-package, D17). */
class ScenarioFilesTest {
    @Test
    void privateRuntimeLeftoversAndLocalEnvFilesAreExcluded() {
        for (String rel : new String[] {"generated", "opentofu/.terraform", "test-artifacts", ".git", "sub/generated"}) {
            assertThat(ScenarioFiles.included(rel, true)).as(rel).isFalse();
        }
        for (String rel : new String[] {"opentofu/terraform.tfstate", "opentofu/terraform.tfstate.backup", "onprem.env", "aws.env",
            ".env", "aws.env.local", "nested/site.env"}) {
            assertThat(ScenarioFiles.included(rel, false)).as(rel).isFalse();
        }
        for (String rel : new String[] {"Makefile", "onprem.env.example", "opentofu/main.tf", "opentofu/.terraform.lock.hcl",
            "scripts/run.sh", "environment.md", "generated"}) {
            assertThat(ScenarioFiles.included(rel, false)).as(rel).isTrue();
        }
        assertThat(ScenarioFiles.included("opentofu", true)).isTrue();
    }
}
