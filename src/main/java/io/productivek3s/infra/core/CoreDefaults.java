package io.productivek3s.infra.core;

import java.util.Map;

/**
 * Release defaults of docs/contract/core.md#release-defaults; each may be overridden by the environment variable of the same name.
 * This engine is the 0.9.65 line, whose Core default is 0.9.6.
 */
public record CoreDefaults(String source, String coreVersion, String githubOwner, String coreRepoName, String releaseRepo) {
    public static final String BUILT_IN_CORE_VERSION = "0.9.6";

    public static CoreDefaults from(Map<String, String> env) {
        String owner = nonEmpty(env.get("PRODUCTIVE_K3S_GITHUB_OWNER_DEFAULT"), "productive-k3s");
        String coreRepo = nonEmpty(env.get("PRODUCTIVE_K3S_CORE_REPO_NAME_DEFAULT"), "productive-k3s-core");
        return new CoreDefaults(
                nonEmpty(env.get("PRODUCTIVE_K3S_SOURCE_DEFAULT"), "remote"),
                nonEmpty(env.get("PRODUCTIVE_K3S_CORE_VERSION_DEFAULT"), BUILT_IN_CORE_VERSION),
                owner,
                coreRepo,
                nonEmpty(env.get("PRODUCTIVE_K3S_RELEASE_REPO_DEFAULT"), owner + "/" + coreRepo));
    }

    static String nonEmpty(String value, String fallback) {
        return value == null || value.isEmpty() ? fallback : value;
    }
}
