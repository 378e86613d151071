package io.productivek3s.infra.action;

/** One packaged-profile use case (install/apply, status, plan, destroy) run inside a {@link PackageRun}. */
public interface PackageAction {
    /** Command-specific checks that precede the required-input check (§11.1), e.g. a missing destroy target. */
    default void precheck(PreparedPackage prepared) {
    }

    /** Whether this run sends telemetry and may ask for consent (§16.2). */
    boolean emitsTelemetry();

    /** Runs the action; returns the engine's exit code. Errors before any child runs are thrown. */
    int execute(PackageRun run);
}
