package io.productivek3s.infra.action;

import io.productivek3s.infra.run.EngineContext;

import io.productivek3s.infra.core.CoreRelease;
import io.productivek3s.infra.log.Log;

/**
 * {@code core fetch [--version V] [--json]} [New]: downloads the Productive K3S Core release bundle, verifies its
 * published digest and required files, and unpacks it once into the cache (docs/contract/core.md#core-bundle-contract).
 */
public final class CoreFetchAction {
    private final EngineContext context;
    private final boolean offline;

    public CoreFetchAction(EngineContext context, boolean offline) {
        this.context = context;
        this.offline = offline;
    }

    public int run(String requestedVersion, boolean json) {
        context.release().checkBinding();
        String version = CoreRelease.selectVersion(context.release(), requestedVersion, context.env());
        CoreRelease.Fetched fetched = ArtifactServices.create(context, offline).coreRelease(context).fetch(version);
        if (json) {
            CoreBundleActions.printJson(context.log().stdout(), fetched.bundle(), "core fetch");
            return 0;
        }
        Log log = context.log();
        if (fetched.alreadyCached()) {
            log.ok("Productive K3S Core " + version + " is already cached: " + fetched.bundle().path());
        } else {
            log.ok("Productive K3S Core " + version + " fetched and verified: " + fetched.bundle().path());
        }
        log.info("sha256: " + fetched.bundle().sha256());
        log.info("Air-gapped use: " + CoreBundleActions.offlineUse(fetched.bundle()));
        return 0;
    }
}
