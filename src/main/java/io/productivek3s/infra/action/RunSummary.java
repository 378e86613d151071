package io.productivek3s.infra.action;

import java.time.Instant;

/**
 * The result of a package run ({@code profile install|apply|plan|status|destroy}): which package ran, how it ended
 * and what happened to its state. The exit code is the engine's (a child's code propagated unchanged).
 *
 * @param packageRef  the package as the user named it (path, URL, catalog NAME@VERSION)
 * @param packagePath the local file it resolved to
 * @param stateName  the name the state is kept under ({@code --name}, else the package's name)
 * @param state      {@code persisted}, {@code removed} or {@code unchanged}
 * @param stateFile  {@code <state>/<name>.json} when state was persisted or removed, else null
 */
public record RunSummary(
        String command,
        String profile,
        String version,
        String scenario,
        String engine,
        String packageSha256,
        String packageRef,
        String packagePath,
        boolean dryRun,
        int exitCode,
        String stateName,
        String state,
        String stateFile,
        Instant startedAt,
        Instant finishedAt) {
}
