package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.catalog.ArtifactCache;
import io.productivek3s.infra.catalog.CacheDir;
import io.productivek3s.infra.catalog.CatalogLoader;
import io.productivek3s.infra.catalog.Downloader;
import io.productivek3s.infra.catalog.ProgressBar;
import io.productivek3s.infra.catalog.ProgressLines;
import io.productivek3s.infra.core.CoreDefaults;
import io.productivek3s.infra.core.CoreRelease;
import io.productivek3s.infra.core.CoreSettings;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.pkg.ExtractionLimits;
import io.productivek3s.infra.sign.SignatureVerifier;
import java.util.Optional;

/**
 * The download side of one run: one cache, one HTTP client, the catalog sources and Core releases, configured
 * from the environment. Built only by commands that may download, so a local {@code --tgz} never pays for it.
 */
public record ArtifactServices(CacheDir cacheDir, ArtifactCache cache, CatalogLoader catalogs, ExtractionLimits limits) {
    /** Set by the launcher when stderr is a terminal; progress bars are drawn only then (else {@link ProgressLines}). */
    static final String TTY_PROPERTY = "pk3s.stderr.tty";

    public static ArtifactServices create(EngineContext context, boolean offline) {
        return create(context, offline, signatures(context));
    }

    /** The signature policy and trust file of the run (docs/signing.md); exit 4 for an unknown policy. */
    static SignatureVerifier signatures(EngineContext context) {
        return SignatureVerifier.fromEnv(context.env(), context.paths()::resolve, context.clock());
    }

    /** With the run's one signature verifier, so the trust file is read at most once. */
    static ArtifactServices create(EngineContext context, boolean offline, SignatureVerifier signatures) {
        boolean terminal = Boolean.parseBoolean(System.getProperty(TTY_PROPERTY, "false"))
                && !"dumb".equals(context.env().get("TERM")) && !context.log().eventsMode();
        // without a terminal, plain INFO lines on stderr (stdout may be a --json document)
        Log progressLog = new Log(context.log().stderr(), context.log().stderr(), context.log().redactor());
        Downloader downloader = new Downloader("productive-k3s-infra/" + context.engineVersion(),
                terminal ? ProgressBar.factory(context.log().stderr(), true) : ProgressLines.factory(progressLog::info));
        CacheDir cacheDir = CacheDir.from(context.env());
        ArtifactCache cache = new ArtifactCache(cacheDir, downloader, offline, context.log()::debug, context.clock());
        CatalogLoader catalogs = new CatalogLoader(context.env(), cache, context.paths()::resolveExisting, context.log()::debug,
                signatures);
        return new ArtifactServices(cacheDir, cache, catalogs, ExtractionLimits.fromEnv(context.env()));
    }

    /** Core releases from the effective release repository (docs/contract/core.md#effective-core-settings) and {@code PRODUCTIVE_K3S_RELEASE_API_URL}. */
    public CoreRelease coreRelease(EngineContext context) {
        CoreSettings settings = CoreSettings.resolve(context.release().boundCore(), name -> Optional.empty(), context.env(),
                CoreDefaults.from(context.env())).validate();
        return new CoreRelease(cacheDir, cache, CoreRelease.apiBase(context.env()), settings.releaseRepo(), limits,
                context.log()::debug, context.clock(), signatures(context), context.log()::info);
    }
}
