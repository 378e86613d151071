package io.productivek3s.infra.action;

import io.productivek3s.infra.sign.SignatureFile;
import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.export.BundleExporter;
import io.productivek3s.infra.export.EngineFiles;
import io.productivek3s.infra.export.ExportRequest;
import io.productivek3s.infra.export.ExportResult;
import io.productivek3s.infra.export.SubjectKind;

/**
 * {@code profile export --tgz F --output O [--env-file E] [--force]} (docs/export.md): an installer bundle that
 * replays {@code profile install} of the package with an embedded copy of this engine.
 */
public final class ExportAction {
    private final EngineContext context;
    private final PackageSource source;

    public ExportAction(EngineContext context, PackageSource source) {
        this.context = context;
        this.source = source;
    }

    public ExportResult run(String tgz, String output, String envFile, boolean force) {
        if (tgz == null) {
            throw EngineException.missing("the 'profile export' command requires --tgz <file>");
        }
        if (output == null) {
            throw EngineException.missing("the 'profile export' command requires --output <file|dir>");
        }
        context.release().checkBinding();
        PackageSource.Resolved resolved = source.resolve(tgz);
        ExportResult result = exporter(context).export(new ExportRequest(resolved.file(), SubjectKind.PROFILE_TGZ, tgz, envFile, output, force,
                resolved.signature().packageSignature().map(SignatureFile::bytes)));
        report(context, result, output);
        return result;
    }

    /** The exporter for this engine run; source exports call it with their normalized package. */
    public static BundleExporter exporter(EngineContext context) {
        return new BundleExporter(context.env(), context.release(), context.installRoot(), context.paths(), context.events(),
                context.clock(), context.log()::warn, () -> EngineFiles.locate(ExportAction.class)); // any class of the engine jar; no dependency on Main
    }

    /** The closing lines of every export command (docs/contract/output.md#progress-lines): the secrets WARN when it applies, then the OK line. */
    public static void report(EngineContext context, ExportResult result, String output) {
        if (!result.sensitiveInputs().isEmpty()) {
            context.log().warn("override.env in the export bundle contains sensitive inputs: " + String.join(" ", result.sensitiveInputs())
                    + "; protect or remove it before sharing the bundle");
        }
        context.log().ok("Exported profile bundle written to: " + output);
    }
}
