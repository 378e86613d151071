package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.ChildCommands;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.TelemetryBracket;
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
 * Legacy scenario aliases {@code <alias> [target] [make-args…]} (docs/contract/source.md#legacy-scenario-aliases): make in the checkout's scenario
 * directory with the target (default {@code up}) and every further positional forwarded verbatim. No profile is
 * read and no env-file variable is set; the environment is the process plus binding and telemetry.
 */
public final class LegacyDispatch {
    /** Targets that create or remove infrastructure, so their runs emit telemetry (docs/telemetry.md#who-decides; {@code down} [Fixed]). */
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
        Path makeBin = binaries.require(binaries.sourceMakeName());
        if (dryRun) {
            context.log().info("Dry-run requested; running make -n for target: " + target);
        }
        ChildCommands.Step make = ChildCommands.make(makeBin, dryRun, dir, target,
                positionals.subList(Math.min(2, positionals.size()), positionals.size()));

        boolean emitting = !dryRun && (given.isEmpty() || EMITTING_TARGETS.contains(target));
        int exitCode = TelemetryBracket.around(telemetry, new Telemetry.Command(alias, scenario.type()), Optional.empty(), emitting,
                telemetryRun -> {
                    Map<String, String> env = ChildCommands.baseEnvironment(context.env());
                    context.release().boundCore().ifPresent(bound -> {
                        env.put("PRODUCTIVE_K3S_SOURCE", "remote");
                        env.put("PRODUCTIVE_K3S_VERSION", bound);
                    });
                    return new Children(context).runAll(List.of(Children.of(make, "profile.make.run")),
                            ChildCommands.withTelemetry(env, telemetryRun, context.env()));
                });
        context.events().completed(exitCode, exitCode == 0 ? target + " succeeded" : target + " failed with exit code " + exitCode);
        return exitCode;
    }
}
