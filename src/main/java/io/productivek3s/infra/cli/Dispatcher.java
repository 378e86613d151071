package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.ArtifactPackageSource;
import io.productivek3s.infra.action.CatalogListAction;
import io.productivek3s.infra.action.CatalogShowAction;
import io.productivek3s.infra.action.CoreFetchAction;
import io.productivek3s.infra.action.CoreInfoAction;
import io.productivek3s.infra.action.DestroyAction;
import io.productivek3s.infra.action.DoctorAction;
import io.productivek3s.infra.action.EngineContext;
import io.productivek3s.infra.action.ExportAction;
import io.productivek3s.infra.action.InfoDocuments;
import io.productivek3s.infra.action.InstallAction;
import io.productivek3s.infra.action.PackageAction;
import io.productivek3s.infra.action.PackageRequest;
import io.productivek3s.infra.action.PackageRunner;
import io.productivek3s.infra.action.PackageSource;
import io.productivek3s.infra.action.PlanAction;
import io.productivek3s.infra.action.StatusAction;
import io.productivek3s.infra.action.TelemetryPreviewAction;
import io.productivek3s.infra.action.ValidateAction;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.source.SourceContract;
import io.productivek3s.infra.source.SourcePack;
import io.productivek3s.infra.telemetry.ConsentPrompt;
import io.productivek3s.infra.telemetry.HttpTelemetry;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.scenario.BuiltInScenario;
import io.productivek3s.infra.util.Json;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/** Maps positionals to actions (contract §4) after the package-only surface gate (§3). */
final class Dispatcher {
    private static final Set<String> SOURCE_COMMANDS = Set.of("list-profiles", "validate-profile", "validate", "plan",
            "apply", "destroy", "status", "export", "dev");

    private final EngineContext context;
    private final Invocation invocation;

    Dispatcher(EngineContext context, Invocation invocation) {
        this.context = context;
        this.invocation = invocation;
    }

    int dispatch() {
        String command = invocation.command();
        if (invocation.positionals().isEmpty()) {
            return invocation.versionFlag() ? version() : help(context.log().stdout());
        }
        String surface = context.release().surfaceValue();
        if (!surface.isEmpty() && !surface.equals("package-only") && !surface.equals("source-plus-package")) {
            context.log().warn("unknown PK3S_INFRA_RUNTIME_SURFACE '" + surface + "'; using source-plus-package");
        }
        checkSurface(command);
        switch (command) {
            case "help":
            case "-h":
            case "--help":
                return help(context.log().stdout());
            case "version":
                return version();
            case "bundle":
                return bundle();
            case "bom":
                if (!invocation.json()) {
                    throw EngineException.usage("bom requires --json");
                }
                context.log().stdout().print(Json.pretty(InfoDocuments.bom(context.release(), context.build())));
                return 0;
            case "doctor":
                return new DoctorAction(context, packageSource(), sourceProfiles()).run(invocation.tgz(), invocation.profile(), invocation.envFile());
            case "profile":
                return profile();
            case "telemetry":
                return telemetryCommand();
            case "catalog":
                return catalog();
            case "core":
                return core();
            default:
                if (SourceDispatcher.handles(command)) {
                    return new SourceDispatcher(context, invocation, telemetry()).dispatch();
                }
                throw EngineException.usage("unsupported command: " + command);
        }
    }

    private void checkSurface(String command) {
        if (context.release().packageOnly() && isSourceCommand(command)) {
            throw EngineException.usage("the '" + command + "' command is not available in the package-only release surface; "
                    + "use 'profile <validate|install|plan|apply|destroy|status> --tgz <file>' or a source checkout");
        }
    }

    private boolean isSourceCommand(String command) {
        return SOURCE_COMMANDS.contains(command) || BuiltInScenario.lookup(command).isPresent();
    }

    private int help(PrintStream stream) {
        stream.print(HelpText.render(context.release().packageOnly()));
        stream.flush();
        return 0;
    }

    private int version() {
        if (invocation.json()) {
            context.log().stdout().print(Json.pretty(InfoDocuments.bundleInfo(context.engineVersion())));
        } else {
            context.log().stdout().println(context.engineVersion());
        }
        return 0;
    }

    private int bundle() {
        String sub = invocation.word(1);
        if (!sub.equals("info")) {
            throw EngineException.usage("unsupported bundle command: " + sub);
        }
        if (!invocation.json()) {
            throw EngineException.usage("bundle info requires --json");
        }
        context.log().stdout().print(Json.pretty(InfoDocuments.bundleInfo(context.engineVersion())));
        return 0;
    }

    private int profile() {
        String sub = invocation.word(1);
        PackageRequest request = new PackageRequest(sub, invocation.tgz(), invocation.envFile(), invocation.dryRun());
        PackageAction action;
        switch (sub) {
            case "validate":
                return withEvents(request, () -> new ValidateAction(context, packageSource()).run(invocation.tgz()));
            case "install":
            case "apply":
                action = new InstallAction(sub, invocation.dryRun());
                break;
            case "status":
                action = new StatusAction();
                break;
            case "plan":
                action = new PlanAction();
                break;
            case "destroy":
                action = new DestroyAction(invocation.dryRun());
                break;
            case "export":
                return withEvents(request, () -> new ExportAction(context, packageSource())
                        .run(invocation.tgz(), invocation.output(), invocation.envFile(), invocation.force()));
            case "pack":
                if (invocation.profile() != null && invocation.source() == null) {
                    return new SourcePack(context).run(invocation.profile(), invocation.output());
                }
                return new io.productivek3s.infra.action.PackAction(context).run(invocation.source(), invocation.output());
            default:
                throw EngineException.usage("unsupported profile command: " + sub);
        }
        PackageAction chosen = action;
        return withEvents(request, () -> new PackageRunner(context, packageSource(), telemetry()).run(request, chosen));
    }

    /** {@code telemetry preview <command line>}: the previewed command passes the same surface gate. */
    private int telemetryCommand() {
        String sub = invocation.word(1);
        if (!sub.equals("preview")) {
            throw EngineException.usage("unsupported telemetry command: " + sub);
        }
        List<String> previewed = invocation.positionals().subList(2, invocation.positionals().size());
        if (previewed.isEmpty()) {
            throw EngineException.missing("the 'telemetry preview' command requires a command line, e.g. "
                    + "telemetry preview profile install --tgz <file>");
        }
        checkSurface(previewed.get(0));
        return new TelemetryPreviewAction(context, packageSource()).run(new TelemetryPreviewAction.Request(previewed,
                invocation.tgz(), invocation.profile(), invocation.dryRun()));
    }

    private DoctorAction.SourceProfileCheck sourceProfiles() {
        return SourceContract.doctorCheck(context);
    }

    private Telemetry telemetry() {
        return new HttpTelemetry(context.env(), context.log(), context.clock(), context.engineVersion(),
                context.paths().baseDir(), ConsentPrompt.system());
    }

    private PackageSource packageSource() {
        return new ArtifactPackageSource(context, invocation.offline());
    }

    private int catalog() {
        String sub = invocation.word(1);
        switch (sub) {
            case "list":
                return new CatalogListAction(context, invocation.offline()).run(invocation.json());
            case "show":
                return new CatalogShowAction(context, invocation.offline()).run(invocation.word(2), invocation.json());
            default:
                throw EngineException.usage("unsupported catalog command: " + sub);
        }
    }

    private int core() {
        String sub = invocation.word(1);
        switch (sub) {
            case "fetch":
                return new CoreFetchAction(context, invocation.offline()).run(invocation.version(), invocation.json());
            case "info":
                return new CoreInfoAction(context).run(invocation.version(), invocation.json());
            default:
                throw EngineException.usage("unsupported core command: " + sub);
        }
    }

    /** Brackets a run with operation.started / operation.completed (§6.3). */
    private int withEvents(PackageRequest request, java.util.function.IntSupplier body) {
        OperationEvents events = context.events();
        if (request.tgz() != null) {
            events.started(request.operation(), request.tgz());
        }
        int code = body.getAsInt();
        events.completed(code == 0, code == 0 ? request.command() + " succeeded" : request.command() + " failed with exit code " + code);
        return code;
    }
}
