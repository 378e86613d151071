package io.productivek3s.infra.source;

import java.util.Set;
import java.util.regex.Pattern;

/** Which files of a checkout's scenario tree a normalized package carries (copied by {@code fs/TreeCopier}). */
final class ScenarioFiles {
    /** Runtime output, provider caches, test output and VCS data: never part of a package (D17). */
    private static final Set<String> PRIVATE_DIRS = Set.of("generated", ".terraform", "test-artifacts", ".git");
    private static final Pattern TFSTATE = Pattern.compile("terraform\\.tfstate.*");

    private ScenarioFiles() {
    }

    /**
     * Whether a scenario path belongs in a normalized package (docs/contract/source.md#normalized-package): not under {@code generated/},
     * {@code .terraform/}, {@code test-artifacts/}, no {@code terraform.tfstate*}, and no local env file
     * ({@code onprem.env}, {@code aws.env.local}, …) except the {@code *.env.example} templates.
     *
     * @param rel       path relative to the scenario directory, {@code /}-separated
     * @param directory whether the path is a real directory
     */
    static boolean included(String rel, boolean directory) {
        String name = rel.substring(rel.lastIndexOf('/') + 1);
        if (directory) {
            return !PRIVATE_DIRS.contains(name);
        }
        if (TFSTATE.matcher(name).matches()) {
            return false;
        }
        boolean envFile = name.endsWith(".env") || name.contains(".env.");
        return !envFile || name.endsWith(".env.example");
    }
}
