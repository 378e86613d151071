package io.productivek3s.infra.export;

import io.productivek3s.infra.core.Release;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.paths.CallerPaths;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.telemetry.Consent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Builds a self-contained installer bundle from a package (docs/export.md): validates the package like
 * {@code profile validate} (the bash engine bundled any file, D20), checks the override file, refuses unsafe outputs
 * (D14), then stages the bundle and publishes it atomically. No telemetry and no state access.
 *
 * <p>Used by {@code profile export --tgz} and, after normalizing a source profile into a package, by
 * {@code export --profile} and {@code dev profile export} ({@link SubjectKind#SOURCE_PROFILE}).
 */
public final class BundleExporter {
    private final Map<String, String> env;
    private final Release release;
    private final Path installRoot;
    private final CallerPaths paths;
    private final OperationEvents events;
    private final Clock clock;
    private final Consumer<String> warn;
    private final Supplier<EngineFiles> engine;

    /**
     * @param env         the engine environment (process + release.env)
     * @param installRoot the exporting engine's install root ({@code scripts/release.env})
     * @param warn        receives WARN texts (manifest warnings, telemetry value, cleanup problems)
     * @param engine      locates the running engine's files; asked only once the export is valid
     */
    public BundleExporter(Map<String, String> env, Release release, Path installRoot, CallerPaths paths,
            OperationEvents events, Clock clock, Consumer<String> warn, Supplier<EngineFiles> engine) {
        this.env = Map.copyOf(env);
        this.release = release;
        this.installRoot = installRoot;
        this.paths = paths;
        this.events = events;
        this.clock = clock;
        this.warn = warn;
        this.engine = engine;
    }

    /** Exports {@code request}; failures are one-line {@link io.productivek3s.infra.EngineException}s, nothing is left behind. */
    public ExportResult export(ExportRequest request) {
        String packageLabel = request.subjectKind() == SubjectKind.PROFILE_TGZ ? request.subjectRef() : request.packageFile().toString();
        events.step("profile.package.extract", "running", "reading " + packageLabel);
        PackageListing listing = ProfileArchive.scan(request.packageFile(), packageLabel, ExtractionLimits.fromEnv(env));
        ProfileManifest manifest = ManifestParser.parse(listing.manifest());
        events.subject(manifest.name());
        manifest.warnings().forEach(warn);
        events.step("profile.package.validate", "success", "package " + manifest.name() + " is structurally valid");

        Optional<OverrideFile> override = OverrideFile.select(request.envFile(), env, paths);
        List<String> sensitive = override.map(file -> file.sensitiveInputs(manifest, "bash".equals(env.get("PK3S_INFRA_ENV_EVAL"))))
                .orElse(List.of());
        boolean telemetry = telemetryChoice();

        EngineFiles files = engine.get();
        Path target = paths.resolve(request.output());
        List<Path> inputs = new ArrayList<>(List.of(request.packageFile()));
        override.ifPresent(file -> inputs.add(file.path()));
        OutputPlan plan = OutputPlan.decide(target, request.output(), request.force(),
                ProtectedLocations.of(env, paths.baseDir(), installRoot, files, inputs));

        events.step("profile.export.write", "running", "writing bundle to " + request.output());
        BundleWriter writer = new BundleWriter(files, installRoot, release);
        Instant createdAt = Instant.now(clock);
        AtomicReference<String> bundledSha256 = new AtomicReference<>();
        try {
            new BundlePublisher(warn).publish(plan, dir -> writer.write(dir, request.packageFile(), request.signature(), override.map(OverrideFile::path),
                    telemetry, sha256 -> {
                        bundledSha256.set(sha256); // the run's document names the bundled package by this digest
                        return new BundleFacts(request.subjectKind(), request.subjectRef(), manifest, sha256,
                                release.engineVersion(), release.boundCore(), override.isPresent(), sensitive,
                                files.runtime().isPresent(), createdAt);
                    }), override.isPresent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write export output " + request.output(), e);
        }
        events.step("profile.export.write", "success", "bundle written to " + request.output());
        return new ExportResult(target, manifest, bundledSha256.get(), request.subjectRef(),
                request.packageFile().toAbsolutePath().normalize().toString(), sensitive);
    }

    /** The exporting environment's TELEMETRY_ENABLED, normalized (docs/telemetry.md#who-decides): unset means false, an invalid value too, with a WARN. */
    private boolean telemetryChoice() {
        String value = env.getOrDefault("TELEMETRY_ENABLED", "");
        if (value.isEmpty()) {
            return false;
        }
        Optional<Boolean> parsed = Consent.parse(value);
        if (parsed.isEmpty()) {
            warn.accept("invalid TELEMETRY_ENABLED value '" + value + "'; telemetry disabled");
        }
        return parsed.orElse(false);
    }
}
