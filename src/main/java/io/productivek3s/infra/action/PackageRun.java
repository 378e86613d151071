package io.productivek3s.infra.action;

import io.productivek3s.infra.run.ChildCommands;
import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.env.NormalizedEnvFile;
import io.productivek3s.infra.exec.Binaries;
import io.productivek3s.infra.exec.ChildProcess;
import io.productivek3s.infra.exec.Interrupts;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.state.ErroredCopies;
import io.productivek3s.infra.state.PersistResult;
import io.productivek3s.infra.state.SnapshotPolicy;
import io.productivek3s.infra.state.StateStore;
import io.productivek3s.infra.telemetry.TelemetryRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A prepared package with its state store locked and runtime state restored: what a package action works with.
 * Offers the three child kinds of docs/contract/runs.md#command-lines-and-working-directories and the state operations of docs/contract/state-files.md.
 */
public final class PackageRun {
    private final EngineContext context;
    private final PackageRequest request;
    private final PreparedPackage prepared;
    /** The state's key: {@code --name}, else the package's {@code metadata.name}. */
    private final String stateName;
    private final StateStore store;
    private final Map<String, String> childEnv;
    private final Instant startedAt;
    private final Interrupts interrupts;
    /** What the last persist recorded; null before any. */
    private EngineState.Result persisted;
    /** What this run did to the profile's state, for the {@link RunSummary}. */
    private String stateChange = "unchanged";

    PackageRun(EngineContext context, PackageRequest request, PreparedPackage prepared, String stateName, StateStore store,
            TelemetryRun telemetry, Instant startedAt, Interrupts interrupts) {
        this.context = context;
        this.stateName = stateName;
        this.interrupts = interrupts;
        this.request = request;
        this.prepared = prepared;
        this.store = store;
        this.startedAt = startedAt;
        this.childEnv = ChildCommands.withTelemetry(prepared.childEnv(), telemetry, context.env());
    }

    public PreparedPackage prepared() {
        return prepared;
    }

    public PackageRequest request() {
        return request;
    }

    public Log log() {
        return context.log();
    }

    public StateStore store() {
        return store;
    }

    /** The name the state is kept under. */
    public String stateName() {
        return stateName;
    }

    /** Rewrites {@code <package root>/profile.env} as the make-safe normalized file (docs/contract/env-files.md#make-safe-env-file) children will read. */
    void writeNormalizedEnv() {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : prepared.fileValues().keySet()) {
            String value = childEnv.get(name);
            if (value != null) {
                values.put(name, value);
            }
        }
        try {
            NormalizedEnvFile.write(prepared.packageRoot().resolve("profile.env"), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code bash <root>/<installScript>} from the package root. */
    public ChildProcess.Result runInstaller(Path script) {
        Path bash = new Binaries(childEnv).require("bash");
        return run(List.of(bash.toString(), script.toString()));
    }

    /** {@code <make> [-n] -C <scenario dir> <target>} from the package root. */
    public ChildProcess.Result runMake(String target, boolean dryRun) {
        Binaries binaries = new Binaries(childEnv);
        Path bin = binaries.require(binaries.packageMakeName());
        return run(ChildCommands.make(bin, dryRun, prepared.scenarioDir(), target, List.of()).argv());
    }

    /** One shared child step ({@link ChildCommands}) from the package root. */
    public ChildProcess.Result run(ChildCommands.Step step) {
        return run(step.argv());
    }

    public Binaries binaries() {
        return new Binaries(childEnv);
    }

    private ChildProcess.Result run(List<String> argv) {
        debugEnvironment();
        return new ChildProcess(context.log(), interrupts).run(argv, prepared.packageRoot(), childEnv);
    }

    private void debugEnvironment() {
        Log log = context.log();
        if (!log.debugEnabled()) {
            return;
        }
        for (String name : prepared.fileValues().keySet()) {
            log.debug("env " + name + "=" + log.redactor().display(name, childEnv.get(name)));
        }
    }

    /** Copies the scenario's runtime output into the state store and logs what was written. */
    public void persist(EngineState.Result result, int exitCode) {
        context.events().step("profile.state.persist", "running", "persisting profile state");
        announce(write(result, exitCode, false).orElseThrow());
    }

    /**
     * For a command that only reads the infrastructure ({@code profile status}): persists only when the state
     * changed beyond engine-state.json (a refreshed OpenTofu state does), so polling never grows the history.
     */
    public void persistIfChanged(EngineState.Result result, int exitCode) {
        context.events().step("profile.state.persist", "running", "persisting profile state if it changed");
        Optional<PersistResult> written = write(result, exitCode, true);
        if (written.isPresent()) {
            announce(written.get());
        } else {
            stateChange = "unchanged";
            context.log().info("Profile state unchanged; no revision written: " + store.runtimeDir(stateName));
        }
    }

    private void announce(PersistResult written) {
        stateChange = "persisted";
        written.clusterFile().ifPresent(path -> context.log().info("Persisted profile state: " + path));
        context.log().info("Persisted profile runtime state: " + written.runtimeDir());
    }

    /**
     * The signal this run ends with (0 if none). A signal that arrived while or after state was persisted
     * re-records the run as {@code interrupted} (docs/contract/runs.md#signals): the record never claims an undisturbed run when the exit
     * code will say otherwise. Signals after this call no longer count.
     */
    int settleInterrupt() {
        int signal = interrupts.settle(name -> context.log().warn("SIG" + name + " received after 'profile "
                + request.command() + "' finished and its state was recorded; stopping"));
        if (signal != 0 && persisted != null && persisted != EngineState.Result.INTERRUPTED) {
            write(EngineState.Result.INTERRUPTED, 128 + signal, false);
        }
        return signal;
    }

    private Optional<PersistResult> write(EngineState.Result result, int exitCode, boolean onlyIfChanged) {
        int signal = interrupts.received();
        EngineState.Result recorded = signal != 0 ? EngineState.Result.INTERRUPTED : result;
        EngineState metadata = engineState(recorded, signal != 0 ? 128 + signal : exitCode);
        Optional<PersistResult> written;
        try {
            written = onlyIfChanged ? store.persistIfChanged(stateName, prepared.scenarioDir(), metadata)
                    : Optional.of(store.persist(stateName, prepared.scenarioDir(), metadata));
        } catch (IOException | RuntimeException e) {
            throw keepUncommitted(metadata, e);
        }
        if (written.isPresent()) {
            persisted = recorded; // an unchanged status wrote nothing that a later signal would have to correct
            written.get().revision().ifPresent(revision -> StateMoveHint.note(context, stateName, revision.bytes()));
        }
        return written;
    }

    /**
     * The new revision could not be committed (backend unreachable, lease lost, local disk trouble): the run's state
     * (real infrastructure, possibly) must not vanish with the workspace. It is kept as an errored copy beside the
     * state (docs/state.md "When state cannot be committed"); the one ERROR line is the cause, with the cause's exit
     * code (5 unreachable, 4 lease lost or authentication, else 1), followed by where the copy is and how to commit it.
     */
    private EngineException keepUncommitted(EngineState metadata, Exception cause) {
        EngineException failure = cause instanceof EngineException engine ? engine
                : EngineException.runtime("could not persist profile state for '" + stateName + "': "
                        + (cause instanceof IOException ? cause.getMessage() : cause.toString()));
        ErroredCopies copies = new ErroredCopies(store.location());
        String next;
        try {
            Path kept = copies.keep(stateName, prepared.scenarioDir(), store.runtimeDir(stateName), metadata,
                    new SnapshotPolicy(context.log()::warn), failure.getMessage(), Instant.now(context.clock()));
            next = "; this run's state was not committed and is kept in " + kept + ": once that is fixed, run 'state push "
                    + stateName + " --from " + kept + "'";
        } catch (IOException | RuntimeException keepFailed) {
            next = "; this run's state was not committed and could not be kept in " + copies.root(stateName) + " either: "
                    + keepFailed.getMessage();
        }
        return new EngineException(failure.exitCode(), failure.getMessage() + next, cause);
    }

    /** Removes the profile's state after a successful destroy. */
    public void remove() {
        context.events().step("profile.state.remove", "running", "removing profile state");
        try {
            store.remove(stateName);
        } catch (IOException e) {
            throw EngineException.runtime("could not remove profile state for '" + stateName + "': " + e.getMessage());
        }
        stateChange = "removed";
        context.log().info("Removed profile state: " + store.clusterFile(stateName));
    }

    /** The run's result once the action returned {@code exitCode}. */
    RunSummary summary(int exitCode) {
        var manifest = prepared.manifest();
        String stateFile = stateChange.equals("unchanged") ? null : store.clusterFile(stateName).toString();
        return new RunSummary(request.command(), manifest.name(), manifest.version(), prepared.scenario().type(),
                manifest.engineType(), prepared.sha256(), prepared.source().reference(),
                prepared.source().file().toAbsolutePath().normalize().toString(), request.dryRun(), exitCode, stateName, stateChange, stateFile, startedAt,
                Instant.now(context.clock()));
    }

    private EngineState engineState(EngineState.Result result, int exitCode) {
        return identity(context, prepared, new EngineState.LastAction(request.command(), result, exitCode, startedAt,
                Instant.now(context.clock())));
    }

    /** The engine-state record of this package; {@code lastAction} may be null when only the identity matters. */
    static EngineState identity(EngineContext context, PreparedPackage prepared, EngineState.LastAction lastAction) {
        var manifest = prepared.manifest();
        return EngineState.of(
                new EngineState.Profile(manifest.name(), manifest.version(), prepared.scenario().type(), manifest.engineType()),
                new EngineState.PackageRef(prepared.sha256(), prepared.source().reference(),
                        prepared.source().file().toAbsolutePath().normalize().toString()),
                EngineState.Engine.java(context.engineVersion()),
                lastAction).withOverride(prepared.overrideIdentity());
    }
}
