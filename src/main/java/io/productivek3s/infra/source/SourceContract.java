package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.env.EnvStack;
import io.productivek3s.infra.env.EnvValue;
import io.productivek3s.infra.env.Layer;
import io.productivek3s.infra.env.Origin;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.log.Redactor;
import io.productivek3s.infra.pkg.InputSource;
import io.productivek3s.infra.pkg.InstallScriptPath;
import io.productivek3s.infra.pkg.ProfileInput;
import io.productivek3s.infra.scenario.BuiltInScenario;
import io.productivek3s.infra.scenario.Scenario;
import io.productivek3s.infra.scenario.ScenarioResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The source profile contract (docs/contract/source.md#source-profile-contract), shared by {@code validate-profile}, source dispatch, {@code doctor
 * --profile} and normalization: the file is evaluated declaratively (docs/contract/env-files.md), bound Core values are re-imposed, then
 * the checks run in the documented order and the first failure is an exit-4 error.
 */
public final class SourceContract {
    public static final String DEFAULT_INSTALL_SCRIPT = "scripts/install.sh";

    private static final Set<String> ENGINES = Set.of("opentofu", "ansible", "shell");
    private static final List<String> ONPREM_REQUIRED = List.of("ONPREM_SERVER_IP", "ONPREM_SSH_USER", "ONPREM_SSH_KEY_PATH");
    private static final Map<BuiltInScenario, List<String>> REQUIRED = Map.of(
            BuiltInScenario.MULTIPASS, List.of("TF_VAR_cluster_name", "TF_VAR_image", "TF_VAR_base_domain", "TF_VAR_remote_dir",
                    "TF_VAR_server_cpus", "TF_VAR_server_memory", "TF_VAR_server_disk", "TF_VAR_agent_cpus",
                    "TF_VAR_agent_memory", "TF_VAR_agent_disk"),
            BuiltInScenario.ONPREM_BASIC, ONPREM_REQUIRED,
            BuiltInScenario.ONPREM_BASIC_ARM, ONPREM_REQUIRED,
            BuiltInScenario.AWS_SINGLE_NODE, List.of("AWS_REGION", "AWS_CLUSTER_NAME", "AWS_INSTANCE_TYPE", "AWS_SSH_USER",
                    "AWS_SSH_KEY_PATH", "AWS_ROOT_VOLUME_SIZE_GB"));
    /** Alternative spellings a required variable may be given under; the message names the primary one. */
    private static final Map<String, String> ALIASES = Map.of("ONPREM_SSH_KEY_PATH", "ONPREM_SSH_PRIVATE_KEY_PATH");

    private final EngineContext context;

    public SourceContract(EngineContext context) {
        this.context = context;
    }

    /** What the checks establish about a profile. */
    public record Checked(String name, String engine, Scenario scenario, String installScript) {
    }

    /**
     * Release binding, file presence (exit 3 {@code profile not found}), evaluation, then {@link #check}.
     *
     * @param profileArg the {@code --profile} value as given
     */
    public SourceProfile load(String profileArg) {
        context.release().checkBinding();
        Path file = context.paths().resolveExisting(profileArg);
        if (!Files.isRegularFile(file)) {
            throw EngineException.missing("profile not found: " + profileArg);
        }
        Map<String, String> values = evaluate(file, profileArg);
        Optional<Sidecar> sidecar = Sidecar.forProfile(file, profileArg);
        Checked checked = check(values, name -> effective(values, name), sidecar.map(Sidecar::declaredInputs).orElse(List.of()));
        registerSecrets(values, sidecar, context.log().redactor());
        return new SourceProfile(profileArg, file, values, checked.name(), checked.engine(), checked.scenario(),
                checked.installScript(), sidecar);
    }

    /**
     * Step 2 of docs/contract/source.md#source-profile-contract over evaluated values. Structural keys come from the profile itself; required variables may
     * also come from the process environment, as when the bash engine sourced the profile into its own shell.
     *
     * @param values        the profile's own assignments
     * @param effective     profile value, else process value
     * @param sidecarInputs inputs declared by the sidecar (used by data-driven profiles)
     */
    public static Checked check(Map<String, String> values, Function<String, Optional<String>> effective, List<ProfileInput> sidecarInputs) {
        String name = requiredKey(values, "PK3S_INFRA_PROFILE_NAME");
        String engine = requiredKey(values, "PK3S_INFRA_ENGINE");
        String type = requiredKey(values, "PK3S_INFRA_SCENARIO");
        Scenario scenario = new ScenarioResolver("profile.env").resolve(type, values, null, "unsupported PK3S_INFRA_SCENARIO: ");
        String installScript = installScript(values);
        if (!ENGINES.contains(engine)) {
            throw EngineException.invalid("unsupported PK3S_INFRA_ENGINE: " + engine);
        }
        Optional<BuiltInScenario> builtIn = scenario.builtIn();
        if (builtIn.isPresent() && !builtIn.get().engines().contains(engine)) {
            throw EngineException.invalid(builtIn.get().engineRuleMessage());
        }
        for (String variable : requiredVariables(scenario, sidecarInputs)) {
            if (blank(effective, variable) && (!ALIASES.containsKey(variable) || blank(effective, ALIASES.get(variable)))) {
                throw missingVariable(variable);
            }
        }
        return new Checked(name, engine, scenario, installScript);
    }

    private static List<String> requiredVariables(Scenario scenario, List<ProfileInput> sidecarInputs) {
        if (!scenario.dataDriven()) {
            return REQUIRED.get(scenario.builtIn().orElseThrow());
        }
        List<String> names = new ArrayList<>();
        for (ProfileInput input : sidecarInputs) {
            if (input.required() && input.source() != InputSource.LOCAL_OVERRIDE) {
                names.add(input.name());
            }
        }
        return names;
    }

    private static String installScript(Map<String, String> values) {
        String value = values.getOrDefault("PK3S_INFRA_INSTALL_SCRIPT", "");
        if (value.isEmpty()) {
            return DEFAULT_INSTALL_SCRIPT;
        }
        return InstallScriptPath.normalized(value)
                .orElseThrow(() -> EngineException.invalid("invalid PK3S_INFRA_INSTALL_SCRIPT in profile.env: " + value));
    }

    private static String requiredKey(Map<String, String> values, String key) {
        String value = values.getOrDefault(key, "");
        if (value.isBlank()) {
            throw missingVariable(key);
        }
        return value;
    }

    private static boolean blank(Function<String, Optional<String>> effective, String name) {
        return effective.apply(name).map(String::isBlank).orElse(true);
    }

    private static EngineException missingVariable(String name) {
        return EngineException.invalid("profile is missing required variable: " + name);
    }

    private Optional<String> effective(Map<String, String> values, String name) {
        return Optional.ofNullable(values.containsKey(name) ? values.get(name) : context.env().get(name));
    }

    /** Evaluates the profile over the process environment; on a bound release Core source/version stay bound. */
    private Map<String, String> evaluate(Path file, String profileArg) {
        Log log = context.log();
        Optional<String> bound = context.release().boundCore();
        EnvStack stack = new EnvStack(context.env(), log::warn, "bash".equals(context.env().get("PK3S_INFRA_ENV_EVAL")));
        if (bound.isPresent()) {
            stack.setGuard((name, value, origin) -> {
                if (!name.equals("PRODUCTIVE_K3S_SOURCE") && !name.equals("PRODUCTIVE_K3S_VERSION")) {
                    return true;
                }
                String forced = name.equals("PRODUCTIVE_K3S_SOURCE") ? "remote" : bound.get();
                if (!Release.stripV(value).equals(forced)) {
                    log.warn("release " + context.engineVersion() + " is bound to productive-k3s " + bound.get()
                            + "; ignoring " + name + "=" + value + " from " + origin.file());
                }
                return false;
            });
            Origin binding = new Origin(Layer.RELEASE, Release.RELEASE_ENV, 0);
            stack.pin("PRODUCTIVE_K3S_SOURCE", "remote", binding);
            stack.pin("PRODUCTIVE_K3S_VERSION", bound.get(), binding);
        }
        stack.load(file, profileArg, Layer.SOURCE);
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, EnvValue> entry : stack.fileValues().entrySet()) {
            values.put(entry.getKey(), entry.getValue().value());
        }
        return values;
    }

    private static void registerSecrets(Map<String, String> values, Optional<Sidecar> sidecar, Redactor redactor) {
        values.forEach((name, value) -> {
            if (Redactor.isSecretName(name)) {
                redactor.addSecret(value);
            }
        });
        sidecar.ifPresent(s -> s.declaredInputs().stream().filter(ProfileInput::sensitive)
                .forEach(input -> redactor.addSecret(values.get(input.name()))));
    }
}
