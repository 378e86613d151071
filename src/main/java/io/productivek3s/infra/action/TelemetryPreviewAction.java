package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.env.EnvStack;
import io.productivek3s.infra.env.Layer;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.PackageListing;
import io.productivek3s.infra.pkg.ProfileArchive;
import io.productivek3s.infra.pkg.ProfileManifest;
import io.productivek3s.infra.scenario.BuiltInScenario;
import io.productivek3s.infra.scenario.Scenario;
import io.productivek3s.infra.scenario.ScenarioResolver;
import io.productivek3s.infra.telemetry.EventDocument;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.telemetry.TelemetryRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code telemetry preview <command line>} [New]: returns, for {@code cli} to print as a JSON array, exactly the schema-1
 * documents the command would send (started, then completed with result {@code success}; a failing run says
 * {@code failed}), or {@code []} for a command that sends nothing (docs/telemetry.md#who-decides). Never prompts, sends or writes.
 *
 * <p>Only what decides the canonical scenario is read: {@code profile.yaml} and {@code profile.env} streamed from the
 * package (nothing unpacked), or the source profile file; override files, inputs and state play no part in the
 * events and are not looked at. Failures that stop the command before it sends anything (missing flag, release
 * binding, package, scenario, destroy target) fail the preview the same way. Ids are those a real run would use: the
 * inherited session (or a fresh one) and a fresh run id.
 */
public final class TelemetryPreviewAction {
    /** The previewed command line: its positionals and the flags that matter for events. */
    public record Request(List<String> words, String tgz, String profile, boolean dryRun) {
        public Request {
            words = List.copyOf(words);
        }

        String word(int index) {
            return index < words.size() ? words.get(index) : "";
        }
    }

    private static final Set<String> PACKAGE_EMITTING = Set.of("install", "apply", "destroy");
    private static final Set<String> LEGACY_EMITTING = Set.of("", "up", "destroy", "down");

    private final EngineContext context;
    private final PackageSource packages;

    public TelemetryPreviewAction(EngineContext context, PackageSource packages) {
        this.context = context;
        this.packages = packages;
    }

    /** The documents the command line would send, in order; empty when it sends none. */
    public List<EventDocument> run(Request request) {
        return emittedCommand(request).map(command -> {
            TelemetryRun run = TelemetryRun.create(Optional.of(true), context.env(), true);
            ZonedDateTime now = ZonedDateTime.now(context.clock());
            return List.of(EventDocument.started(command, run, now), EventDocument.completed(command, run, 0, now));
        }).orElse(List.of());
    }

    /** The event subject of an emitting command line; empty for everything that sends nothing. */
    Optional<Telemetry.Command> emittedCommand(Request request) {
        String command = request.word(0);
        if (request.dryRun()) {
            return Optional.empty();
        }
        if (command.equals("profile") && PACKAGE_EMITTING.contains(request.word(1))) {
            return Optional.of(new Telemetry.Command("profile", packageScenario(request.word(1), request.tgz())));
        }
        if (command.equals("apply") || command.equals("destroy")) {
            return Optional.of(new Telemetry.Command(command, sourceScenario(command, request.profile())));
        }
        Optional<BuiltInScenario> alias = BuiltInScenario.lookup(command);
        if (alias.isPresent() && LEGACY_EMITTING.contains(request.word(1))) {
            context.release().checkBinding();
            return Optional.of(new Telemetry.Command(command, alias.get().type()));
        }
        return Optional.empty();
    }

    private String packageScenario(String sub, String tgz) {
        if (tgz == null) {
            throw EngineException.missing("the 'profile " + sub + "' command requires --tgz <file>");
        }
        context.release().checkBinding();
        PackageSource.Resolved resolved = packages.resolve(tgz);
        PackageListing listing = ProfileArchive.scan(resolved.file(), tgz, ExtractionLimits.fromEnv(context.env()));
        ProfileManifest manifest = ManifestParser.parse(listing.manifest());
        Map<String, String> keys = listing.profileEnv()
                .map(bytes -> envStack().loadText(new String(bytes, StandardCharsets.UTF_8), "profile.env", Layer.PACKAGE).values())
                .orElse(Map.of());
        Scenario scenario = new ScenarioResolver("profile.env")
                .resolve(manifest.scenarioType(), keys, manifest.category(), "unsupported packaged profile scenario: ");
        if (sub.equals("destroy") && scenario.destroyTarget().isEmpty()) {
            throw EngineException.usage("unsupported packaged profile command 'destroy' for scenario '" + scenario.type() + "'");
        }
        return scenario.type();
    }

    private String sourceScenario(String command, String profile) {
        if (profile == null) {
            throw EngineException.missing("the '" + command + "' command requires --profile <file>");
        }
        context.release().checkBinding();
        Path file = context.paths().resolveExisting(profile);
        if (!Files.isRegularFile(file)) {
            throw EngineException.missing("profile not found: " + profile);
        }
        Map<String, String> keys = envStack().load(file, profile, Layer.SOURCE).values();
        String type = keys.getOrDefault("PK3S_INFRA_SCENARIO", "").trim();
        if (type.isEmpty()) {
            throw EngineException.invalid("profile is missing required variable: PK3S_INFRA_SCENARIO");
        }
        Scenario scenario = new ScenarioResolver(profile).resolve(type, keys, null, "unsupported PK3S_INFRA_SCENARIO: ");
        if (command.equals("destroy") && scenario.destroyTarget().isEmpty()) {
            throw EngineException.usage("unsupported command 'destroy' for scenario '" + scenario.type() + "'");
        }
        return scenario.type();
    }

    private EnvStack envStack() {
        return new EnvStack(context.env(), message -> { }, "bash".equals(context.env().get("PK3S_INFRA_ENV_EVAL")));
    }
}
