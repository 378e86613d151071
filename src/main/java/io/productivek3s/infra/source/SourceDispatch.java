package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.ChildCommands;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.TelemetryBracket;
import io.productivek3s.infra.run.Workspace;
import io.productivek3s.infra.core.CoreDefaults;
import io.productivek3s.infra.core.CoreSettings;
import io.productivek3s.infra.env.NormalizedEnvFile;
import io.productivek3s.infra.exec.Binaries;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.scenario.Scenario;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.telemetry.TelemetryRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code validate-profile}, {@code validate|plan|apply|destroy|status --profile F} and their {@code dev profile}
 * forms (docs/contract/source.md#source-profile-contract, docs/contract/source.md#source-dispatch): contract check, target mapping, checkout and scenario directory, the three INFO
 * lines, then make or OpenTofu in the checkout's scenario with the profile's variables. Every check runs before
 * the first side effect; the normalized env file lives in a private temp directory removed on every path.
 */
public final class SourceDispatch {
    private final EngineContext context;
    private final Telemetry telemetry;
    private final Log log;

    public SourceDispatch(EngineContext context, Telemetry telemetry) {
        this.context = context;
        this.telemetry = telemetry;
        this.log = context.log();
    }

    /** {@code validate-profile} and {@code dev profile validate}: the contract check only, no checkout needed. */
    public int validateProfile(SourceCommand command, String profileArg) {
        if (profileArg == null) {
            throw EngineException.missing(command.requiresProfileMessage());
        }
        context.events().started(command.operation(), profileArg);
        SourceProfile profile = new SourceContract(context).load(profileArg);
        announce(profile);
        log.ok("Profile validation passed");
        context.events().completed(0, "profile validation passed");
        return 0;
    }

    public int run(SourceCommand command, String profileArg, boolean dryRun) {
        if (profileArg == null) {
            throw EngineException.missing(command.requiresProfileMessage());
        }
        context.events().started(command.operation(), profileArg);
        SourceProfile profile = new SourceContract(context).load(profileArg);
        Scenario scenario = profile.scenario();
        if (command.action().equals("destroy") && scenario.destroyTarget().isEmpty()) {
            throw EngineException.usage("unsupported command 'destroy' for scenario '" + scenario.type() + "'");
        }
        CoreSettings core = CoreSettings.resolve(context.release().boundCore(),
                name -> Optional.ofNullable(profile.values().get(name)), context.env(), CoreDefaults.from(context.env())).validate();
        ProfilesCheckout checkout = ProfilesCheckout.require(context, command.token());
        Path scenarioDir = checkout.scenarioDir(scenario.path());
        announce(profile);
        log.ok("Profile validation passed"); // docs/contract/output.md#progress-lines, docs/contract/source.md#source-dispatch: dispatch announces like validate-profile, as bash does
        List<Children.Child> children = children(command.action(), profile, scenarioDir, dryRun);
        // Before the prompt, telemetry and children: an environment the kernel would refuse is an input error now.
        Map<String, String> planned = ChildCommands.baseEnvironment(context.env());
        planned.putAll(profile.values());
        io.productivek3s.infra.exec.ExecLimits.current().check(List.of(), planned, 32 * 1024);

        int exitCode = TelemetryBracket.around(telemetry, new Telemetry.Command(command.token(), scenario.type()),
                profile.telemetryChoice(), command.emitsTelemetry(dryRun), telemetryRun -> {
                    try (Workspace workspace = Workspace.create(context.env())) {
                        Map<String, String> env = childEnvironment(profile, core, telemetryRun, workspace.dir());
                        debugEnvironment(profile, env);
                        return new Children(context).runAll(children, env);
                    }
                });
        context.events().completed(exitCode, exitCode == 0
                ? command.action() + " succeeded" : command.action() + " failed with exit code " + exitCode);
        return exitCode;
    }

    private void announce(SourceProfile profile) {
        log.info("Loading profile: " + profile.displayPath());
        log.info("Scenario: " + profile.scenario().type());
        log.info("Engine: " + profile.engine());
    }

    /** The docs/contract/source.md#source-dispatch action table; binaries are looked up here so a missing tool is exit 5 before anything starts. */
    private List<Children.Child> children(String action, SourceProfile profile, Path dir, boolean dryRun) {
        Scenario scenario = profile.scenario();
        switch (action) {
            case "validate":
                return List.of(make(dir, "validate", false));
            case "status":
                return List.of(make(dir, scenario.statusTarget(), false));
            case "apply":
                if (dryRun) {
                    log.info("Dry-run requested; switching apply to plan");
                    return plan(profile, dir);
                }
                return List.of(make(dir, scenario.applyTarget(), false));
            case "destroy":
                String target = scenario.destroyTarget().orElseThrow();
                if (dryRun) {
                    log.info("Dry-run requested; running destroy target with make -n");
                }
                return List.of(make(dir, target, dryRun));
            case "plan":
                return plan(profile, dir);
            default:
                throw new IllegalArgumentException("not a source dispatch action: " + action);
        }
    }

    private List<Children.Child> plan(SourceProfile profile, Path dir) {
        if (!profile.engine().equals("opentofu")) {
            Children.Child child = make(dir, profile.scenario().applyTarget(), true);
            log.info("Plan mode delegates to 'make -n' for the current remote backend contract");
            return List.of(child);
        }
        Path tofuDir = ChildCommands.tofuDirectory(dir);
        Path tofu = new Binaries(context.env()).requireTofu();
        log.info("Running OpenTofu plan in " + tofuDir);
        return ChildCommands.tofuPlan(tofu, tofuDir).stream().map(step -> Children.of(step, "profile.tofu.run")).toList();
    }

    private Children.Child make(Path dir, String target, boolean dryRun) {
        Binaries binaries = new Binaries(context.env());
        return Children.of(ChildCommands.make(binaries.require(binaries.sourceMakeName()), dryRun, dir, target, List.of()),
                "profile.make.run");
    }

    /**
     * docs/contract/runs.md#environment, source column: the process environment, every profile variable, effective Core settings, the profile
     * name, telemetry, and the scenario's env-file variable pointing at a make-safe copy of the profile (docs/contract/env-files.md#make-safe-env-file):
     * make {@code -include}s that file, so it never sees the raw one.
     */
    private Map<String, String> childEnvironment(SourceProfile profile, CoreSettings core, TelemetryRun telemetryRun, Path workDir) {
        Map<String, String> env = ChildCommands.baseEnvironment(context.env());
        env.putAll(profile.values());
        env.put("PRODUCTIVE_K3S_SOURCE", core.source());
        if (!core.version().isEmpty()) {
            env.put("PRODUCTIVE_K3S_VERSION", core.version());
        }
        env.put("PRODUCTIVE_K3S_RELEASE_REPO", core.releaseRepo());
        env.put("PK3S_INFRA_PROFILE_NAME", profile.name());
        env = ChildCommands.withTelemetry(env, telemetryRun, context.env());
        Optional<String> variable = profile.scenario().envFileVariable();
        if (variable.isPresent()) {
            Path normalized = workDir.resolve(profile.file().getFileName().toString());
            Map<String, String> values = new LinkedHashMap<>();
            for (String name : profile.values().keySet()) {
                if (env.containsKey(name)) {
                    values.put(name, env.get(name));
                }
            }
            try {
                NormalizedEnvFile.write(normalized, values);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the normalized profile env file", e);
            }
            env.put(variable.get(), normalized.toString());
        }
        return env;
    }

    private void debugEnvironment(SourceProfile profile, Map<String, String> env) {
        if (!log.debugEnabled()) {
            return;
        }
        for (String name : profile.values().keySet()) {
            log.debug("env " + name + "=" + log.redactor().display(name, env.get(name)));
        }
    }
}
