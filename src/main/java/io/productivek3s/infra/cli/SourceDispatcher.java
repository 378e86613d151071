package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.action.ExportAction;
import io.productivek3s.infra.export.ExportRequest;
import io.productivek3s.infra.export.ExportResult;
import io.productivek3s.infra.export.SubjectKind;
import io.productivek3s.infra.scenario.BuiltInScenario;
import io.productivek3s.infra.source.LegacyDispatch;
import io.productivek3s.infra.source.ListProfiles;
import io.productivek3s.infra.source.SourceCommand;
import io.productivek3s.infra.source.SourceDispatch;
import io.productivek3s.infra.source.SourceExport;
import io.productivek3s.infra.telemetry.Telemetry;
import io.productivek3s.infra.util.Json;
import java.util.List;
import java.util.Set;

/**
 * Source-surface commands (docs/contract/invocation.md#source-commands): positionals → {@code source} actions. Runs after the package-only
 * gate in {@link Dispatcher}. {@code export --profile} and {@code dev profile export} normalize the source profile
 * ({@code source.SourceExport}) and hand the package to the same bundle exporter as {@code profile export}.
 */
final class SourceDispatcher {
    private static final Set<String> DISPATCH = Set.of("validate", "plan", "apply", "destroy", "status");

    private final EngineContext context;
    private final Invocation invocation;
    private final Telemetry telemetry;

    SourceDispatcher(EngineContext context, Invocation invocation, Telemetry telemetry) {
        this.context = context;
        this.invocation = invocation;
        this.telemetry = telemetry;
    }

    /** Whether {@code command} is a source command this class runs. */
    static boolean handles(String command) {
        return command.equals("list-profiles") || command.equals("validate-profile") || command.equals("dev")
                || command.equals("export") || DISPATCH.contains(command) || BuiltInScenario.lookup(command).isPresent();
    }

    int dispatch() {
        String command = invocation.command();
        SourceDispatch source = new SourceDispatch(context, telemetry);
        if (command.equals("list-profiles")) {
            if (invocation.json()) {
                List<String> profiles = new ListProfiles(context).profiles();
                context.log().stdout().print(Json.pretty(JsonResults.profiles(profiles)));
                context.log().stdout().flush();
                return 0;
            }
            return new ListProfiles(context).run();
        }
        if (command.equals("validate-profile")) {
            return source.validateProfile(SourceCommand.validateProfile(), invocation.profile());
        }
        if (DISPATCH.contains(command)) {
            return source.run(SourceCommand.direct(command), invocation.profile(), invocation.dryRun());
        }
        if (command.equals("export")) {
            return export(false);
        }
        if (command.equals("dev")) {
            return dev(source);
        }
        return new LegacyDispatch(context, telemetry).run(invocation.positionals(), invocation.dryRun());
    }

    private int dev(SourceDispatch source) {
        String sub = invocation.word(1);
        if (!sub.equals("profile")) {
            throw EngineException.usage("unsupported dev command: " + sub);
        }
        String action = invocation.word(2);
        if (action.equals("validate")) {
            return source.validateProfile(SourceCommand.dev("validate"), invocation.profile());
        }
        if (DISPATCH.contains(action)) {
            return source.run(SourceCommand.dev(action), invocation.profile(), invocation.dryRun());
        }
        if (action.equals("export")) {
            return export(true);
        }
        throw EngineException.usage("unsupported dev profile command: " + action);
    }

    /** docs/export.md#checks-before-anything-is-written for a source profile: the bundle's subject is the profile path as given. */
    private int export(boolean dev) {
        String profile = invocation.profile();
        String output = invocation.output();
        return new SourceExport(context).run(SourceExport.command(dev), profile, output, (packageFile, normalized) -> {
            ExportResult result = ExportAction.exporter(context).export(new ExportRequest(packageFile, SubjectKind.SOURCE_PROFILE,
                    profile, invocation.envFile(), output, invocation.force()));
            ExportAction.report(context, result, output);
            return 0;
        });
    }
}
