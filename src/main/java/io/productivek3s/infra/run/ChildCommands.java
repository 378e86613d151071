package io.productivek3s.infra.run;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.state.backends.StateBackends;
import io.productivek3s.infra.state.crypto.StateKeys;
import io.productivek3s.infra.telemetry.TelemetryRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The child command lines and environment that package and source runs share (docs/contract/runs.md#command-lines-and-working-directories, docs/contract/runs.md#environment, docs/contract/runs.md#plan,
 * docs/contract/source.md#source-dispatch), built in one place so a fix to either lands once.
 */
public final class ChildCommands {
    private ChildCommands() {
    }

    /**
     * The engine's environment as every child's base (docs/contract/runs.md#environment), minus the state backend's credentials: with a
     * PostgreSQL backend, {@code PGPASSWORD} and a {@code PK3S_STATE_BACKEND} that embeds a password are the engine's
     * alone; a packaged scenario is someone else's code and never needs them (docs/state.md). The same holds for the
     * state encryption variables with any backend: they are paths, not keys, but a scenario has no business knowing
     * where the keys are (docs/state.md "Encryption at rest").
     */
    public static Map<String, String> baseEnvironment(Map<String, String> engineEnv) {
        Map<String, String> env = new LinkedHashMap<>(engineEnv);
        StateBackends.credentialVariables(engineEnv).forEach(env::remove);
        StateKeys.VARIABLES.forEach(env::remove);
        return env;
    }

    /** One child: its argv (absolute binary first) and how a failure names it (docs/contract/output.md#child-failure-line). */
    public record Step(List<String> argv, String what) {
        public Step {
            argv = List.copyOf(argv);
        }
    }

    /** {@code <make> [-n] -C <dir> <target> [extra…]}. */
    public static Step make(Path make, boolean dryRun, Path dir, String target, List<String> extra) {
        List<String> argv = new ArrayList<>();
        argv.add(make.toString());
        if (dryRun) {
            argv.add("-n");
        }
        argv.add("-C");
        argv.add(dir.toString());
        argv.add(target);
        argv.addAll(extra);
        return new Step(argv, makeTarget(target));
    }

    public static String makeTarget(String target) {
        return "scenario make target '" + target + "'";
    }

    /** {@code <scenario dir>/opentofu}; exit 1 when the scenario has none (docs/contract/output.md#dependencies-exit-5-and-runtime-exit-1). */
    public static Path tofuDirectory(Path scenarioDir) {
        Path dir = scenarioDir.resolve("opentofu");
        if (!Files.isDirectory(dir)) {
            throw EngineException.runtime("opentofu directory not found: " + dir);
        }
        return dir;
    }

    /** OpenTofu plan: {@code init -backend=false}, then {@code plan} (run only after a successful init). */
    public static List<Step> tofuPlan(Path tofu, Path dir) {
        return List.of(new Step(List.of(tofu.toString(), "-chdir=" + dir, "init", "-backend=false"), "OpenTofu init"),
                new Step(List.of(tofu.toString(), "-chdir=" + dir, "plan"), "OpenTofu plan"));
    }

    /** {@code base} with the 13 telemetry variables of docs/telemetry.md#children applied ({@code null} removes a variable). */
    public static Map<String, String> withTelemetry(Map<String, String> base, TelemetryRun run, Map<String, String> incoming) {
        Map<String, String> env = new LinkedHashMap<>(base);
        run.childVariables(base, incoming).forEach((name, value) -> {
            if (value == null) {
                env.remove(name);
            } else {
                env.put(name, value);
            }
        });
        return env;
    }
}
