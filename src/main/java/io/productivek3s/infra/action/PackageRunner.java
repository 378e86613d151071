package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.TelemetryBracket;
import io.productivek3s.infra.run.Workspace;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.exec.Interrupts;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.ErroredCopies;
import io.productivek3s.infra.state.LocalIdentity;
import io.productivek3s.infra.state.LockRequest;
import io.productivek3s.infra.state.StateLock;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.telemetry.TelemetryRun;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * Runs a package action through the whole pipeline of docs/contract/runs.md#pipelines: prelude, command checks, inputs, state lock,
 * telemetry, restore, action, and cleanup on every path. Operation events bracket the run.
 */
public final class PackageRunner {
    private final EngineContext context;
    private final PackageSource source;

    private final Telemetry telemetry;
    private final StateStores stores;

    public PackageRunner(EngineContext context, PackageSource source, Telemetry telemetry) {
        this(context, source, telemetry, StateStores.of(context));
    }

    public PackageRunner(EngineContext context, PackageSource source, Telemetry telemetry, StateStores stores) {
        this.context = context;
        this.source = source;
        this.telemetry = telemetry;
        this.stores = stores;
    }

    public int run(PackageRequest request, PackageAction action) {
        return execute(request, action).exitCode();
    }

    /** Runs the pipeline and returns what happened; failures before the action ran are thrown. */
    public RunSummary execute(PackageRequest request, PackageAction action) {
        stores.warmUp();
        // the missing-argument error comes first, as before #9; --name may stand in for --tgz (status/plan/destroy)
        PackageSource.Resolved recorded = request.tgz() == null ? new RecordedPackage(context, source, stores).find(request) : null;
        context.release().checkBinding();
        PackageSource.Resolved resolved = recorded != null ? recorded : source.resolve(request.tgz());
        Instant startedAt = Instant.now(context.clock());
        try (Workspace workspace = Workspace.create(context.env())) {
            PackagePrelude prelude = new PackagePrelude(context, Optional.of(new RecordedOverride(stores)));
            PreparedPackage prepared = prelude.prepare(request, resolved, workspace);
            action.precheck(prepared);
            prelude.checkInputs(prepared);
            action.requireTools(new io.productivek3s.infra.exec.Binaries(prepared.childEnv()), prepared);

            String stateName = request.name() != null ? request.name() : prepared.name();
            if (!stateName.equals(prepared.name())) {
                context.log().info("Using state '" + stateName + "' for profile '" + prepared.name() + "'");
            }

            // Every check is done; what follows has side effects (lock, state, prompt, telemetry, children).
            LockRequest lockRequest = new LockRequest(
                    LocalIdentity.holder(context.env(), request.operation().replace('.', ' '), startedAt), request.lockTimeout());
            try (StateStore store = stores.open();
                    StateLock lock = lock(store, stateName, lockRequest)) {
                new ErroredCopies(store.location()).warning(stateName).ifPresent(context.log()::warn);
                checkOwnerAndWarnOnChange(store, request, prepared, stateName);

                Optional<String> userValue = prepared.override().flatMap(file -> file.value("TELEMETRY_ENABLED"));
                // From the restore to the end a signal is recorded, not fatal: the run finishes its state handling (docs/contract/runs.md#signals).
                // (Before, during the consent prompt, Ctrl-C still simply ends the run: nothing has changed yet.)
                return TelemetryBracket.around(telemetry, new Telemetry.Command("profile", prepared.scenario().type()), userValue,
                        action.emitsTelemetry(), telemetryRun -> {
                            try (Interrupts interrupts = Interrupts.install()) {
                                context.events().step("profile.state.restore", "running", "restoring runtime state");
                                restore(store, prepared, stateName, telemetryRun);
                                try {
                                    PackageRun run = new PackageRun(context, request, prepared, stateName, store,
                                            telemetryRun, startedAt, interrupts);
                                    run.writeNormalizedEnv();
                                    context.events().step(stepFor(request), "running", "running " + request.command());
                                    int actionExit = action.execute(run);
                                    return run.summary(interruptedExit(run.settleInterrupt(), actionExit));
                                } finally {
                                    release(store, prepared, stateName);
                                }
                            }
                        }, RunSummary::exitCode);
            } catch (IOException e) {
                throw EngineException.runtime("could not read profile state for '" + stateName + "': " + e.getMessage());
            }
        }
    }

    /** A run that succeeded but was signalled on the way (e.g. while persisting) exits 128+signal (docs/cli.md#exit-codes, docs/contract/runs.md#signals). */
    private int interruptedExit(int signal, int exitCode) {
        if (signal == 0 || exitCode != 0) {
            return exitCode;
        }
        context.log().error("interrupted by " + (signal == 2 ? "SIGINT" : "SIGTERM"));
        return 128 + signal;
    }

    private static StateLock lock(StateStore store, String name, LockRequest request) {
        try {
            return store.lock(name, request);
        } catch (IOException e) {
            throw EngineException.runtime("could not lock profile state for '" + name + "': " + e.getMessage());
        }
    }

    private void restore(StateStore store, PreparedPackage prepared, String stateName, TelemetryRun telemetry) {
        try {
            store.restore(stateName, prepared.scenarioDir());
        } catch (IOException e) {
            throw EngineException.runtime("could not restore profile state for '" + stateName + "': " + e.getMessage());
        }
        if (telemetry.emitting() && telemetry.enabled().isPresent()) {
            try {
                StateStore.alignTelemetry(prepared.scenarioDir(), telemetry.enabled().get());
            } catch (IOException e) {
                context.log().warn("could not align telemetry.enabled in the restored cluster.json: " + e.getMessage());
            }
        }
    }

    /** The run is done with its scenario: the store takes back what the restore lent (still under the lock). */
    private void release(StateStore store, PreparedPackage prepared, String stateName) {
        try {
            store.release(stateName, prepared.scenarioDir());
        } catch (IOException | RuntimeException e) {
            context.log().debug("could not release the restored scenario of '" + stateName + "': " + e.getMessage());
        }
    }

    /**
     * A cluster name belongs to the package that wrote its state (docs/state.md "Cluster names"): a package of another
     * name is refused before anything runs, unless install/apply say {@code --replace}. Otherwise one WARN when the
     * state was last written from another version, digest or override file.
     */
    private void checkOwnerAndWarnOnChange(StateStore store, PackageRequest request, PreparedPackage prepared,
            String stateName) throws IOException {
        Optional<EngineState> previous = store.readEngineState(stateName);
        if (previous.isEmpty()) {
            return;
        }
        EngineState.Profile owner = previous.get().profile();
        if (owner != null && owner.name() != null && !owner.name().equals(prepared.name())) {
            String held = "cluster '" + stateName + "' holds the state of profile '" + owner.name() + "'"
                    + (owner.version() == null ? "" : " " + owner.version()) + "; this package is '" + prepared.name() + "'"
                    + (prepared.manifest().version() == null ? "" : " " + prepared.manifest().version());
            if (!(request.replace() && request.installLike())) {
                throw EngineException.invalid(held + ": use another --name"
                        + (request.installLike() ? ", or --replace to let '" + prepared.name() + "' take it over" : ""));
            }
            context.log().warn(held + "; --replace: '" + prepared.name() + "' takes it over");
            return;
        }
        PackageRun.identity(context, prepared, null).runWarning(stateName, previous.get()).ifPresent(context.log()::warn);
    }

    private static String stepFor(PackageRequest request) {
        return request.runsInstaller() ? "profile.install.run" : "profile.make.run";
    }

}
