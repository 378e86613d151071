package io.productivek3s.infra.action;

import io.productivek3s.infra.sign.Verdict;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.Workspace;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.env.Layer;
import io.productivek3s.infra.env.Origin;
import io.productivek3s.infra.log.Redactor;
import io.productivek3s.infra.pkg.InputSource;
import io.productivek3s.infra.pkg.ProfileInput;
import io.productivek3s.infra.pkg.ProfileManifest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code profile show --tgz F [--env-file E]}: what a run of the package would see, without running anything or
 * touching state. It goes through the install's own {@link PackagePrelude} in a private temp dir, so the merged
 * values and their provenance are exactly the run's; sensitive values are masked.
 */
public final class ProfileShowAction {
    private static final List<String> CORE_KEYS = List.of("PRODUCTIVE_K3S_SOURCE", "PRODUCTIVE_K3S_VERSION", "PRODUCTIVE_K3S_RELEASE_REPO");

    private final EngineContext context;
    private final PackageSource source;

    public ProfileShowAction(EngineContext context, PackageSource source) {
        this.context = context;
        this.source = source;
    }

    /** One declared input and whether the run would accept it (docs/contract/env-files.md#rules). */
    public record Input(String name, boolean required, boolean sensitive, String source, String description,
            boolean satisfied, String value, String origin) {
    }

    /**
     * One merged variable: its value (masked when sensitive) and where it comes from.
     *
     * @param layer  {@code package}, {@code override}, {@code release}, {@code process} or {@code default}
     * @param file   the file as the user named it, or null
     * @param line   1-based line of the assignment, 0 when none applies
     */
    public record Variable(String name, String value, boolean masked, String layer, String file, int line, String origin) {
    }

    public record Result(ProfileManifest manifest, String scenario, String sha256, String packageRef, String packagePath,
            String overrideFile,
            List<Input> inputs, List<Variable> env, Verdict signature) {
        public Result {
            inputs = List.copyOf(inputs);
            env = List.copyOf(env);
        }

        public boolean ready() {
            return inputs.stream().allMatch(input -> input.satisfied() || !input.required());
        }
    }

    public Result run(String tgz, String envFile) {
        if (tgz == null) {
            throw EngineException.missing("the 'profile show' command requires --tgz <file>");
        }
        context.release().checkBinding();
        PackageRequest request = new PackageRequest("show", tgz, envFile, false);
        PackageSource.Resolved resolved = source.resolve(tgz);
        try (Workspace workspace = Workspace.create(context.env())) {
            PreparedPackage prepared = new PackagePrelude(context).prepare(request, resolved, workspace);
            Map<String, Variable> variables = new LinkedHashMap<>();
            prepared.fileValues().forEach((name, value) -> variables.put(name, variable(prepared, name, value,
                    prepared.origins().getOrDefault(name, Origin.process()))));
            for (String key : CORE_KEYS) {
                String value = prepared.childEnv().get(key);
                if (!variables.containsKey(key) && value != null) {
                    boolean fromProcess = value.equals(context.env().get(key));
                    variables.put(key, fromProcess ? variable(prepared, key, value, Origin.process())
                            : new Variable(key, value, false, "default", null, 0, "engine default"));
                }
            }
            List<Input> inputs = new ArrayList<>();
            for (ProfileInput input : prepared.manifest().inputs()) {
                Optional<Variable> assigned = Optional.ofNullable(variables.get(input.name()));
                String processValue = context.env().get(input.name());
                if (assigned.isEmpty() && processValue != null) {
                    Variable fromProcess = variable(prepared, input.name(), processValue, Origin.process());
                    variables.put(input.name(), fromProcess);
                    assigned = Optional.of(fromProcess);
                }
                inputs.add(new Input(input.name(), input.required(), input.sensitive(), input.source().wireName(),
                        input.description(), satisfied(prepared, input), assigned.map(Variable::value).orElse(null),
                        assigned.map(Variable::origin).orElse(null)));
            }
            String override = prepared.override().isPresent() ? (envFile != null ? envFile
                    : context.env().get("PK3S_PROFILE_OVERRIDE_ENV_FILE")) : null;
            return new Result(prepared.manifest(), prepared.scenario().type(), prepared.sha256(), prepared.source().reference(),
                    prepared.source().file().toAbsolutePath().normalize().toString(), override, inputs,
                    List.copyOf(variables.values()), prepared.source().signature());
        }
    }

    /** The rule of {@link InputCheck}: local-override inputs from the override file itself, others from any layer. */
    private static boolean satisfied(PreparedPackage prepared, ProfileInput input) {
        if (input.source() == InputSource.LOCAL_OVERRIDE) {
            return prepared.override().map(file -> file.assignsNonBlank(input.name())).orElse(false);
        }
        return !prepared.childEnv().getOrDefault(input.name(), "").isBlank();
    }

    private static Variable variable(PreparedPackage prepared, String name, String value, Origin origin) {
        boolean sensitive = Redactor.isSecretName(name)
                || prepared.manifest().inputs().stream().anyMatch(input -> input.name().equals(name) && input.sensitive());
        boolean masked = sensitive && !value.isEmpty();
        String layer = origin.layer() == Layer.PROCESS ? "process" : origin.layer().label();
        return new Variable(name, masked ? Redactor.MASK : value, masked, layer, origin.file(), origin.line(), origin.describe());
    }
}
