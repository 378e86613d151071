package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.cache.PackageCache;
import io.productivek3s.infra.env.EnvFile;
import io.productivek3s.infra.env.EnvStack;
import io.productivek3s.infra.env.Layer;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.pkg.CompatibilityGate;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.GateResult;
import io.productivek3s.infra.pkg.InputSource;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.pkg.ProfileInput;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.scenario.BuiltInScenario;
import io.productivek3s.infra.scenario.Scenario;
import io.productivek3s.infra.scenario.ScenarioResolver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import io.productivek3s.infra.sign.Verdict;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code profile validate} (docs/contract/package.md#structural-validation): structural validation read straight from the archive stream, nothing
 * unpacked to disk. Problems that would stop an install are reported as WARN lines; the exit code stays 0 (as with
 * the bash engine) unless {@code --strict} asks for them to fail the command (docs/cli.md "Package arguments").
 */
public final class ValidateAction {
    private final EngineContext context;
    private final PackageSource source;

    public ValidateAction(EngineContext context, PackageSource source) {
        this.context = context;
        this.source = source;
    }

    /** What {@code profile validate} found; {@code problems} would stop an install of the package as-is. */
    public record Result(String name, String version, String scenario, String engine, String category, String installScript,
            String sha256, String ref, String path, List<String> warnings, List<String> problems, Verdict signature) {
        public Result {
            warnings = List.copyOf(warnings);
            problems = List.copyOf(problems);
        }
    }

    public Result run(String tgz) {
        return run(tgz, false);
    }

    /**
     * @param strict whether the caller will fail on a problem ({@code --strict}): the run then does not announce
     *               success when there is one
     */
    public Result run(String tgz, boolean strict) {
        if (tgz == null) {
            throw EngineException.missing("the 'profile validate' command requires --tgz <file>");
        }
        context.release().checkBinding();
        PackageSource.Resolved resolved = source.resolve(tgz);
        context.events().step("profile.package.extract", "running", "reading " + tgz);
        ExtractionLimits limits = ExtractionLimits.fromEnv(context.env());
        // An unchanged package validated before is not read again (its scan and digest are cached by identity).
        ProfileArchive.Scanned scanned = PackageCache.open(context.env(), context.log()::debug)
                .map(cache -> cache.scan(resolved.file(), tgz, limits))
                .orElseGet(() -> ProfileArchive.scanWithDigest(resolved.file(), tgz, limits));
        PackageListing listing = scanned.listing();
        ProfileManifest manifest = ManifestParser.parse(listing.manifest());
        context.events().subject(manifest.name());
        Log log = context.log();
        List<String> warnings = new ArrayList<>(manifest.warnings());
        manifest.warnings().forEach(log::warn);
        log.info("Profile package: " + manifest.name());
        log.info("Scenario: " + manifest.scenarioType());
        log.info("Engine: " + manifest.engineType());
        log.info("Install script: " + manifest.installScript());
        List<String> problems = executabilityProblems(listing, manifest, warnings);
        for (String problem : problems) {
            log.warn("package is not executable as-is: " + problem);
        }
        if (!strict || problems.isEmpty()) {
            context.events().step("profile.package.validate", "success", "package " + manifest.name() + " is structurally valid");
            log.ok("Profile package validation passed");
        }
        return new Result(manifest.name(), manifest.version(), manifest.scenarioType(), manifest.engineType(),
                manifest.category(), manifest.installScript(), scanned.sha256(), resolved.reference(),
                resolved.file().toAbsolutePath().normalize().toString(), warnings, problems, resolved.signature());
    }

    private List<String> executabilityProblems(PackageListing listing, ProfileManifest manifest, List<String> warnings) {
        List<String> problems = new ArrayList<>();
        Map<String, String> envValues = Map.of();
        if (listing.profileEnv().isEmpty()) {
            problems.add("profile package is missing profile.env");
        } else {
            try {
                EnvStack stack = new EnvStack(context.env(), message -> { }, false);
                EnvFile file = stack.loadText(new String(listing.profileEnv().get(), StandardCharsets.UTF_8), "profile.env", Layer.PACKAGE);
                envValues = file.values();
            } catch (EngineException e) {
                problems.add(e.getMessage());
            }
        }
        Optional<Scenario> scenario = Optional.empty();
        try {
            scenario = Optional.of(new ScenarioResolver("profile.env").resolve(manifest.scenarioType(), envValues,
                    manifest.category(), "unsupported packaged profile scenario: "));
        } catch (EngineException e) {
            problems.add(e.getMessage());
        }
        scenario.ifPresent(resolved -> {
            if (!listing.hasDirectory(resolved.path())) {
                problems.add("profile package scenario directory not found: " + resolved.path());
            }
            resolved.builtIn().filter(builtIn -> !resolved.dataDriven())
                    .filter(builtIn -> !builtIn.engines().contains(manifest.engineType()))
                    .map(BuiltInScenario::engineRuleMessage)
                    .ifPresent(rule -> problems.add(rule.replace("PK3S_INFRA_ENGINE", "spec.engine.type")));
        });
        if (!listing.hasFile(manifest.installScript())) {
            problems.add("profile package install script not found: " + manifest.installScript());
        }
        manifest.compatibility().ifPresent(spec -> {
            Optional<String> core = context.release().boundCore()
                    .or(() -> Optional.ofNullable(context.env().get("PRODUCTIVE_K3S_VERSION")).filter(v -> !v.isEmpty()));
            GateResult gate = CompatibilityGate.evaluate(manifest, context.engineVersion(), context.release().infraSemver(), core);
            gate.warnings().forEach(context.log()::warn);
            warnings.addAll(gate.warnings());
            problems.addAll(gate.violations());
        });
        if (listing.profileEnv().isPresent()) {
            List<String> missing = new ArrayList<>();
            for (ProfileInput input : manifest.inputs()) {
                if (input.required() && input.source() == InputSource.PACKAGE_DEFAULT
                        && envValues.getOrDefault(input.name(), "").isBlank()) {
                    missing.add(input.name());
                }
            }
            if (!missing.isEmpty()) {
                problems.add("required package-default inputs have no value in profile.env: " + String.join(" ", missing));
            }
        }
        return problems;
    }
}
