package io.productivek3s.infra.action;

import io.productivek3s.infra.run.ChildCommands;
import io.productivek3s.infra.run.ChildFailure;

import io.productivek3s.infra.exec.Binaries;
import java.nio.file.Path;

/**
 * {@code profile plan} (docs/contract/runs.md#plan): OpenTofu {@code init -backend=false} then {@code plan} (only after a
 * successful init) for opentofu packages, {@code make -n <apply target>} otherwise. Never persists state.
 * {@code install|apply --dry-run} is this action too, announced as a switch to plan (docs/contract/runs.md#dry-run).
 */
public final class PlanAction implements PackageAction {
    /** The command a dry run stands in for ({@code install}, {@code apply}), or null for {@code profile plan}. */
    private final String dryRunOf;

    public PlanAction() {
        this(null);
    }

    private PlanAction(String dryRunOf) {
        this.dryRunOf = dryRunOf;
    }

    /** {@code profile install|apply --dry-run}: the plan, which runs nothing and persists nothing. */
    public static PlanAction dryRunOf(String command) {
        return new PlanAction(command);
    }

    @Override
    public void requireTools(Binaries binaries, PreparedPackage prepared) {
        if (prepared.manifest().engineType().equals("opentofu")) {
            binaries.requireTofu();
        } else {
            PackageAction.super.requireTools(binaries, prepared);
        }
    }

    @Override
    public int execute(PackageRun run) {
        if (dryRunOf != null) {
            run.log().info("Dry-run requested; switching " + dryRunOf + " to plan");
        }
        PreparedPackage prepared = run.prepared();
        if (prepared.manifest().engineType().equals("opentofu")) {
            Path dir = ChildCommands.tofuDirectory(prepared.scenarioDir());
            Path tofu = run.binaries().requireTofu();
            run.log().info("Executing packaged profile plan through embedded OpenTofu scenario");
            run.log().info("Running OpenTofu plan in " + dir);
            for (ChildCommands.Step step : ChildCommands.tofuPlan(tofu, dir)) {
                int code = ChildFailure.report(run.log(), run.run(step), step.what());
                if (code != 0) {
                    return code;
                }
            }
            return 0;
        }
        run.log().info("Executing packaged profile plan via scenario make dry-run");
        String target = prepared.scenario().applyTarget();
        return ChildFailure.report(run.log(), run.runMake(target, true), ChildCommands.makeTarget(target));
    }
}
