package io.productivek3s.infra.action;

/** One packaged-profile use case (install/apply, status, plan, destroy) run inside a {@link PackageRun}. */
public interface PackageAction {
    /** Command-specific checks that precede the required-input check (docs/contract/env-files.md#when-they-are-checked), e.g. a missing destroy target. */
    default void precheck(PreparedPackage prepared) {
    }

    /** Host tools the action will run, looked up before the first side effect (exit 5, docs/contract/runs.md#binaries). */
    default void requireTools(io.productivek3s.infra.exec.Binaries binaries, PreparedPackage prepared) {
        // the scenario's make target is what most actions run (status, plan of a make scenario, destroy)
        binaries.require(binaries.packageMakeName());
    }

    /** Whether this run sends telemetry and may ask for consent (docs/telemetry.md#who-decides). */
    default boolean emitsTelemetry() {
        return false;
    }

    /** Runs the action; returns the engine's exit code. Errors before any child runs are thrown. */
    int execute(PackageRun run);
}
