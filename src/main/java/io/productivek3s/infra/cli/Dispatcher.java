package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.ArtifactPackageSource;
import io.productivek3s.infra.action.CatalogListAction;
import io.productivek3s.infra.action.CatalogNamesAction;
import io.productivek3s.infra.action.CatalogShowAction;
import io.productivek3s.infra.action.CoreFetchAction;
import io.productivek3s.infra.action.CoreInfoAction;
import io.productivek3s.infra.action.DestroyAction;
import io.productivek3s.infra.action.DoctorAction;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.action.ExportAction;
import io.productivek3s.infra.action.InfoDocuments;
import io.productivek3s.infra.action.InstallAction;
import io.productivek3s.infra.action.PackageAction;
import io.productivek3s.infra.action.PackageRequest;
import io.productivek3s.infra.action.PackageRunner;
import io.productivek3s.infra.action.ProfileShowAction;
import io.productivek3s.infra.action.RunSummary;
import io.productivek3s.infra.export.ExportResult;
import io.productivek3s.infra.action.PackageSource;
import io.productivek3s.infra.action.PlanAction;
import io.productivek3s.infra.action.StatusAction;
import io.productivek3s.infra.action.TelemetryPreviewAction;
import io.productivek3s.infra.action.ValidateAction;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.source.SourceContract;
import io.productivek3s.infra.source.SourceProfile;
import io.productivek3s.infra.source.SourcePack;
import io.productivek3s.infra.telemetry.ConsentPrompt;
import io.productivek3s.infra.telemetry.HttpTelemetry;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.util.Json;
import io.productivek3s.infra.util.JsonEnvelope;
import io.productivek3s.infra.util.DidYouMean;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Maps positionals to actions (contract §4) after the package-only surface gate (§3). Every {@link CommandTable}
 * row has exactly one handler here, keyed by the row's name.
 */
final class Dispatcher {
    private final EngineContext context;
    private final Invocation invocation;
    private final Map<String, IntSupplier> handlers = new HashMap<>();

    Dispatcher(EngineContext context, Invocation invocation) {
        this.context = context;
        this.invocation = invocation;
        handlers.put("help", () -> help(context.log().stdout()));
        handlers.put("version", this::version);
        handlers.put("bundle info", this::bundle);
        handlers.put("bom", this::bom);
        handlers.put("doctor", this::doctor);
        for (String sub : List.of("validate", "install", "apply", "status", "plan", "destroy", "export", "pack")) {
            handlers.put("profile " + sub, this::profile);
        }
        handlers.put("profile show", this::profileShow);
        handlers.put("profile list", () -> new StateCommands(context, invocation).list("profile list"));
        StateCommands state = new StateCommands(context, invocation);
        handlers.put("state list", () -> state.list("state list"));
        handlers.put("state show", state::show);
        handlers.put("state history", state::history);
        handlers.put("state pull", state::pull);
        handlers.put("state rollback", state::rollback);
        handlers.put("state push", state::push);
        handlers.put("state unlock", state::unlock);
        handlers.put("state migrate", state::migrate);
        handlers.put("state keygen", state::keygen);
        handlers.put("telemetry preview", this::telemetryCommand);
        handlers.put("catalog list", this::catalog);
        handlers.put("catalog show", this::catalog);
        handlers.put("core fetch", this::core);
        handlers.put("core info", this::core);
        handlers.put("completion", this::completion);
        for (CommandSpec spec : CommandTable.all()) {
            if (spec.surface() == CommandSpec.Surface.SOURCE) {
                handlers.put(spec.name(), () -> new SourceDispatcher(context, invocation, telemetry()).dispatch());
            }
        }
    }

    /** Names of the commands this dispatcher runs; equal to the table's (checked by a test). */
    Set<String> handled() {
        return Set.copyOf(handlers.keySet());
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
        if (command.equals("-h") || command.equals("--help") || command.equals("help")) {
            List<String> topic = invocation.positionals().subList(1, invocation.positionals().size());
            return topic.isEmpty() ? help(context.log().stdout()) : commandHelp(topic);
        }
        checkSurface(command);
        Optional<CommandSpec> spec = CommandTable.find(invocation.positionals());
        if (wantsHelp(spec)) {
            return commandHelp(helpTopic());
        }
        if (spec.isEmpty()) {
            warnUnknownFlags(Optional.empty());
            throw unsupported(invocation.positionals());
        }
        // before the handler: a refused flag must cost no lock, no extraction and no telemetry
        warnUnknownFlags(spec);
        return handlers.get(spec.get().name()).getAsInt();
    }

    private boolean wantsHelp(Optional<CommandSpec> spec) {
        if (spec.isPresent() && CommandTable.forwardsArguments(spec.get().words().get(0))) {
            String next = invocation.word(1);
            return next.equals("--help") || next.equals("-h");
        }
        return invocation.wantsHelp();
    }

    /** The command words before --help/-h. */
    private List<String> helpTopic() {
        List<String> words = new ArrayList<>();
        for (String word : invocation.positionals()) {
            if (word.equals("--help") || word.equals("-h")) {
                break;
            }
            words.add(word);
        }
        return words;
    }

    /** {@code help <words>} / {@code <words> --help}: one command's help, or the list under a group word. */
    private int commandHelp(List<String> topic) {
        checkSurface(topic.get(0));
        PrintStream out = context.log().stdout();
        Optional<CommandSpec> spec = CommandTable.find(topic).filter(found -> found.words().size() == topic.size()
                || CommandTable.forwardsArguments(found.words().get(0)));
        if (spec.isPresent()) {
            out.print(HelpText.command(HelpText.program(context.env()), spec.get()));
        } else {
            List<CommandSpec> under = visible(CommandTable.under(topic));
            if (under.isEmpty()) {
                throw unsupported(topic);
            }
            out.print(HelpText.group(HelpText.program(context.env()), topic, under));
        }
        out.flush();
        return 0;
    }

    private List<CommandSpec> visible(List<CommandSpec> specs) {
        return specs.stream().filter(spec -> !context.release().packageOnly() || spec.surface() != CommandSpec.Surface.SOURCE).toList();
    }

    /** The contract's message for the first word that matches no command, with a did-you-mean when one is close. */
    private EngineException unsupported(List<String> words) {
        for (int depth = Math.min(words.size(), 2); depth >= 1; depth--) {
            List<String> prefix = words.subList(0, depth);
            List<CommandSpec> under = visible(CommandTable.under(prefix));
            if (!under.isEmpty()) {
                String typo = depth < words.size() ? words.get(depth) : "";
                int position = depth;
                List<String> candidates = under.stream().map(spec -> spec.words().get(position)).distinct().toList();
                String label = String.join(" ", prefix);
                if (label.equals("dev") && !typo.equals("profile")) {
                    return EngineException.usage("unsupported dev command: " + typo + hint(typo, candidates));
                }
                return EngineException.usage("unsupported " + label + " command: " + typo + hint(typo, candidates));
            }
        }
        List<String> commands = visible(CommandTable.all()).stream().map(spec -> spec.words().get(0)).distinct().toList();
        String typo = words.get(0);
        return EngineException.usage("unsupported command: " + typo + hint(typo, commands));
    }

    private static String hint(String typo, List<String> candidates) {
        return DidYouMean.closest(typo, candidates).map(word -> " (did you mean '" + word + "'?)").orElse("");
    }

    /**
     * §2.2 keeps unknown dash tokens as positionals and ignores them; say so, since a typo such as --evn-file
     * otherwise vanishes. Refused (exit 2, before anything runs) when ignoring it could act on the wrong thing: a near
     * miss of a known flag (the user meant that flag), or any unknown flag on a command that changes state.
     */
    private void warnUnknownFlags(Optional<CommandSpec> spec) {
        if (spec.isPresent() && CommandTable.forwardsArguments(spec.get().words().get(0))) {
            return;
        }
        List<String> known = CommandTable.flags().stream().map(Flag::name).toList();
        for (String flag : invocation.unknownFlags()) {
            Optional<String> meant = DidYouMean.closest(flag, known);
            if (meant.isPresent()) {
                throw EngineException.usage("unknown flag " + flag + " (did you mean " + meant.get()
                        + "?); nothing was done");
            }
        }
        if (spec.isPresent() && CommandTable.changesState(spec.get()) && !invocation.unknownFlags().isEmpty()) {
            String command = spec.get().name();
            throw EngineException.usage("unknown flag " + invocation.unknownFlags().get(0) + ": '" + command
                    + "' changes state, so it refuses flags it does not know; nothing was done ('help " + command
                    + "' lists its flags)");
        }
        for (String flag : invocation.unknownFlags()) {
            context.log().warn("ignoring unknown flag " + flag);
        }
    }

    private void checkSurface(String command) {
        if (context.release().packageOnly() && CommandTable.sourceOnly(command)) {
            throw EngineException.usage("the '" + command + "' command is not available in the package-only release surface; "
                    + "use 'profile <validate|install|plan|apply|destroy|status> --tgz <file>' or a source checkout");
        }
    }

    private int help(PrintStream stream) {
        stream.print(HelpText.render(HelpText.program(context.env()), context.release().packageOnly()));
        stream.flush();
        return 0;
    }

    private int version() {
        if (invocation.json()) {
            context.log().stdout().print(Json.pretty(JsonEnvelope.close(InfoDocuments.bundleInfo(context.engineVersion()), "version")));
        } else {
            context.log().stdout().println(context.engineVersion());
        }
        return 0;
    }

    private int bom() {
        if (!invocation.json()) {
            throw EngineException.usage("bom requires --json");
        }
        context.log().stdout().print(Json.pretty(JsonEnvelope.close(InfoDocuments.bom(context.release(), context.build()), "bom")));
        return 0;
    }

    private int completion() {
        String shell = invocation.word(1);
        PrintStream out = context.log().stdout();
        switch (shell) {
            case "bash" -> out.print(Completion.bash(context.release().packageOnly()));
            case "zsh" -> out.print(Completion.zsh(context.release().packageOnly()));
            case "catalog-names" -> new CatalogNamesAction(context).names().forEach(name -> out.print(name + "\n"));
            case "state-names" -> {
                context.log().setEventsMode(true); // a WARN (e.g. about the state dir) must not become a candidate
                new StateCommands(context, invocation).names().forEach(name -> out.print(name + "\n"));
            }
            case "revisions" -> {
                context.log().setEventsMode(true); // as for state-names: only candidates on stdout
                new StateCommands(context, invocation).revisions(invocation.word(2)).forEach(n -> out.print(n + "\n"));
            }
            default -> throw EngineException.usage("unsupported completion shell: " + shell + " (bash or zsh)");
        }
        out.flush();
        return 0;
    }

    /** The report goes out even when a check failed (stdout stays valid JSON); the failure is then the ERROR line. */
    private int doctor() {
        DoctorAction.Report report = new DoctorAction(context, packageSource(), sourceProfiles())
                .run(invocation.tgz(), invocation.profile(), invocation.envFile(),
                        invocation.name() == null ? null : ClusterNames.require("--name", invocation.name()));
        printJson(() -> JsonResults.doctor(report));
        if (report.failure().isPresent()) {
            throw report.failure().get();
        }
        return 0;
    }

    private int profileShow() {
        ProfileShowAction.Result result = new ProfileShowAction(context, packageSource()).run(invocation.tgz(), invocation.envFile());
        PrintStream out = context.log().progressStream();
        if (invocation.json()) {
            printJson(() -> ProfileShowView.json(result));
        } else {
            out.print(ProfileShowView.text(result));
            out.flush();
        }
        return 0;
    }

    private int bundle() {
        if (!invocation.json()) {
            throw EngineException.usage("bundle info requires --json");
        }
        context.log().stdout().print(Json.pretty(JsonEnvelope.close(InfoDocuments.bundleInfo(context.engineVersion()), "bundle info")));
        return 0;
    }

    private int profile() {
        String sub = invocation.word(1);
        PackageRequest request = new PackageRequest(sub, invocation.tgz(), invocation.envFile(), invocation.dryRun());
        if (List.of("install", "apply", "status", "plan", "destroy").contains(sub)) {
            // both checked before anything runs: a typo must not cost a package extraction
            String name = invocation.name() == null ? null : ClusterNames.require("--name", invocation.name());
            request = new PackageRequest(sub, invocation.tgz(), invocation.envFile(), invocation.dryRun(), name,
                    Durations.lockTimeout(invocation.lockTimeout()), invocation.replace());
        }
        PackageAction action;
        switch (sub) {
            case "validate":
                return withEvents(request, () -> {
                    boolean strict = invocation.has(Flag.STRICT.name());
                    ValidateAction.Result result = new ValidateAction(context, packageSource()).run(invocation.tgz(), strict);
                    printJson(() -> JsonResults.validate(result));
                    if (strict && !result.problems().isEmpty()) {
                        // the report (and --json document) goes out first, like doctor's; the first problem is the error
                        throw EngineException.invalid("package is not executable as-is: " + result.problems().get(0));
                    }
                    return 0;
                });
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
                return withEvents(request, () -> {
                    ExportResult result = new ExportAction(context, packageSource())
                            .run(invocation.tgz(), invocation.output(), invocation.envFile(), invocation.force());
                    printJson(() -> JsonResults.export(result, invocation.output()));
                    return 0;
                });
            case "pack":
                if (invocation.profile() != null && invocation.source() == null) {
                    return new SourcePack(context).run(invocation.profile(), invocation.output());
                }
                return new io.productivek3s.infra.action.PackAction(context).run(invocation.source(), invocation.output());
            default:
                throw EngineException.usage("unsupported profile command: " + sub);
        }
        PackageAction chosen = action;
        PackageRequest run = request;
        return withEvents(request, () -> {
            RunSummary summary = new PackageRunner(context, packageSource(), telemetry()).execute(run, chosen);
            printJson(() -> JsonResults.run(summary));
            return summary.exitCode();
        });
    }

    /**
     * With {@code --json}, the result document on stdout (the log lines already went to stderr). With
     * {@code --events ndjson} stdout belongs to the events, so no document is printed.
     */
    private void printJson(java.util.function.Supplier<com.fasterxml.jackson.databind.JsonNode> document) {
        if (invocation.json() && !invocation.eventsNdjson()) {
            PrintStream out = context.log().stdout();
            out.print(Json.pretty(document.get()));
            out.flush();
        }
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

    /** The source-profile check behind {@code doctor --profile} (§20 step 5): the source contract itself. */
    private DoctorAction.SourceProfileCheck sourceProfiles() {
        return profile -> {
            SourceProfile loaded = new SourceContract(context).load(profile);
            return new DoctorAction.SourceProfileCheck.Summary(loaded.scenario().type(), loaded.engine());
        };
    }

    private Telemetry telemetry() {
        return new HttpTelemetry(context.env(), context.log(), context.clock(), context.engineVersion(),
                context.paths().baseDir(), ConsentPrompt.system(context.env()));
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
        events.completed(code, code == 0 ? request.command() + " succeeded" : request.command() + " failed with exit code " + code);
        return code;
    }
}
