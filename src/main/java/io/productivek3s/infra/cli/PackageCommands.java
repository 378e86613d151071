package io.productivek3s.infra.cli;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.action.ArtifactPackageSource;
import io.productivek3s.infra.action.DestroyAction;
import io.productivek3s.infra.action.DoctorAction;
import io.productivek3s.infra.action.ExportAction;
import io.productivek3s.infra.action.InstallAction;
import io.productivek3s.infra.action.PackAction;
import io.productivek3s.infra.action.PackageAction;
import io.productivek3s.infra.action.PackageRequest;
import io.productivek3s.infra.action.PackageRunner;
import io.productivek3s.infra.action.PackageSource;
import io.productivek3s.infra.action.PlanAction;
import io.productivek3s.infra.action.ProfileShowAction;
import io.productivek3s.infra.action.RunSummary;
import io.productivek3s.infra.action.StatusAction;
import io.productivek3s.infra.action.ValidateAction;
import io.productivek3s.infra.action.VerifyAction;
import io.productivek3s.infra.export.ExportResult;
import io.productivek3s.infra.log.OperationEvents;
import io.productivek3s.infra.source.SourceContract;
import io.productivek3s.infra.source.SourcePack;
import io.productivek3s.infra.source.SourceProfile;
import io.productivek3s.infra.telemetry.ConsentPrompt;
import io.productivek3s.infra.telemetry.HttpTelemetry;
import io.productivek3s.infra.telemetry.Telemetry;
import java.time.Duration;
import java.util.Optional;
import java.util.function.IntSupplier;

/**
 * The package commands ({@code profile validate|install|apply|plan|status|destroy|export|show|pack}, {@code doctor}):
 * each parses its own options record, calls its action and renders the result (docs/cli.md "JSON output").
 */
final class PackageCommands {
    private PackageCommands() {
    }

    /** {@code profile validate}. */
    record ValidateOptions(String tgz, boolean strict, Sourcing sourcing) {
        static ValidateOptions parse(Invocation in) {
            return new ValidateOptions(in.value(Flag.TGZ), in.has(Flag.STRICT), Sourcing.parse(in));
        }
    }

    /**
     * {@code profile install|apply|plan|status|destroy}: {@code --name} and {@code --lock-timeout} are checked here,
     * before anything runs, so a typo costs no package extraction.
     */
    record RunOptions(String command, String tgz, String envFile, String name, Duration lockTimeout, boolean replace,
            boolean dryRun, Sourcing sourcing) {
        static RunOptions parse(String command, Invocation in) {
            String name = in.value(Flag.NAME) == null ? null : ClusterNames.require("--name", in.value(Flag.NAME));
            return new RunOptions(command, in.value(Flag.TGZ), in.value(Flag.ENV_FILE), name,
                    Durations.lockTimeout(in.value(Flag.LOCK_TIMEOUT)), in.has(Flag.REPLACE), in.has(Flag.DRY_RUN),
                    Sourcing.parse(in));
        }

        PackageRequest request() {
            return new PackageRequest(command, tgz, envFile, dryRun, name, lockTimeout, replace);
        }

        /** The one place {@code --dry-run} chooses what runs: install/apply become a plan (docs/contract/runs.md#dry-run). */
        PackageAction action() {
            return switch (command) {
                case "install", "apply" -> dryRun ? PlanAction.dryRunOf(command) : new InstallAction();
                case "status" -> new StatusAction();
                case "plan" -> new PlanAction();
                case "destroy" -> new DestroyAction(dryRun);
                default -> throw new IllegalArgumentException("not a package run: " + command);
            };
        }
    }

    /** {@code profile export}. */
    record ExportOptions(String tgz, String output, String envFile, boolean force, Sourcing sourcing) {
        static ExportOptions parse(Invocation in) {
            return new ExportOptions(in.value(Flag.TGZ), in.value(Flag.OUTPUT), in.value(Flag.ENV_FILE), in.has(Flag.FORCE),
                    Sourcing.parse(in));
        }
    }

    /** {@code profile show}. */
    record ShowOptions(String tgz, String envFile, Sourcing sourcing) {
        static ShowOptions parse(Invocation in) {
            return new ShowOptions(in.value(Flag.TGZ), in.value(Flag.ENV_FILE), Sourcing.parse(in));
        }
    }

    /** {@code doctor}. */
    record DoctorOptions(String tgz, String profile, String envFile, String name, Sourcing sourcing) {
        static DoctorOptions parse(Invocation in) {
            String name = in.value(Flag.NAME) == null ? null : ClusterNames.require("--name", in.value(Flag.NAME));
            return new DoctorOptions(in.value(Flag.TGZ), in.value(Flag.PROFILE), in.value(Flag.ENV_FILE), name,
                    Sourcing.parse(in));
        }
    }

    /** {@code profile pack}: a package source directory, or a source profile to normalize. */
    record PackOptions(String source, String profile, String output, Optional<String> signKey) {
        static PackOptions parse(Invocation in) {
            return new PackOptions(in.value(Flag.SOURCE), in.value(Flag.PROFILE), in.value(Flag.OUTPUT),
                    Optional.ofNullable(in.value(Flag.SIGN_KEY)));
        }
    }

    /**
     * Where a package comes from and how its signature is found: {@code --offline} and {@code --signature}, read once
     * for every command that reads a package (docs/signing.md).
     */
    record Sourcing(boolean offline, Optional<String> signature) {
        static Sourcing parse(Invocation in) {
            return new Sourcing(in.has(Flag.OFFLINE), Optional.ofNullable(in.value(Flag.SIGNATURE)));
        }

        PackageSource source(Call call) {
            return new ArtifactPackageSource(call.context(), offline, signature);
        }
    }

    /** {@code profile verify}: the package and, optionally, its signature file. */
    record VerifyOptions(String tgz, Sourcing sourcing) {
        static VerifyOptions parse(Invocation in) {
            return new VerifyOptions(in.value(Flag.TGZ), Sourcing.parse(in));
        }
    }

    static int validate(Call call, ValidateOptions options) {
        return withEvents(call, "validate", options.tgz(), () -> {
            ValidateAction.Result result = new ValidateAction(call.context(), options.sourcing().source(call))
                    .run(options.tgz(), options.strict());
            call.json(PackageDocuments.Validate.of(result));
            if (options.strict() && !result.problems().isEmpty()) {
                // the report (and --json document) goes out first, like doctor's; the first problem is the error
                throw EngineException.invalid("package is not executable as-is: " + result.problems().get(0));
            }
            return 0;
        });
    }

    static int run(Call call, RunOptions options) {
        PackageAction action = options.action();
        return withEvents(call, options.command(), options.tgz(), () -> {
            RunSummary summary = new PackageRunner(call.context(), options.sourcing().source(call), telemetry(call))
                    .execute(options.request(), action);
            call.json(PackageDocuments.Run.of(summary));
            return summary.exitCode();
        });
    }

    static int export(Call call, ExportOptions options) {
        return withEvents(call, "export", options.tgz(), () -> {
            ExportResult result = new ExportAction(call.context(), options.sourcing().source(call))
                    .run(options.tgz(), options.output(), options.envFile(), options.force());
            call.json(PackageDocuments.Export.of(result, options.output()));
            return 0;
        });
    }

    static int show(Call call, ShowOptions options) {
        ProfileShowAction.Result result = new ProfileShowAction(call.context(), options.sourcing().source(call))
                .run(options.tgz(), options.envFile());
        call.result(PackageDocuments.Show.of(result), () -> ProfileShowView.text(result));
        return 0;
    }

    static int pack(Call call, PackOptions options) {
        if (options.profile() != null && options.source() == null) {
            return new SourcePack(call.context()).run(options.profile(), options.output(), options.signKey());
        }
        return new PackAction(call.context()).run(options.source(), options.output(), options.signKey());
    }

    /** {@code profile verify}: the verdict (text or --json); a verdict the policy refuses is then exit 4. */
    static int verify(Call call, VerifyOptions options) {
        VerifyAction.Result result = new VerifyAction(options.sourcing().source(call)).run(options.tgz());
        call.result(PackageDocuments.Verify.of(result), () -> String.join("\n", result.lines()) + "\n");
        result.verdict().decision().enforce();
        return 0;
    }

    /** The report goes out even when a check failed (stdout stays valid JSON); the failure is then the ERROR line. */
    static int doctor(Call call, DoctorOptions options) {
        DoctorAction.Report report = new DoctorAction(call.context(), options.sourcing().source(call),
                sourceProfiles(call)).run(options.tgz(), options.profile(), options.envFile(), options.name());
        call.json(PackageDocuments.Doctor.of(report));
        if (report.failure().isPresent()) {
            throw report.failure().get();
        }
        return 0;
    }

    /** The source-profile check behind {@code doctor --profile} (docs/cli.md#doctor step 5): the source contract itself. */
    private static DoctorAction.SourceProfileCheck sourceProfiles(Call call) {
        return profile -> {
            SourceProfile loaded = new SourceContract(call.context()).load(profile);
            return new DoctorAction.SourceProfileCheck.Summary(loaded.scenario().type(), loaded.engine());
        };
    }

    /** Brackets a run with operation.started / operation.completed (docs/contract/output.md#operation-events). */
    private static int withEvents(Call call, String command, String tgz, IntSupplier body) {
        OperationEvents events = call.context().events();
        if (tgz != null) {
            events.started("profile." + command, tgz);
        }
        int code = body.getAsInt();
        events.completed(code, code == 0 ? command + " succeeded" : command + " failed with exit code " + code);
        return code;
    }

    static Telemetry telemetry(Call call) {
        var context = call.context();
        return new HttpTelemetry(context.env(), context.log(), context.clock(), context.engineVersion(),
                context.paths().baseDir(), ConsentPrompt.system(context.env()));
    }

}
