package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.EngineContext;
import io.productivek3s.infra.exec.Binaries;
import io.productivek3s.infra.scenario.BuiltInScenario;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.telemetry.TelemetryRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Legacy scenario aliases {@code <alias> [target] [make-args…]} (contract §21.5): make in the checkout's scenario
 * directory with the target (default {@code up}) and every further positional forwarded verbatim. No profile is
 * read and no env-file variable is set; the environment is the process plus binding and telemetry.
 */
public final class LegacyDispatch {
    /** Targets that create or remove infrastructure, so their runs emit telemetry (§16.2; {@code down} [Fixed]). */
    private static final Set<String> EMITTING_TARGETS = Set.of("up", "destroy", "down");

    private final EngineContext context;
    private final Telemetry telemetry;

    public LegacyDispatch(EngineContext context, Telemetry telemetry) {
        this.context = context;
        this.telemetry = telemetry;
    }

    /**
     * @param positionals the whole command line's positionals: alias, optional target, make arguments
     * @param dryRun      runs {@code make -n} and sends no telemetry: --dry-run never mutates (D31)
     */
    public int run(List<String> positionals, boolean dryRun) {
        String alias = positionals.get(0);
        BuiltInScenario scenario = BuiltInScenario.lookup(alias)
                .orElseThrow(() -> new IllegalArgumentException("not a scenario alias: " + alias));
        Optional<String> given = positionals.size() > 1 ? Optional.of(positionals.get(1)) : Optional.empty();
        String target = given.orElse("up");
        context.release().checkBinding();
        context.events().started("scenario." + target, scenario.type());
        ProfilesCheckout checkout = ProfilesCheckout.require(context, alias);
        Path dir = checkout.scenarioDir(scenario.path());
        Binaries binaries = new Binaries(context.env());
        List<String> argv = new ArrayList<>();
        argv.add(binaries.require(binaries.sourceMakeName()).toString());
        if (dryRun) {
            context.log().info("Dry-run requested; running make -n for target: " + target);
            argv.add("-n");
        }
        argv.add("-C");
        argv.add(dir.toString());
        argv.add(target);
        argv.addAll(positionals.subList(Math.min(2, positionals.size()), positionals.size()));

        boolean emitting = !dryRun && (given.isEmpty() || EMITTING_TARGETS.contains(target));
        TelemetryRun telemetryRun = telemetry.begin(new Telemetry.Command(alias, scenario.type()), Optional.empty(), emitting);
        int exitCode = EngineException.RUNTIME;
        try {
            Map<String, String> env = new LinkedHashMap<>(context.env());
            context.release().boundCore().ifPresent(bound -> {
                env.put("PRODUCTIVE_K3S_SOURCE", "remote");
                env.put("PRODUCTIVE_K3S_VERSION", bound);
            });
            exitCode = new Children(context).runAll(List.of(new Children.Child(argv, "profile.make.run", Children.makeTarget(target))),
                    Children.withTelemetry(env, telemetryRun, context.env()));
        } catch (EngineException e) {
            exitCode = e.exitCode();
            throw e;
        } finally {
            telemetry.end(telemetryRun, exitCode);
        }
        context.events().completed(exitCode, exitCode == 0 ? target + " succeeded" : target + " failed with exit code " + exitCode);
        return exitCode;
    }
}
