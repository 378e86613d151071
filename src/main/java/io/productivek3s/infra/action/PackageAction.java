package io.productivek3s.infra.action;

/** One packaged-profile use case (install/apply, status, plan, destroy) run inside a {@link PackageRun}. */
public interface PackageAction {
    /** Command-specific checks that precede the required-input check (§11.1), e.g. a missing destroy target. */
    default void precheck(PreparedPackage prepared) {
    }

    /** Host tools the action will run, looked up before the first side effect (exit 5, §12.1). */
    default void requireTools(io.productivek3s.infra.exec.Binaries binaries, PreparedPackage prepared) {
    }

    /** Whether this run sends telemetry and may ask for consent (§16.2). */
    boolean emitsTelemetry();

    /** Runs the action; returns the engine's exit code. Errors before any child runs are thrown. */
    int execute(PackageRun run);
}
