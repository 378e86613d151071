package io.productivek3s.infra.action;

import io.productivek3s.infra.run.ChildFailure;

import io.productivek3s.infra.exec.ChildProcess;
import io.productivek3s.infra.state.EngineState;

/** {@code profile status} (docs/contract/runs.md#status): the scenario's status target; state is persisted only on success. */
public final class StatusAction implements PackageAction {
    @Override
    public int execute(PackageRun run) {
        run.log().info("Executing packaged profile status via scenario make target");
        String target = run.prepared().scenario().statusTarget();
        ChildProcess.Result result = run.runMake(target, false);
        if (result.exitCode() == 0 && !result.interrupted()) {
            run.persistIfChanged(EngineState.Result.SUCCESS, 0);
        }
        return ChildFailure.report(run.log(), result, "scenario make target '" + target + "'");
    }
}
