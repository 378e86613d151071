package io.productivek3s.infra.action;

import io.productivek3s.infra.run.ChildFailure;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.exec.ChildProcess;
import io.productivek3s.infra.state.EngineState;

/**
 * {@code profile destroy} (docs/contract/runs.md#destroy): the scenario's destroy target. Success removes the state; failure keeps
 * it, updated with what the partial destroy changed, so the destroy can be retried. {@code --dry-run} runs
 * {@code make -n} and leaves state alone.
 */
public final class DestroyAction implements PackageAction {
    private final boolean dryRun;

    public DestroyAction(boolean dryRun) {
        this.dryRun = dryRun;
    }

    @Override
    public void precheck(PreparedPackage prepared) {
        if (prepared.scenario().destroyTarget().isEmpty()) {
            throw EngineException.usage("unsupported packaged profile command 'destroy' for scenario '" + prepared.scenario().type() + "'");
        }
    }

    @Override
    public boolean emitsTelemetry() {
        return !dryRun;
    }

    @Override
    public int execute(PackageRun run) {
        String target = run.prepared().scenario().destroyTarget().orElseThrow();
        if (dryRun) {
            run.log().info("Dry-run requested; running destroy target with make -n");
            return ChildFailure.report(run.log(), run.runMake(target, true), "scenario make target '" + target + "'");
        }
        run.log().info("Executing packaged profile destroy via scenario target: " + target);
        ChildProcess.Result result = run.runMake(target, false);
        if (result.exitCode() == 0 && !result.interrupted()) {
            run.remove();
            return 0;
        }
        run.persist(result.interrupted() ? EngineState.Result.INTERRUPTED : EngineState.Result.FAILED, result.engineExitCode());
        run.log().warn("Keeping profile state after failed destroy: " + run.store().runtimeDir(run.stateName()));
        return ChildFailure.report(run.log(), result, "scenario make target '" + target + "'");
    }
}
