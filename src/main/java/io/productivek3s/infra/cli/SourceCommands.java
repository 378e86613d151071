package io.productivek3s.infra.cli;

import io.productivek3s.infra.action.ExportAction;
import io.productivek3s.infra.export.ExportRequest;
import io.productivek3s.infra.export.ExportResult;
import io.productivek3s.infra.export.SubjectKind;
import io.productivek3s.infra.source.LegacyDispatch;
import io.productivek3s.infra.source.ListProfiles;
import io.productivek3s.infra.source.SourceCommand;
import io.productivek3s.infra.source.SourceDispatch;
import io.productivek3s.infra.source.SourceExport;
import java.util.List;

/**
 * Source-surface commands (docs/contract/invocation.md#source-commands), run after the package-only gate in {@link Dispatcher}. {@code export
 * --profile} and {@code dev profile export} normalize the source profile ({@code source.SourceExport}) and hand the
 * package to the same bundle exporter as {@code profile export}.
 */
final class SourceCommands {
    private SourceCommands() {
    }

    /** {@code validate-profile}, source dispatch and their {@code dev profile} spellings. */
    record SourceOptions(String profile, boolean dryRun) {
        static SourceOptions parse(Invocation in) {
            return new SourceOptions(in.value(Flag.PROFILE), in.has(Flag.DRY_RUN));
        }
    }

    /** {@code export --profile} and {@code dev profile export}. */
    record ExportOptions(String profile, String output, String envFile, boolean force) {
        static ExportOptions parse(Invocation in) {
            return new ExportOptions(in.value(Flag.PROFILE), in.value(Flag.OUTPUT), in.value(Flag.ENV_FILE), in.has(Flag.FORCE));
        }
    }

    /** Legacy scenario aliases: every word after the alias, flags included, is make's (docs/contract/source.md#legacy-scenario-aliases). */
    record LegacyOptions(List<String> words, boolean dryRun) {
        static LegacyOptions parse(Invocation in) {
            return new LegacyOptions(in.positionals(), in.has(Flag.DRY_RUN));
        }
    }

    static int listProfiles(Call call, Invocation invocation) {
        List<String> profiles = new ListProfiles(call.context()).profiles();
        if (invocation.json()) {
            call.json(PackageDocuments.Profiles.of(profiles));
        } else {
            call.print(profiles.stream().map(profile -> profile + "\n").reduce("", String::concat));
        }
        return 0;
    }

    static int validateProfile(Call call, SourceCommand command, SourceOptions options) {
        return dispatch(call).validateProfile(command, options.profile());
    }

    static int run(Call call, SourceCommand command, SourceOptions options) {
        return dispatch(call).run(command, options.profile(), options.dryRun());
    }

    /** docs/export.md#checks-before-anything-is-written for a source profile: the bundle's subject is the profile path as given. */
    static int export(Call call, boolean dev, ExportOptions options) {
        var context = call.context();
        return new SourceExport(context).run(SourceExport.command(dev), options.profile(), options.output(), (packageFile, normalized) -> {
            ExportResult result = ExportAction.exporter(context).export(new ExportRequest(packageFile, SubjectKind.SOURCE_PROFILE,
                    options.profile(), options.envFile(), options.output(), options.force()));
            ExportAction.report(context, result, options.output());
            return 0;
        });
    }

    static int legacy(Call call, LegacyOptions options) {
        return new LegacyDispatch(call.context(), PackageCommands.telemetry(call)).run(options.words(), options.dryRun());
    }

    private static SourceDispatch dispatch(Call call) {
        return new SourceDispatch(call.context(), PackageCommands.telemetry(call));
    }
}
