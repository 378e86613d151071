package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.run.EngineContext;
import io.productivek3s.infra.run.Workspace;
import java.nio.file.Path;

/**
 * {@code export --profile F --output O} and {@code dev profile export --profile-env F --output O} up to the bundle
 * (docs/export.md#checks-before-anything-is-written steps 1–2): required flags, the source checks of docs/contract/source.md#normalized-package step 1, normalization into a private
 * temp {@code profile.tgz}, then a {@link BundleWriter} writes the export bundle from it. Operation events use
 * {@code source.export}. No telemetry and no state access.
 */
public final class SourceExport {
    /** Writes the docs/export.md bundle for a normalized package; the temp package is removed when it returns. */
    @FunctionalInterface
    public interface BundleWriter {
        /**
         * @param packageFile the normalized {@code profile.tgz}
         * @param normalized  its digest, manifest and source profile ({@code subject.ref} = profile path as given)
         * @return the command's exit code
         */
        int write(Path packageFile, NormalizedPackage normalized);
    }

    private final EngineContext context;

    public SourceExport(EngineContext context) {
        this.context = context;
    }

    /** {@code export --profile} ({@link SourceCommand#direct}) or {@code dev profile export} ({@link SourceCommand#dev}). */
    public static SourceCommand command(boolean dev) {
        return dev ? SourceCommand.dev("export") : SourceCommand.direct("export");
    }

    /**
     * Every check that precedes normalization, in order: {@code --profile} (3), {@code --output} (3), then
     * {@link SourcePackager#check}. Nothing is written.
     */
    public SourcePackager.Sources preflight(SourceCommand command, String profileArg, String outputArg) {
        requireFlags(command, profileArg, outputArg);
        return new SourcePackager(context).check(command.token(), profileArg);
    }

    public int run(SourceCommand command, String profileArg, String outputArg, BundleWriter writer) {
        requireFlags(command, profileArg, outputArg);
        context.events().started(command.operation(), profileArg);
        SourcePackager packager = new SourcePackager(context);
        SourcePackager.Sources sources = packager.check(command.token(), profileArg);
        int exitCode;
        try (Workspace workspace = Workspace.create(context.env())) {
            Path packageFile = workspace.dir().resolve("profile.tgz");
            NormalizedPackage normalized = packager.write(sources, packageFile);
            exitCode = writer.write(packageFile, normalized);
        }
        context.events().completed(exitCode, exitCode == 0 ? "export succeeded" : "export failed with exit code " + exitCode);
        return exitCode;
    }

    private static void requireFlags(SourceCommand command, String profileArg, String outputArg) {
        if (profileArg == null) {
            throw EngineException.missing(command.requiresProfileMessage());
        }
        if (outputArg == null) {
            throw EngineException.missing("the '" + command.label() + "' command requires --output <file|dir>");
        }
    }
}
