package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.core.CoreBundle;
import io.productivek3s.infra.core.CoreRelease;
import java.io.PrintStream;

/** {@code core info [--version V] [--json]} [New]: what the cache holds for a Core version; never downloads. */
public final class CoreInfoAction {
    private final EngineContext context;

    public CoreInfoAction(EngineContext context) {
        this.context = context;
    }

    public int run(String requestedVersion, boolean json) {
        context.release().checkBinding();
        String version = CoreRelease.selectVersion(context.release(), requestedVersion, context.env());
        CoreBundle bundle = ArtifactServices.create(context, true).coreRelease(context).cached(version)
                .orElseThrow(() -> EngineException.missing("productive-k3s-core " + version + " is not cached; run 'core fetch --version "
                        + version + "'"));
        PrintStream out = context.log().stdout();
        if (json) {
            CoreBundleActions.printJson(out, bundle, "core info");
            return 0;
        }
        out.println("Productive K3S Core " + bundle.version());
        out.println("Path: " + bundle.path());
        out.println("Archive: " + bundle.archive());
        out.println("SHA-256: " + bundle.sha256());
        out.println("Source: " + bundle.sourceUrl());
        out.println("Release repository: " + bundle.releaseRepo());
        out.println("Fetched: " + bundle.fetchedAt());
        out.println("Bundle: " + bundle.bundleInfo().path("bundle_name").asText() + " "
                + bundle.bundleInfo().path("bundle_version").asText("?") + " (entrypoint "
                + bundle.bundleInfo().path("cli_entrypoint").asText("?") + ")");
        out.println("Air-gapped use: " + CoreBundleActions.offlineUse(bundle));
        out.flush();
        return 0;
    }
}
