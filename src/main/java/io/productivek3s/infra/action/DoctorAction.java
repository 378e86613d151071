package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.Workspace;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.exec.Binaries;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.pkg.CompatibilitySpec;
import io.productivek3s.infra.pkg.TestedWith;
import io.productivek3s.infra.sign.AllowedSigners;
import io.productivek3s.infra.sign.SignaturePolicy;
import io.productivek3s.infra.sign.SignatureVerifier;
import io.productivek3s.infra.sign.TrustFile;
import io.productivek3s.infra.state.ClusterInfo;
import io.productivek3s.infra.state.LockHolder;
import io.productivek3s.infra.state.backends.StateBackends;
import io.productivek3s.infra.state.crypto.StateKeys;
import io.productivek3s.infra.state.StateDirResolver;
import io.productivek3s.infra.state.StateStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code doctor [--tgz P [--env-file E]] [--profile F]} (docs/cli.md#doctor): read-only host and package checks. With
 * {@code --tgz} it runs the install's own prelude ({@link PackagePrelude}: extraction into a private temp dir,
 * validation, compatibility, env merge, scenario, Core settings, required inputs) so it cannot pass a package the
 * install would then refuse, and adds the tools, the state directory and the state lock. With a shared state backend
 * (PostgreSQL) it connects as a run would and reads the clusters and their leases, so an unreachable database fails
 * here (exit 5) rather than in the install. Each check is logged as
 * it passes; the first failure ends the run with its exit code and is part of the {@link Report}. Never prompts,
 * sends no telemetry, touches no state.
 */
public final class DoctorAction {
    private final EngineContext context;
    private final PackageSource source;
    private final SourceProfileCheck sourceCheck;
    private final StateStores stores;

    public DoctorAction(EngineContext context, PackageSource source, SourceProfileCheck sourceCheck) {
        this(context, source, sourceCheck, StateStores.of(context));
    }

    DoctorAction(EngineContext context, PackageSource source, SourceProfileCheck sourceCheck, StateStores stores) {
        this.context = context;
        this.source = source;
        this.sourceCheck = sourceCheck;
        this.stores = stores;
    }

    /** Validates a source profile for doctor; returns its normalized scenario and engine. */
    public interface SourceProfileCheck {
        record Summary(String scenario, String engine) {
        }

        Summary check(String profile);
    }

    /** One check: {@code ok}, {@code warn}, {@code info} or {@code fail} (the failure's exit code, else 0). */
    public record Check(String status, String message, int exitCode) {
    }

    /** Every check in order; {@code failure} is the first failed check's error, after which nothing ran. */
    public record Report(List<Check> checks, Optional<EngineException> failure) {
        public Report {
            checks = List.copyOf(checks);
        }
    }

    public Report run(String tgz, String profile, String envFile) {
        return run(tgz, profile, envFile, null);
    }

    /** As {@link #run(String, String, String)}; {@code stateName} ({@code --name}) is the state whose lock is probed. */
    public Report run(String tgz, String profile, String envFile, String stateName) {
        List<Check> checks = new ArrayList<>();
        try {
            runChecks(checks, tgz, profile, envFile, stateName);
            return new Report(checks, Optional.empty());
        } catch (EngineException e) {
            checks.add(new Check("fail", e.getMessage(), e.exitCode()));
            return new Report(checks, Optional.of(e));
        }
    }

    private void runChecks(List<Check> checks, String tgz, String profile, String envFile, String stateName) {
        Log log = context.log();
        Binaries binaries = new Binaries(context.env());
        binaries.require("bash");
        String make = binaries.packageMakeName();
        binaries.require(make);
        context.release().checkBinding();
        ok(checks, "bash is available");
        ok(checks, make + " is available");
        ok(checks, "java runtime " + context.build().javaVersion() + " is available");
        String checkout = context.env().getOrDefault("PRODUCTIVE_K3S_PROFILES_REPO_DIR", "");
        if (!checkout.isEmpty() && Files.isDirectory(context.paths().resolve(checkout).resolve("profiles"))) {
            ok(checks, "productive-k3s-profiles checkout found: " + checkout);
        } else if (!context.release().packageOnly() && (tgz == null || profile != null)) {
            // the checkout matters only for source commands: a package check or a release bundle does not warn
            checks.add(new Check("warn", "productive-k3s-profiles checkout not configured; set PRODUCTIVE_K3S_PROFILES_REPO_DIR "
                    + "for source-based commands", 0));
            log.warn(checks.get(checks.size() - 1).message());
        }
        if (profile != null) {
            SourceProfileCheck.Summary summary = sourceCheck.check(profile);
            ok(checks, "Profile file is readable: " + profile);
            ok(checks, "Profile scenario: " + summary.scenario());
            ok(checks, "Profile engine: " + summary.engine());
            checkEngineTools(checks, binaries, summary.engine(), false);
        }
        checkSharedBackend(checks);
        checkSignatures(checks);
        checkEncryption(checks);
        if (tgz != null) {
            checkPackage(checks, tgz, envFile, stateName, binaries);
        }
    }

    /**
     * A shared backend is connected to, as a run would, and its clusters and leases are read: a doctor that passes
     * while the install then fails with exit 5 would be worse than none. The local backend needs no connection.
     */
    private void checkSharedBackend(List<Check> checks) {
        if (!sharedBackend()) {
            return;
        }
        try (StateStore store = stores.open()) {
            List<ClusterInfo> clusters = store.list();
            ok(checks, "State backend is reachable: " + store.backendName() + " (" + clusters.size()
                    + " cluster(s); revisions and leases readable)");
        } catch (IOException e) {
            throw EngineException.runtime("state backend check failed: " + e.getMessage());
        }
    }

    /**
     * The signature policy and the trust file (docs/signing.md): an unusable trust file fails here as it would fail a
     * run with a signed package; {@code require} without one would refuse every package.
     */
    private void checkSignatures(List<Check> checks) {
        SignatureVerifier verifier = ArtifactServices.signatures(context);
        String policy = SignaturePolicy.VARIABLE + "=" + verifier.policy().word();
        if (verifier.policy() == SignaturePolicy.OFF) {
            info(checks, "Package signatures are not checked (" + policy + ")");
            return;
        }
        String where = verifier.trustFile().map(TrustFile::describe).orElse("none (no HOME)");
        Optional<AllowedSigners> trust = verifier.trust();
        if (trust.isPresent()) {
            List<String> principals = trust.get().entries().stream().map(AllowedSigners.Entry::principals).distinct().toList();
            ok(checks, "Trust file: " + where + " (" + trust.get().entries().size() + " key(s): " + String.join(", ", principals)
                    + "; " + policy + ")");
        } else if (verifier.policy() == SignaturePolicy.REQUIRE) {
            checks.add(new Check("warn", "No trust file at " + where + ": " + policy + " refuses every package", 0));
            context.log().warn(checks.get(checks.size() - 1).message());
        } else {
            info(checks, "No trust file at " + where + ": signed packages run unchecked (" + policy + "; docs/signing.md)");
        }
    }

    private void info(List<Check> checks, String message) {
        checks.add(new Check("info", message, 0));
        context.log().info(message);
    }

    /** Whether state is sealed at rest, and with which key id (docs/state.md "Encryption at rest"); a bad key file fails. */
    private void checkEncryption(List<Check> checks) {
        StateKeys.Status status = StateKeys.status(context.env(), context.paths()::resolve);
        String old = status.oldKeyIds().isEmpty() ? "" : "; old key(s) to read with: " + String.join(", ", status.oldKeyIds());
        if (!status.on()) {
            info(checks, "State encryption at rest: off (set PK3S_STATE_ENCRYPTION_KEY_FILE to seal state; "
                    + "docs/state.md \"Encryption at rest\")" + old);
            return;
        }
        ok(checks, "State encryption at rest: on, " + status.keyId().map(id -> "key id " + id + " (" + status.variable() + ")")
                .orElse("passphrase (" + status.variable() + "; its key id is derived with the backend's salt)") + old);
    }

    /** The install prelude, then what the install needs around it: tools, the state directory, a free lock. */
    private void checkPackage(List<Check> checks, String tgz, String envFile, String stateName, Binaries binaries) {
        PackageRequest request = new PackageRequest("install", tgz, envFile, false);
        PackageSource.Resolved resolved = source.resolve(tgz);
        try (Workspace workspace = Workspace.create(context.env())) {
            PackagePrelude prelude = new PackagePrelude(context);
            PreparedPackage prepared = prelude.prepare(request, resolved, workspace);
            var manifest = prepared.manifest();
            ok(checks, "Profile package: " + manifest.name() + " " + Optional.ofNullable(manifest.version()).orElse(""));
            ok(checks, "Profile scenario: " + prepared.scenario().type());
            ok(checks, "Profile engine: " + manifest.engineType());
            manifest.compatibility().ifPresent(spec -> compatibility(checks, spec));
            checkEngineTools(checks, binaries, manifest.engineType(), prepared.scenario().local());
            // the install's own tool check, with the package's environment (make/tofu overrides from its files)
            new InstallAction().requireTools(new Binaries(prepared.childEnv()), prepared);
            prelude.checkInputs(prepared);
            ok(checks, "Required profile inputs are provided");
            ok(checks, "Core settings: source=" + prepared.core().source() + " version=" + prepared.core().version());
            Path stateDir = new StateDirResolver(context.env(), context.paths().baseDir(), context.log()::warn).resolve();
            ok(checks, "Profile state directory is writable: " + stateDir);
            String name = stateName != null ? stateName : prepared.name();
            checkLock(stateDir, name);
            if (sharedBackend()) {
                checkLease(name);
            }
            ok(checks, "Profile state for '" + name + "' is not locked by another run");
        }
    }

    private boolean sharedBackend() {
        return StateBackends.isPostgres(context.env().getOrDefault(StateBackends.VARIABLE, ""));
    }

    /** The shared backend's lease of {@code name}, read without taking it (a first install's lease included). */
    private void checkLease(String name) {
        try (StateStore store = stores.open()) {
            Optional<LockHolder> holder = store.lockHolder(name);
            if (holder.isPresent()) {
                throw EngineException.invalid("profile state for '" + name + "' is locked by another run: "
                        + store.backendName() + "; held by " + holder.get().describe());
            }
        } catch (IOException e) {
            throw EngineException.runtime("state backend check failed: " + e.getMessage());
        }
    }

    private void compatibility(List<Check> checks, CompatibilitySpec spec) {
        ok(checks, "Profile compatibility: " + (spec.contract() == null ? "profile/v1" : spec.contract()) + " satisfied");
        for (TestedWith tested : spec.testedWith()) {
            String message = "Tested with infra " + tested.release() + " and core " + tested.core();
            info(checks, message);
        }
    }

    /**
     * Whether another run holds the profile's lock, probed with a shared lock on the existing lock file: it
     * conflicts with the exclusive lock a run holds, and creates nothing.
     */
    private static void checkLock(Path stateDir, String name) {
        Path lockFile = stateDir.resolve(name + ".lock");
        if (!Files.isRegularFile(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.READ)) {
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe == null) {
                throw EngineException.invalid("profile state for '" + name + "' is locked by another run: " + lockFile);
            }
            probe.release();
        } catch (IOException e) {
            throw EngineException.invalid("cannot check the profile state lock " + lockFile + ": " + e.getMessage());
        }
    }

    /** OpenTofu for opentofu packages; ssh for ansible/shell ones that reach a remote host (a local one needs none). */
    private void checkEngineTools(List<Check> checks, Binaries binaries, String engine, boolean local) {
        if (engine.equals("opentofu")) {
            binaries.requireTofu();
            ok(checks, "OpenTofu-compatible binary is available");
        } else if (!local) {
            binaries.require("ssh");
            ok(checks, "ssh is available for remote-oriented profile validation");
        }
    }

    private void ok(List<Check> checks, String message) {
        checks.add(new Check("ok", message, 0));
        context.log().ok(message);
    }
}
