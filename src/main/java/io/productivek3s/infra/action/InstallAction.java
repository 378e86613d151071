package io.productivek3s.infra.action;

import io.productivek3s.infra.run.ChildFailure;

import io.productivek3s.infra.exec.Binaries;
import io.productivek3s.infra.exec.ChildProcess;
import io.productivek3s.infra.pkg.InstallScriptPath;
import io.productivek3s.infra.state.EngineState;
import java.nio.file.Path;

/**
 * {@code profile install} / {@code profile apply} (docs/contract/runs.md#install-and-apply): runs the package's install script with bash,
 * then persists state whatever the result, so a half-built cluster stays destroyable. {@code --dry-run} is not
 * this action: it is {@link PlanAction#dryRunOf} (docs/contract/runs.md#dry-run), chosen once where the command is parsed.
 */
public final class InstallAction implements PackageAction {
    /** docs/contract/runs.md#install-and-apply step 1, moved before the lock: a missing script is found before any side effect. */
    @Override
    public void precheck(PreparedPackage prepared) {
        InstallScriptPath.resolveInside(prepared.packageRoot(), prepared.manifest().installScript());
    }

    @Override
    public void requireTools(Binaries binaries, PreparedPackage prepared) {
        binaries.require("bash");
    }

    @Override
    public boolean emitsTelemetry() {
        return true;
    }

    @Override
    public int execute(PackageRun run) {
        String installScript = run.prepared().manifest().installScript();
        Path script = InstallScriptPath.resolveInside(run.prepared().packageRoot(), installScript);
        run.log().info("Executing packaged profile installer: " + installScript);
        ChildProcess.Result result = run.runInstaller(script);
        EngineState.Result outcome = result.interrupted() ? EngineState.Result.INTERRUPTED
                : result.exitCode() == 0 ? EngineState.Result.SUCCESS : EngineState.Result.FAILED;
        run.persist(outcome, result.engineExitCode());
        return ChildFailure.report(run.log(), result, "packaged profile installer");
    }
}
