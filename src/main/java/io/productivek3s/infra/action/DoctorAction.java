package io.productivek3s.infra.action;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.env.EnvFile;
import io.productivek3s.infra.env.EnvStack;
import io.productivek3s.infra.env.Layer;
import io.productivek3s.infra.exec.Binaries;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.pkg.CompatibilityGate;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.GateResult;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.pkg.TestedWith;
import io.productivek3s.infra.scenario.BuiltInScenario;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code doctor [--tgz P] [--profile F]} (contract §20): read-only host and package checks. Never modifies
 * anything, never prompts, sends no telemetry.
 */
public final class DoctorAction {
    private final EngineContext context;
    private final PackageSource source;
    private final SourceProfileCheck sourceCheck;

    public DoctorAction(EngineContext context, PackageSource source, SourceProfileCheck sourceCheck) {
        this.context = context;
        this.source = source;
        this.sourceCheck = sourceCheck;
    }

    /** Validates a source profile for doctor; returns its normalized scenario and engine. */
    public interface SourceProfileCheck {
        record Summary(String scenario, String engine) {
        }

        Summary check(String profile);
    }

    public int run(String tgz, String profile, String envFile) {
        Log log = context.log();
        Binaries binaries = new Binaries(context.env());
        binaries.require("bash");
        String make = binaries.packageMakeName();
        binaries.require(make);
        context.release().checkBinding();
        log.ok("bash is available");
        log.ok(make + " is available");
        log.ok("java runtime " + context.build().javaVersion() + " is available");
        String checkout = context.env().getOrDefault("PRODUCTIVE_K3S_PROFILES_REPO_DIR", "");
        if (!checkout.isEmpty() && Files.isDirectory(context.paths().resolve(checkout).resolve("profiles"))) {
            log.ok("productive-k3s-profiles checkout found: " + checkout);
        } else {
            log.warn("productive-k3s-profiles checkout not configured; set PRODUCTIVE_K3S_PROFILES_REPO_DIR for source-based commands");
        }
        if (profile != null) {
            SourceProfileCheck.Summary summary = sourceCheck.check(profile);
            log.ok("Profile file is readable: " + profile);
            log.ok("Profile scenario: " + summary.scenario());
            log.ok("Profile engine: " + summary.engine());
            checkEngineTools(binaries, summary.engine());
        }
        if (tgz != null) {
            checkPackage(tgz, envFile, binaries);
        }
        return 0;
    }

    private void checkPackage(String tgz, String envFile, Binaries binaries) {
        Log log = context.log();
        PackageSource.Resolved resolved = source.resolve(tgz);
        PackageListing listing = ProfileArchive.scan(resolved.file(), tgz, ExtractionLimits.fromEnv(context.env()));
        ProfileManifest manifest = ManifestParser.parse(listing.manifest());
        manifest.warnings().forEach(log::warn);
        log.ok("Profile package: " + manifest.name() + " " + Optional.ofNullable(manifest.version()).orElse(""));
        String scenario = BuiltInScenario.lookup(manifest.scenarioType()).map(BuiltInScenario::type).orElse(manifest.scenarioType());
        log.ok("Profile scenario: " + scenario);
        log.ok("Profile engine: " + manifest.engineType());
        manifest.compatibility().ifPresent(spec -> {
            Optional<String> core = context.release().boundCore()
                    .or(() -> Optional.ofNullable(context.env().get("PRODUCTIVE_K3S_VERSION")).filter(v -> !v.isEmpty()));
            GateResult gate = CompatibilityGate.evaluate(manifest, context.engineVersion(), context.release().infraSemver(), core);
            gate.warnings().forEach(log::warn);
            if (!gate.violations().isEmpty()) {
                throw EngineException.invalid(gate.violations().get(0));
            }
            log.ok("Profile compatibility: " + (spec.contract() == null ? "profile/v1" : spec.contract()) + " satisfied");
            for (TestedWith tested : spec.testedWith()) {
                log.info("Tested with infra " + tested.release() + " and core " + tested.core());
            }
        });
        checkEngineTools(binaries, manifest.engineType());
        String override = envFile != null ? envFile : context.env().getOrDefault("PK3S_PROFILE_OVERRIDE_ENV_FILE", "");
        if (!override.isEmpty()) {
            Path path = context.paths().resolveExisting(override);
            if (!Files.isRegularFile(path)) {
                throw EngineException.invalid("override env file not found: " + override);
            }
            EnvStack stack = new EnvStack(context.env(), log::warn, false);
            if (listing.profileEnv().isPresent()) {
                stack.loadText(new String(listing.profileEnv().get(), StandardCharsets.UTF_8), "profile.env", Layer.PACKAGE);
            }
            EnvFile overrideFile = stack.load(path, override, Layer.OVERRIDE);
            InputCheck.check(manifest.inputs(), Optional.of(overrideFile), stack::effective);
            log.ok("Required profile inputs are provided");
        }
    }

    private void checkEngineTools(Binaries binaries, String engine) {
        if (engine.equals("opentofu")) {
            binaries.requireTofu();
            context.log().ok("OpenTofu-compatible binary is available");
        } else {
            binaries.require("ssh");
            context.log().ok("ssh is available for remote-oriented profile validation");
        }
    }
}
