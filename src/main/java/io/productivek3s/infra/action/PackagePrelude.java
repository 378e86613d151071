package io.productivek3s.infra.action;

import io.productivek3s.infra.run.ChildCommands;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.Workspace;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.cache.PackageCache;
import io.productivek3s.infra.core.CoreDefaults;
import io.productivek3s.infra.core.CoreSettings;
import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.env.EnvFile;
import io.productivek3s.infra.env.EnvStack;
import io.productivek3s.infra.env.EnvValue;
import io.productivek3s.infra.env.Layer;
import io.productivek3s.infra.env.Origin;
import io.productivek3s.infra.exec.ExecLimits;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.pkg.CompatibilityGate;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.GateResult;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.pkg.ProfileInput;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.log.Redactor;
import io.productivek3s.infra.scenario.Scenario;
import io.productivek3s.infra.scenario.ScenarioResolver;
import io.productivek3s.infra.state.EngineState;
import io.productivek3s.infra.util.Digests;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The common prelude of {@code profile install|apply|status|plan|destroy} (docs/contract/runs.md#pipelines): extract, validate,
 * compatibility gate, merge {@code profile.env} with the override file, resolve the scenario and Core settings,
 * check required inputs. Everything before the first side effect; any failure is one exit-coded error.
 */
public final class PackagePrelude {
    /** Room kept for what PackageRun adds later: argv (absolute paths) and the telemetry variables (docs/telemetry.md#children). */
    private static final long CHILD_RESERVE = 32 * 1024;
    private static final String CORE_REPO = "PK3S_PROFILE_PACKAGE_PRODUCTIVE_K3S_REPO";

    private final EngineContext context;
    private final Log log;
    private final Optional<RecordedOverride> recorded;

    /** A prelude that never reuses a recorded override file (validate, show, doctor). */
    public PackagePrelude(EngineContext context) {
        this(context, Optional.empty());
    }

    /** A prelude whose status/plan/destroy reuse the override file the cluster's state records, when unchanged. */
    PackagePrelude(EngineContext context, Optional<RecordedOverride> recorded) {
        this.context = context;
        this.log = context.log();
        this.recorded = recorded;
    }

    public PreparedPackage prepare(PackageRequest request, PackageSource.Resolved source, Workspace workspace) {
        context.events().step("profile.package.extract", "running", "extracting " + request.tgz());
        log.debug("package: " + source.file());
        ProfileArchive.Extracted extracted = extract(source, request.tgz(), workspace);
        Path root = extracted.root();
        log.debug("package root: " + root);
        ProfileManifest manifest = ManifestParser.parse(readManifest(root));
        manifest.warnings().forEach(log::warn);
        context.events().subject(manifest.name());
        context.events().step("profile.package.validate", "success", "package " + manifest.name() + " is structurally valid");

        Path profileEnv = root.resolve("profile.env");
        if (!Files.isRegularFile(profileEnv)) {
            throw EngineException.invalid("profile package is missing profile.env");
        }
        Optional<String> overrideArg = overrideArgument(request);
        Optional<Path> overridePath = overrideArg.map(this::overrideFile);

        context.events().step("profile.env.merge", "running", "merging profile.env and local overrides");
        Optional<String> bound = context.release().boundCore();
        EnvStack stack = new EnvStack(context.env(), log::warn, "bash".equals(context.env().get("PK3S_INFRA_ENV_EVAL")));
        Map<String, String> packageValues = new LinkedHashMap<>();
        stack.setGuard((name, value, origin) -> allow(name, value, origin, bound, packageValues));
        if (bound.isPresent()) {
            Origin binding = new Origin(Layer.RELEASE, Release.RELEASE_ENV, 0);
            stack.pin("PRODUCTIVE_K3S_SOURCE", "remote", binding);
            stack.pin("PRODUCTIVE_K3S_VERSION", bound.get(), binding);
        }
        EnvFile packageFile = stack.load(profileEnv, "profile.env", Layer.PACKAGE);
        packageValues.putAll(packageFile.values());

        // The scenario comes from the package alone (structural keys are the package's), so it is checked first.
        Scenario scenario = new ScenarioResolver("profile.env")
                .resolve(manifest.scenarioType(), packageValues, manifest.category(), "unsupported packaged profile scenario: ");
        Path scenarioDir = root.resolve(scenario.path()).normalize();
        if (!scenarioDir.startsWith(root) || !Files.isDirectory(scenarioDir)) {
            throw EngineException.invalid("profile package scenario directory not found: " + scenario.path());
        }

        // Only a package that got this far may read the state (a hostile one never reaches the state directory).
        String overrideHint = "";
        if (overrideArg.isEmpty() && recorded.isPresent() && RecordedOverride.reusedBy(request.command())) {
            String stateName = request.name() != null ? request.name() : manifest.name();
            RecordedOverride.Found found = recorded.get().find(stateName);
            if (found instanceof RecordedOverride.Reusable reusable) {
                log.info("Using the override env file recorded for '" + stateName + "': " + reusable.file());
                overrideArg = Optional.of(reusable.file().toString());
                overridePath = Optional.of(reusable.file());
            } else if (found instanceof RecordedOverride.Unusable unusable) {
                overrideHint = unusable.hint(stateName);
            }
        }
        String overrideShown = overrideArg.orElse(null);
        Optional<EnvFile> override = overridePath.map(path -> stack.load(path, overrideShown, Layer.OVERRIDE));
        Map<String, String> fileValues = new LinkedHashMap<>();
        Map<String, Origin> origins = new LinkedHashMap<>();
        for (Map.Entry<String, EnvValue> entry : stack.fileValues().entrySet()) {
            fileValues.put(entry.getKey(), entry.getValue().value());
            origins.put(entry.getKey(), entry.getValue().origin());
        }
        registerSecrets(manifest, fileValues, context.log().redactor());

        log.debug("scenario: " + scenario.type() + " at " + scenarioDir);
        CoreSettings core = CoreSettings.resolve(bound, name -> Optional.ofNullable(fileValues.get(name)),
                context.env(), CoreDefaults.from(context.env())).validate();
        log.debug("core: source=" + core.source() + " version=" + core.version() + " repo=" + core.releaseRepo());
        checkCompatibility(request, manifest, core);
        CoreCheckout checkout = coreCheckout(root, fileValues, origins);
        Path coreRepo = checkout.path();
        if (core.source().equals("local") && !CoreSettings.looksLikeCoreCheckout(coreRepo)) {
            String message = "productive-k3s-core checkout not usable for PRODUCTIVE_K3S_SOURCE=local: " + checkout.describe();
            if (request.runsInstaller()) {
                throw EngineException.invalid(message);
            }
            log.warn(message);
        }
        String sha256 = extracted.sha256();
        Map<String, String> childEnv = childEnvironment(root, manifest, scenario, fileValues, core, coreRepo);
        // Before any side effect: a child that the kernel would refuse to start (docs/contract/runs.md#environment) is an input error now.
        ExecLimits.current().check(java.util.List.of(), childEnv, CHILD_RESERVE);
        EngineState.Override overrideIdentity = overridePath
                .map(path -> new EngineState.Override(Digests.sha256(path), path.toAbsolutePath().normalize().toString()))
                .orElse(EngineState.Override.NONE);
        return new PreparedPackage(source, sha256, root, manifest, scenario, scenarioDir, override, fileValues, core, childEnv,
                origins, overrideIdentity, overrideHint);
    }

    /** A package seen before comes from the verified cache (a private copy) instead of being inflated again. */
    private ProfileArchive.Extracted extract(PackageSource.Resolved source, String displayPath, Workspace workspace) {
        Path workDir = workspace.subdir("package");
        ExtractionLimits limits = ExtractionLimits.fromEnv(context.env());
        return PackageCache.open(context.env(), log::debug)
                .map(cache -> cache.extract(source.file(), displayPath, workDir, limits))
                .orElseGet(() -> ProfileArchive.extractWithDigest(source.file(), displayPath, workDir, limits));
    }

    /** Required inputs and the no-override warning (docs/contract/env-files.md#required-inputs), run after command-specific checks. */
    public void checkInputs(PreparedPackage prepared) {
        context.events().step("profile.inputs.check", "running", "checking required inputs");
        InputCheck.check(prepared.manifest().inputs(), prepared.override(),
                name -> Optional.ofNullable(prepared.childEnv().get(name)), prepared.overrideHint());
        boolean declaresLocalOverride = prepared.manifest().inputs().stream()
                .anyMatch(input -> input.source() == io.productivek3s.infra.pkg.InputSource.LOCAL_OVERRIDE);
        if (prepared.override().isEmpty() && !prepared.scenario().local() && declaresLocalOverride) {
            log.warn("Running packaged profile '" + prepared.name() + "' without local overrides; embedded profile.env defaults will be used as-is.");
            log.warn("For real cloud and on-prem installs, pass installation-specific values from the invoking machine with --env-file <file>.");
        }
    }

    /** The override env file as given, resolved; exit 4 unless it is a regular file. */
    private Path overrideFile(String arg) {
        Path path = context.paths().resolveExisting(arg);
        if (!Files.isRegularFile(path)) {
            // a FIFO would block, /dev/zero never ends: only regular files are read
            throw EngineException.invalid((Files.exists(path) ? "override env file is not a regular file: "
                    : "override env file not found: ") + arg);
        }
        log.debug("override env file: " + path);
        return path;
    }

    private Optional<String> overrideArgument(PackageRequest request) {
        if (request.envFile() != null) {
            return Optional.of(request.envFile());
        }
        String fromEnv = context.env().getOrDefault("PK3S_PROFILE_OVERRIDE_ENV_FILE", "");
        return fromEnv.isEmpty() ? Optional.empty() : Optional.of(fromEnv);
    }

    /** File assignments the engine refuses (docs/contract/env-files.md#values-the-files-cannot-change): bound Core values, structural overrides, package telemetry. */
    private boolean allow(String name, String value, Origin origin, Optional<String> bound, Map<String, String> packageValues) {
        if (bound.isPresent() && (name.equals("PRODUCTIVE_K3S_SOURCE") || name.equals("PRODUCTIVE_K3S_VERSION"))) {
            String forced = name.equals("PRODUCTIVE_K3S_SOURCE") ? "remote" : bound.get();
            if (!Release.stripV(value).equals(forced)) {
                log.warn("release " + context.engineVersion() + " is bound to productive-k3s " + bound.get()
                        + "; ignoring " + name + "=" + value + " from " + origin.file());
            }
            return false;
        }
        if (origin.layer() == Layer.PACKAGE && name.equals("TELEMETRY_ENABLED")) {
            log.warn("ignoring TELEMETRY_ENABLED from package profile.env; telemetry consent comes from the invoking user");
            return false;
        }
        if (origin.layer() == Layer.OVERRIDE && ScenarioResolver.STRUCTURAL_KEYS.contains(name)
                && !value.equals(packageValues.get(name))) {
            log.warn("override env file cannot change " + name + "; using the package value");
            return false;
        }
        return true;
    }

    private void checkCompatibility(PackageRequest request, ProfileManifest manifest, CoreSettings core) {
        if (manifest.compatibility().isEmpty()) {
            return;
        }
        GateResult gate = CompatibilityGate.evaluate(manifest, context.engineVersion(), context.release().infraSemver(),
                context.release().boundCore().or(core::comparableVersion));
        gate.warnings().forEach(log::warn);
        boolean enforced = request.command().equals("install") || request.command().equals("apply") || request.command().equals("plan");
        for (String violation : gate.violations()) {
            if (enforced) {
                throw EngineException.invalid(violation);
            }
            log.warn(violation);
        }
    }

    /**
     * The Core checkout handed to the scenario as {@code PRODUCTIVE_K3S_REPO}. The bash engine sourced the merged env
     * file before reading {@value #CORE_REPO}, so a value in {@code profile.env} or the override file wins over the
     * process environment (docs/cli.md "Engine settings from env files"); unset everywhere, it is the package root.
     */
    private CoreCheckout coreCheckout(Path root, Map<String, String> fileValues, Map<String, Origin> origins) {
        String fromFiles = fileValues.getOrDefault(CORE_REPO, "");
        if (!fromFiles.isEmpty()) {
            Origin origin = origins.get(CORE_REPO);
            return new CoreCheckout(context.paths().resolve(fromFiles), fromFiles,
                    origin == null ? "the env files" : origin.describe());
        }
        String fromProcess = context.env().getOrDefault(CORE_REPO, "");
        if (!fromProcess.isEmpty()) {
            return new CoreCheckout(context.paths().resolve(fromProcess), fromProcess, Origin.process().describe());
        }
        return new CoreCheckout(root, null, null);
    }

    /** Where the Core checkout is and how the user named it, so an error never names only a temp dir. */
    private record CoreCheckout(Path path, String given, String from) {
        String describe() {
            if (given == null) {
                return "the package itself (" + CORE_REPO + " is not set in the env files or the environment)";
            }
            String shown = given.equals(path.toString()) ? given : given + " (" + path + ")";
            return shown + " (" + CORE_REPO + " from " + from + ")";
        }
    }

    private Map<String, String> childEnvironment(Path root, ProfileManifest manifest, Scenario scenario,
            Map<String, String> fileValues, CoreSettings core, Path coreRepo) {
        Map<String, String> env = ChildCommands.baseEnvironment(context.env());
        env.putAll(fileValues);
        env.put("REPO_ROOT", root.toString());
        env.put("PRODUCTIVE_K3S_REPO", coreRepo.toString());
        env.put("PRODUCTIVE_K3S_SOURCE", core.source());
        env.put("PRODUCTIVE_K3S_VERSION", core.version());
        env.put("PRODUCTIVE_K3S_RELEASE_REPO", core.releaseRepo());
        String profileName = fileValues.getOrDefault("PK3S_INFRA_PROFILE_NAME", "");
        env.put("PK3S_INFRA_PROFILE_NAME", profileName.isEmpty() ? manifest.name() : profileName);
        scenario.envFileVariable().ifPresent(variable -> env.put(variable, root.resolve("profile.env").toString()));
        return env;
    }

    private static void registerSecrets(ProfileManifest manifest, Map<String, String> values, Redactor redactor) {
        for (ProfileInput input : manifest.inputs()) {
            if (input.sensitive()) {
                redactor.addSecret(values.get(input.name()));
            }
        }
        values.forEach((name, value) -> {
            if (Redactor.isSecretName(name)) {
                redactor.addSecret(value);
            }
        });
    }

    private static byte[] readManifest(Path root) {
        try {
            return Files.readAllBytes(root.resolve("profile.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
