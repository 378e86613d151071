package io.productivek3s.infra.action;

import io.productivek3s.infra.core.CoreRelease;
import io.productivek3s.infra.run.EngineContext;

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

    public CoreRelease.Fetched run(String requestedVersion) {
        context.release().checkBinding();
        String version = CoreRelease.selectVersion(context.release(), requestedVersion, context.env());
        return ArtifactServices.create(context, offline).coreRelease(context).fetch(version);
    }
}
